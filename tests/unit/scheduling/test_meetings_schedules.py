"""Meeting schedules (DOMAIN.md §2): the presidium every two weeks, departments at least
twice a month; series rules, the monthly checker, scheduling and cancelling."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.scheduling.domain.calendar_time import CAMPUS_TZ
from services.scheduling.domain.meetings import (
    MeetingPlan,
    Organisation,
    SeriesPlan,
    SeriesRule,
    cancel,
    monthly_counts,
    months_short_of_meetings,
    schedule,
    series_days,
    series_times,
)
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit
NOW = datetime(2026, 9, 1, tzinfo=UTC)
PRESIDIUM = Organisation(kind="department", id="presidium")
PLAN = MeetingPlan(
    organisation=PRESIDIUM,
    title="部长例会",
    agenda="各部汇报",
    place="学生活动中心 201",
    term="2026-autumn",
)


def series(rule: SeriesRule, first: date, last: date, weekday: int = 2) -> SeriesPlan:
    return SeriesPlan(
        rule=rule,
        weekday=weekday,
        at=time(19, 0),
        length=timedelta(minutes=90),
        first_day=first,
        last_day=last,
    )


def test_every_two_weeks_starts_on_the_first_weekday_and_steps_fourteen_days() -> None:
    # 1 Sep 2026 is a Tuesday; weekday 3 = Wednesday.
    days = series_days(series(SeriesRule.EVERY_TWO_WEEKS, date(2026, 9, 1), date(2026, 10, 31), 3))
    assert days == [
        date(2026, 9, 2),
        date(2026, 9, 16),
        date(2026, 9, 30),
        date(2026, 10, 14),
        date(2026, 10, 28),
    ]


def test_weekly_includes_the_first_and_last_day_when_they_fall_on_the_weekday() -> None:
    days = series_days(series(SeriesRule.WEEKLY, date(2026, 9, 1), date(2026, 9, 29), 2))
    assert days == [date(2026, 9, d) for d in (1, 8, 15, 22, 29)]


def test_twice_a_month_is_the_first_and_third_weekday_of_each_month() -> None:
    days = series_days(series(SeriesRule.TWICE_A_MONTH, date(2026, 9, 1), date(2026, 12, 31), 4))
    assert days == [
        date(2026, 9, 3),
        date(2026, 9, 17),
        date(2026, 10, 1),
        date(2026, 10, 15),
        date(2026, 11, 5),
        date(2026, 11, 19),
        date(2026, 12, 3),
        date(2026, 12, 17),
    ]
    assert (
        months_short_of_meetings(days, first_day=date(2026, 9, 1), last_day=date(2026, 12, 31))
        == []
    )


def test_twice_a_month_keeps_to_the_span() -> None:
    # From 10 September: the first Thursday (3 Sep) is before the span, the third is in it.
    days = series_days(series(SeriesRule.TWICE_A_MONTH, date(2026, 9, 10), date(2026, 10, 10), 4))
    assert days == [date(2026, 9, 17), date(2026, 10, 1)]


def test_series_times_are_campus_wall_clock() -> None:
    [(starts, ends)] = series_times(
        series(SeriesRule.WEEKLY, date(2026, 9, 1), date(2026, 9, 7), 2)
    )
    assert starts == datetime(2026, 9, 1, 19, 0, tzinfo=CAMPUS_TZ)
    assert starts.astimezone(UTC) == datetime(2026, 9, 1, 11, 0, tzinfo=UTC)
    assert ends - starts == timedelta(minutes=90)


@pytest.mark.parametrize(
    ("plan", "field", "rule"),
    [
        (
            series(SeriesRule.WEEKLY, date(2026, 9, 1), date(2026, 8, 31)),
            "last_day",
            "last_day_after_first",
        ),
        (
            series(SeriesRule.WEEKLY, date(2026, 9, 1), date(2027, 6, 1)),
            "last_day",
            "span_too_long",
        ),
        (
            series(SeriesRule.WEEKLY, date(2026, 9, 1), date(2026, 9, 30), 8),
            "weekday",
            "iso_weekday",
        ),
        (
            series(SeriesRule.WEEKLY, date(2026, 9, 1), date(2026, 9, 30), 0),
            "weekday",
            "iso_weekday",
        ),
    ],
)
def test_a_bad_series_is_refused_naming_the_field(plan: SeriesPlan, field: str, rule: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        series_days(plan)
    assert (refused.value.field, refused.value.rule, refused.value.invalid) == (field, rule, True)


def test_a_series_of_meetings_too_long_is_refused() -> None:
    plan = SeriesPlan(
        rule=SeriesRule.WEEKLY,
        weekday=1,
        at=time(8, 0),
        length=timedelta(hours=13),
        first_day=date(2026, 9, 1),
        last_day=date(2026, 9, 30),
    )
    with pytest.raises(RuleBroken) as refused:
        series_times(plan)
    assert refused.value.rule == "meeting_too_long"


def test_the_checker_names_whole_months_with_fewer_than_two_meetings() -> None:
    days = [
        date(2026, 9, 9),
        date(2026, 9, 23),
        date(2026, 10, 14),
        date(2026, 11, 4),
        date(2026, 11, 18),
    ]
    assert months_short_of_meetings(
        days, first_day=date(2026, 9, 1), last_day=date(2026, 11, 30)
    ) == ["2026-10"]


def test_partial_months_are_reported_but_not_held_to_the_minimum() -> None:
    counts = monthly_counts(
        [date(2026, 9, 20)], first_day=date(2026, 9, 10), last_day=date(2026, 10, 31)
    )
    assert [(c.month, c.meetings, c.whole, c.enough) for c in counts] == [
        ("2026-09", 1, False, True),
        ("2026-10", 0, True, False),
    ]


def test_the_checker_ignores_days_outside_the_span() -> None:
    days = [date(2026, 8, 31), date(2026, 9, 1), date(2026, 10, 1)]
    counts = monthly_counts(days, first_day=date(2026, 9, 1), last_day=date(2026, 9, 30))
    assert [(c.month, c.meetings) for c in counts] == [("2026-09", 1)]


@given(
    first=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    weeks=st.integers(min_value=5, max_value=28),
    weekday=st.integers(min_value=1, max_value=7),
    rule=st.sampled_from([SeriesRule.EVERY_TWO_WEEKS, SeriesRule.TWICE_A_MONTH, SeriesRule.WEEKLY]),
)
def test_every_series_rule_meets_at_least_twice_in_each_whole_month(
    first: date, weeks: int, weekday: int, rule: SeriesRule
) -> None:
    last = first + timedelta(weeks=weeks)
    days = series_days(series(rule, first, last, weekday))
    assert months_short_of_meetings(days, first_day=first, last_day=last) == []
    assert all(first <= day <= last and day.isoweekday() == weekday for day in days)


def test_a_meeting_must_end_after_it_starts() -> None:
    starts = datetime(2026, 9, 2, 11, tzinfo=UTC)
    with pytest.raises(RuleBroken) as refused:
        schedule(
            PLAN,
            college="cs",
            meeting_id=uuid4(),
            starts_at=starts,
            ends_at=starts,
            scheduled_by="o",
            now=NOW,
        )
    assert (refused.value.field, refused.value.rule) == ("ends_at", "ends_after_start")


def test_scheduling_emits_the_meeting_with_its_agenda_and_term() -> None:
    starts = datetime(2026, 9, 2, 11, tzinfo=UTC)
    meeting, event = schedule(
        PLAN,
        college="cs",
        meeting_id=uuid4(),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        scheduled_by="cs-officer",
        now=NOW,
    )
    assert meeting.status == "scheduled" and meeting.version == 0
    assert (event.meeting_id, event.agenda, event.term, event.organisation_id) == (
        meeting.meeting_id,
        "各部汇报",
        "2026-autumn",
        "presidium",
    )


def test_a_meeting_is_cancelled_once_and_never_after_it_was_held() -> None:
    starts = datetime(2026, 9, 2, 11, tzinfo=UTC)
    meeting, _ = schedule(
        PLAN,
        college="cs",
        meeting_id=uuid4(),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        scheduled_by="o",
        now=NOW,
    )
    with pytest.raises(RuleBroken) as held:
        cancel(meeting, reason="改期", attendance_taken=True, now=NOW)
    assert held.value.rule == "attendance_taken"
    cancelled, event = cancel(meeting, reason="改期", attendance_taken=False, now=NOW)
    assert cancelled.cancelled and cancelled.version == 1 and event.reason == "改期"
    with pytest.raises(RuleBroken) as twice:
        cancel(cancelled, reason="again", attendance_taken=False, now=NOW)
    assert twice.value.rule == "meeting_cancelled"
