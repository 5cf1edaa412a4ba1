"""Reading a class timetable from iCalendar: recurring classes expanded over a horizon
(RRULE, EXDATE, RDATE, moved occurrences), time zones, and every way a file can be bad."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from services.scheduling.domain.class_timetables import (
    MAX_ICS_BYTES,
    MAX_SESSIONS,
    ClassSession,
    read_class_timetable,
)
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 9, 1, tzinfo=SHANGHAI)
END = datetime(2027, 1, 31, tzinfo=SHANGHAI)


def calendar(*events: str, extra: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{event.strip()}\r\nEND:VEVENT\r\n" for event in events)
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{extra}{body}END:VCALENDAR\r\n"
    return text.replace("\n", "\r\n").replace("\r\r\n", "\r\n").encode()


def event(*lines: str) -> str:
    return "\r\n".join(lines)


def read(data: bytes, start: datetime = START, end: datetime = END) -> list[ClassSession]:
    return read_class_timetable(data, horizon_start=start, horizon_end=end)


def refused(data: bytes) -> RuleBroken:
    with pytest.raises(RuleBroken) as raised:
        read(data)
    assert raised.value.field == "file"
    assert raised.value.invalid
    return raised.value


def test_a_weekly_class_until_the_end_of_term_recurs_every_week() -> None:
    sessions = read(
        calendar(
            event(
                "UID:ds@school",
                "SUMMARY:数据结构",
                "DTSTART;TZID=Asia/Shanghai:20260907T080000",
                "DTEND;TZID=Asia/Shanghai:20260907T093500",
                "RRULE:FREQ=WEEKLY;UNTIL=20261227T000000Z;BYDAY=MO,WE",
            )
        )
    )
    assert len(sessions) == 2 * 16  # Mondays and Wednesdays, 7 Sep to 23 Dec
    assert sessions[0] == ClassSession(
        datetime(2026, 9, 7, 8, 0, tzinfo=SHANGHAI),
        datetime(2026, 9, 7, 9, 35, tzinfo=SHANGHAI),
        "数据结构",
    )
    assert {s.starts_at.weekday() for s in sessions} == {0, 2}
    assert all(s.ends_at - s.starts_at == timedelta(minutes=95) for s in sessions)
    assert sessions[-1].starts_at.date().isoformat() == "2026-12-23"


def test_exdate_removes_occurrences_by_instant_or_whole_date() -> None:
    sessions = read(
        calendar(
            event(
                "UID:e@school",
                "DTSTART;TZID=Asia/Shanghai:20260907T080000",
                "DTEND;TZID=Asia/Shanghai:20260907T093500",
                "RRULE:FREQ=WEEKLY;COUNT=6",
                "EXDATE;TZID=Asia/Shanghai:20260914T080000",
                "EXDATE:20260921T000000Z",  # 08:00 campus time, given in UTC
                "EXDATE;VALUE=DATE:20261005",  # National Day holiday: the whole date
            )
        )
    )
    assert [s.starts_at.date().isoformat() for s in sessions] == [
        "2026-09-07",
        "2026-09-28",
        "2026-10-12",
    ]


def test_a_moved_occurrence_replaces_the_one_it_overrides() -> None:
    sessions = read(
        calendar(
            event(
                "UID:m@school",
                "SUMMARY:Calculus",
                "DTSTART;TZID=Asia/Shanghai:20260908T100000",
                "DTEND;TZID=Asia/Shanghai:20260908T113500",
                "RRULE:FREQ=WEEKLY;COUNT=3",
            ),
            event(
                "UID:m@school",
                "SUMMARY:Calculus (moved)",
                "RECURRENCE-ID;TZID=Asia/Shanghai:20260915T100000",
                "DTSTART;TZID=Asia/Shanghai:20260917T140000",
                "DTEND;TZID=Asia/Shanghai:20260917T153500",
            ),
        )
    )
    assert [(s.starts_at.isoformat(), s.summary) for s in sessions] == [
        ("2026-09-08T10:00:00+08:00", "Calculus"),
        ("2026-09-17T14:00:00+08:00", "Calculus (moved)"),
        ("2026-09-22T10:00:00+08:00", "Calculus"),
    ]


def test_rdate_adds_occurrences_and_transparent_or_cancelled_events_block_nothing() -> None:
    sessions = read(
        calendar(
            event(
                "UID:r@school",
                "DTSTART;TZID=Asia/Shanghai:20260910T190000",
                "DURATION:PT2H",
                "RDATE;TZID=Asia/Shanghai:20260912T190000",
            ),
            event("UID:t@x", "DTSTART:20260911T080000Z", "DURATION:PT1H", "TRANSP:TRANSPARENT"),
            event("UID:c@x", "DTSTART:20260911T090000Z", "DURATION:PT1H", "STATUS:CANCELLED"),
        )
    )
    assert [(s.starts_at.day, s.ends_at - s.starts_at) for s in sessions] == [
        (10, timedelta(hours=2)),
        (12, timedelta(hours=2)),
    ]


def test_times_in_utc_another_zone_a_windows_zone_or_floating_land_on_the_right_instant() -> None:
    sessions = read(
        calendar(
            event("UID:u@x", "DTSTART:20260907T000000Z", "DTEND:20260907T013500Z"),
            event(
                "UID:b@x",
                "DTSTART;TZID=Europe/Berlin:20260908T020000",
                "DTEND;TZID=Europe/Berlin:20260908T033500",
            ),
            event(
                "UID:w@x",
                "DTSTART;TZID=China Standard Time:20260909T080000",
                "DTEND;TZID=China Standard Time:20260909T093500",
            ),
            event("UID:f@x", "DTSTART:20260910T080000", "DTEND:20260910T093500"),
        )
    )
    eight = [s.starts_at.astimezone(SHANGHAI) for s in sessions]
    assert [(t.day, t.hour, t.minute) for t in eight] == [
        (7, 8, 0),
        (8, 8, 0),
        (9, 8, 0),
        (10, 8, 0),
    ]


def test_a_recurring_class_keeps_its_wall_time_across_a_daylight_saving_change() -> None:
    # A member on exchange in Berlin: 09:00 local before and after the October change.
    sessions = read(
        calendar(
            event(
                "UID:dst@x",
                "DTSTART;TZID=Europe/Berlin:20261019T090000",
                "DTEND;TZID=Europe/Berlin:20261019T100000",
                "RRULE:FREQ=WEEKLY;COUNT=2",
            )
        )
    )
    assert [s.starts_at.astimezone(BERLIN).hour for s in sessions] == [9, 9]
    assert [s.starts_at.astimezone(UTC).hour for s in sessions] == [7, 8]


def test_an_all_day_event_blocks_its_whole_day_in_campus_time() -> None:
    [session] = read(calendar(event("UID:d@x", "DTSTART;VALUE=DATE:20261001")))
    assert session.starts_at == datetime(2026, 10, 1, tzinfo=SHANGHAI)
    assert session.ends_at == datetime(2026, 10, 2, tzinfo=SHANGHAI)


def test_only_occurrences_inside_the_horizon_are_kept_and_an_endless_rule_stops_there() -> None:
    sessions = read(
        calendar(
            event(
                "UID:daily@x",
                "DTSTART;TZID=Asia/Shanghai:20240101T070000",
                "DTEND;TZID=Asia/Shanghai:20240101T073000",
                "RRULE:FREQ=DAILY",
            )
        ),
        start=datetime(2026, 9, 1, tzinfo=SHANGHAI),
        end=datetime(2026, 9, 8, tzinfo=SHANGHAI),
    )
    assert [s.starts_at.day for s in sessions] == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"\x00\xff\xfe garbage", "ics_unreadable"),
        (b"this is not a calendar", "ics_unreadable"),
        (b"", "ics_unreadable"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "ics_no_events"),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
            "ics_no_events",
        ),
        (calendar(event("UID:x", "SUMMARY:no start")), "ics_event_invalid"),
        (calendar(event("UID:x", "DTSTART:notadate")), "ics_event_invalid"),
        (
            calendar(event("UID:x", "DTSTART:20260907T100000Z", "DTEND:20260907T080000Z")),
            "ics_event_invalid",
        ),
        (
            calendar(
                event("UID:x", "DTSTART:20260907T100000Z", "DURATION:PT1H", "RRULE:FREQ=MINUTELY")
            ),
            "ics_recurrence_unsupported",
        ),
        (
            calendar(
                event("UID:x", "DTSTART:20260907T100000Z", "DURATION:PT1H", "RRULE:INTERVAL=2")
            ),
            "ics_recurrence_unsupported",
        ),
        (b"BEGIN:VCALENDAR\r\n" + b"X" * (MAX_ICS_BYTES + 1), "ics_too_large"),
    ],
)
def test_a_bad_file_is_refused_naming_the_rule(data: bytes, rule: str) -> None:
    assert refused(data).rule == rule


def test_a_rule_that_asks_for_too_many_classes_is_refused() -> None:
    busy_day = ",".join(str(hour) for hour in range(24))
    data = calendar(
        event(
            "UID:x",
            "DTSTART;TZID=Asia/Shanghai:20260901T000000",
            "DURATION:PT30M",
            f"RRULE:FREQ=DAILY;BYHOUR={busy_day};BYMINUTE=0,30",
        )
    )
    error = refused(data)
    assert error.rule == "ics_too_many_sessions"
    assert str(MAX_SESSIONS) in error.message


def test_a_counted_rule_from_long_ago_is_refused_before_it_costs_unbounded_work() -> None:
    data = calendar(
        *(
            event(
                f"UID:old{n}",
                "DTSTART;TZID=Asia/Shanghai:19000101T070000",
                "DURATION:PT30M",
                "RRULE:FREQ=DAILY;COUNT=100000000",
            )
            for n in range(3)
        )
    )
    assert refused(data).rule == "ics_too_complex"


@pytest.mark.parametrize(("frequency", "step_days"), [("DAILY", 3), ("WEEKLY", 14)])
def test_an_endless_rule_from_long_ago_keeps_its_rhythm_in_the_horizon(
    frequency: str, step_days: int
) -> None:
    first = datetime(1990, 1, 1, 7, 0, tzinfo=SHANGHAI)  # a Monday
    interval = 3 if frequency == "DAILY" else 2
    sessions = read(
        calendar(
            event(
                "UID:old",
                "DTSTART;TZID=Asia/Shanghai:19900101T070000",
                "DURATION:PT30M",
                f"RRULE:FREQ={frequency};INTERVAL={interval}",
            )
        )
    )
    assert sessions
    for session in sessions:
        assert (session.starts_at - first).days % step_days == 0
        assert (session.starts_at - first).seconds == 0
    gaps = {(b.starts_at - a.starts_at).days for a, b in pairwise(sessions)}
    assert gaps == {step_days}
    assert sessions[0].starts_at - START < timedelta(days=step_days)
