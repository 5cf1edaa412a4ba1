"""Quiet hours in the person's own zone: across midnight and over daylight-saving edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain.quiet_hours import (
    QuietHours,
    parse_wall_time,
    wall_instants,
    zone_named,
)
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_window_across_midnight_in_shanghai_ends_next_morning() -> None:
    night = QuietHours(time(22, 0), time(7, 0))
    at_23 = utc(2026, 11, 29, 15, 0)  # 23:00 in Shanghai
    assert night.is_quiet(at_23, SHANGHAI)
    assert night.window_end(at_23, SHANGHAI) == utc(2026, 11, 29, 23, 0)  # 07:00 next day
    after_midnight = utc(2026, 11, 29, 18, 30)  # 02:30
    assert night.window_end(after_midnight, SHANGHAI) == utc(2026, 11, 29, 23, 0)


def test_the_window_is_half_open_start_quiet_end_not() -> None:
    night = QuietHours(time(22, 0), time(7, 0))
    assert night.is_quiet(utc(2026, 11, 29, 14, 0), SHANGHAI)  # 22:00 sharp
    assert not night.is_quiet(utc(2026, 11, 29, 23, 0), SHANGHAI)  # 07:00 sharp
    assert not night.is_quiet(utc(2026, 11, 29, 13, 59, 59), SHANGHAI)  # 21:59:59
    assert night.window_end(utc(2026, 11, 29, 12, 0), SHANGHAI) is None


def test_a_daytime_window_does_not_cross_midnight() -> None:
    lunch = QuietHours(time(12, 0), time(14, 0))
    assert not lunch.crosses_midnight
    assert lunch.is_quiet(utc(2026, 6, 1, 5, 0), SHANGHAI)  # 13:00
    assert not lunch.is_quiet(utc(2026, 6, 1, 15, 0), SHANGHAI)  # 23:00
    assert lunch.window_end(utc(2026, 6, 1, 4, 0), SHANGHAI) == utc(2026, 6, 1, 6, 0)


def test_the_same_window_follows_each_persons_zone() -> None:
    night = QuietHours(time(22, 0), time(7, 0))
    instant = utc(2026, 7, 1, 21, 0)  # 05:00 Shanghai, 23:00 Berlin, 17:00 New York
    assert night.is_quiet(instant, SHANGHAI)
    assert night.is_quiet(instant, BERLIN)
    assert not night.is_quiet(instant, NEW_YORK)
    assert night.window_end(instant, BERLIN) == utc(2026, 7, 2, 5, 0)  # 07:00 CEST


def test_spring_forward_in_new_york_a_window_from_0130_to_0300_lasts_half_an_hour() -> None:
    # 2026-03-08: at 02:00 EST the clock jumps to 03:00 EDT (07:00 UTC).
    window = QuietHours(time(1, 30), time(3, 0))
    start = utc(2026, 3, 8, 6, 30)  # 01:30 EST
    assert window.is_quiet(start, NEW_YORK)
    assert window.window_end(start, NEW_YORK) == utc(2026, 3, 8, 7, 0)  # 03:00 EDT
    assert window.window_end(utc(2026, 3, 8, 6, 59), NEW_YORK) == utc(2026, 3, 8, 7, 0)
    assert not window.is_quiet(utc(2026, 3, 8, 7, 0), NEW_YORK)
    assert window.window_end(start, NEW_YORK) - start == timedelta(minutes=30)


def test_spring_forward_in_berlin_a_window_from_0130_to_0300() -> None:
    # 2026-03-29: at 02:00 CET the clock jumps to 03:00 CEST (01:00 UTC).
    window = QuietHours(time(1, 30), time(3, 0))
    at_0145 = utc(2026, 3, 29, 0, 45)  # 01:45 CET
    assert window.is_quiet(at_0145, BERLIN)
    assert window.window_end(at_0145, BERLIN) == utc(2026, 3, 29, 1, 0)
    assert not window.is_quiet(utc(2026, 3, 29, 1, 0), BERLIN)  # 03:00 CEST
    # The day before, the same window is 90 minutes long.
    assert window.window_end(utc(2026, 3, 28, 0, 30), BERLIN) == utc(2026, 3, 28, 2, 0)


def test_a_window_ending_in_the_skipped_hour_ends_when_the_clock_jumps() -> None:
    window = QuietHours(time(23, 0), time(2, 30))  # 02:30 never shows on 2026-03-08
    assert window.window_end(utc(2026, 3, 8, 6, 30), NEW_YORK) == utc(2026, 3, 8, 7, 0)
    assert wall_instants(date(2026, 3, 8), time(2, 30), NEW_YORK) == [utc(2026, 3, 8, 7, 0)]


def test_fall_back_the_repeated_hour_is_quiet_in_both_passes() -> None:
    # 2026-11-01 New York: 01:00-02:00 shows twice (05:00-06:00 EDT, 06:00-07:00 EST UTC).
    window = QuietHours(time(0, 0), time(1, 30))
    first_pass = utc(2026, 11, 1, 5, 10)  # 01:10 EDT
    assert window.window_end(first_pass, NEW_YORK) == utc(2026, 11, 1, 5, 30)  # first 01:30
    assert not window.is_quiet(utc(2026, 11, 1, 5, 45), NEW_YORK)  # 01:45 EDT
    second_pass = utc(2026, 11, 1, 6, 10)  # 01:10 EST
    assert window.is_quiet(second_pass, NEW_YORK)
    assert window.window_end(second_pass, NEW_YORK) == utc(2026, 11, 1, 6, 30)  # second 01:30


def test_fall_back_in_berlin_a_night_window_is_an_hour_longer() -> None:
    # 2026-10-25 Berlin: at 03:00 CEST the clock goes back to 02:00 CET (01:00 UTC).
    night = QuietHours(time(22, 0), time(7, 0))
    at_23 = utc(2026, 10, 24, 21, 0)  # 23:00 CEST
    end = night.window_end(at_23, BERLIN)
    assert end == utc(2026, 10, 25, 6, 0)  # 07:00 CET
    assert end is not None and end - utc(2026, 10, 24, 20, 0) == timedelta(hours=10)


def test_wall_instants_lists_both_passes_of_a_repeated_time() -> None:
    assert wall_instants(date(2026, 11, 1), time(1, 30), NEW_YORK) == [
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 1, 6, 30),
    ]
    assert wall_instants(date(2026, 11, 2), time(1, 30), NEW_YORK) == [utc(2026, 11, 2, 6, 30)]


def test_a_window_of_zero_length_is_refused_naming_the_end() -> None:
    with pytest.raises(RuleBroken) as refused:
        QuietHours(time(22, 0), time(22, 0))
    assert refused.value.field == "ends" and refused.value.rule == "empty_quiet_hours"


def test_an_unknown_time_zone_is_refused_naming_the_field() -> None:
    with pytest.raises(RuleBroken) as refused:
        zone_named("Mars/Olympus_Mons")
    assert refused.value.field == "time_zone" and refused.value.invalid
    with pytest.raises(RuleBroken):
        zone_named("../../etc/passwd")
    assert zone_named("Europe/Berlin").key == "Europe/Berlin"


@pytest.mark.parametrize("text", ["7:00", "24:00", "12:60", "noon", "", "12:00:00", "１２:００"])
def test_a_time_that_does_not_parse_is_refused(text: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        parse_wall_time(text, field="starts")
    assert refused.value.field == "starts"


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError):
        QuietHours(time(22, 0), time(7, 0)).is_quiet(datetime(2026, 1, 1, 12, 0), SHANGHAI)
