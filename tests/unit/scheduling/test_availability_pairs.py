"""Busy slots and periods -> the (day, shift type) pairs a member may not be rostered on,
and the input rules of weekly slots, periods and ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.scheduling.domain.availability import (
    MAX_RANGE_DAYS,
    BusyPeriod,
    BusySlot,
    ShiftWindow,
    check_period,
    check_range,
    check_weekly_slots,
    overlapping,
    range_bounds,
    unavailable_pairs,
    weekly_busy_periods,
)
from services.scheduling.domain.calendar_time import at_campus
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

MONDAY = date(2026, 9, 7)
WEEK = [MONDAY + timedelta(days=n) for n in range(7)]
DAY_POST = ShiftWindow("day", time(8, 0), 240)
EVENING_POST = ShiftWindow("evening", time(14, 0), 240)
POSTS = (DAY_POST, EVENING_POST)


def busy(day: date, start: time, end: time, why: str = "class") -> BusyPeriod:
    return BusyPeriod(at_campus(day, start), at_campus(day, end), why)  # type: ignore[arg-type]


def test_a_morning_class_rules_out_the_day_post_only() -> None:
    pairs = unavailable_pairs(WEEK, POSTS, [busy(MONDAY, time(10, 0), time(11, 35))])
    assert pairs == {(MONDAY, "day")}


def test_touching_a_shift_is_not_overlapping_it() -> None:
    periods = [busy(MONDAY, time(6, 0), time(8, 0)), busy(MONDAY, time(12, 0), time(14, 0))]
    assert unavailable_pairs(WEEK, POSTS, periods) == set()


def test_a_period_over_several_days_rules_out_every_shift_it_covers() -> None:
    leave = BusyPeriod(at_campus(MONDAY, time(13, 0)), at_campus(WEEK[2], time(9, 0)), "leave")
    assert unavailable_pairs(WEEK, POSTS, [leave]) == {
        (MONDAY, "evening"),
        (WEEK[1], "day"),
        (WEEK[1], "evening"),
        (WEEK[2], "day"),
    }


def test_a_night_shift_running_past_midnight_meets_a_class_the_next_morning() -> None:
    night = ShiftWindow("night", time(22, 0), 600)  # 22:00 to 08:00 next day
    pairs = unavailable_pairs(WEEK, (night,), [busy(WEEK[1], time(7, 0), time(7, 45))])
    assert pairs == {(MONDAY, "night")}


def test_periods_in_another_zone_are_compared_as_instants() -> None:
    utc_class = BusyPeriod(
        datetime(2026, 9, 7, 6, 30, tzinfo=UTC), datetime(2026, 9, 7, 7, 30, tzinfo=UTC), "class"
    )  # 14:30-15:30 campus time, stored in UTC
    assert unavailable_pairs(WEEK, POSTS, [utc_class]) == {(MONDAY, "evening")}


def test_weekly_slots_are_laid_out_on_their_weekday_every_week() -> None:
    slots = [BusySlot(0, time(8, 0), time(9, 35)), BusySlot(2, time(14, 0), time(15, 35))]
    periods = weekly_busy_periods(slots, MONDAY, MONDAY + timedelta(days=13))
    assert [(p.starts_at.date(), p.starts_at.time(), p.why) for p in periods] == [
        (MONDAY, time(8, 0), "weekly"),
        (WEEK[2], time(14, 0), "weekly"),
        (MONDAY + timedelta(days=7), time(8, 0), "weekly"),
        (WEEK[2] + timedelta(days=7), time(14, 0), "weekly"),
    ]
    pairs = unavailable_pairs(WEEK, POSTS, periods)
    assert pairs == {(MONDAY, "day"), (WEEK[2], "evening")}


def test_overlapping_keeps_the_periods_inside_a_range_sorted() -> None:
    start, end = range_bounds(WEEK[1], WEEK[1])
    inside = busy(WEEK[1], time(8, 0), time(9, 0))
    across = BusyPeriod(at_campus(MONDAY, time(20, 0)), at_campus(WEEK[1], time(1, 0)), "leave")
    outside = busy(WEEK[2], time(8, 0), time(9, 0))
    assert overlapping([outside, inside, across], start, end) == [across, inside]


@pytest.mark.parametrize(
    ("slots", "field", "rule"),
    [
        ([BusySlot(0, time(10, 0), time(9, 0))], "slots.0.end", "busy_slot_ends_before_start"),
        (
            [BusySlot(1, time(8, 0), time(9, 0)), BusySlot(1, time(9, 0), time(9, 0))],
            "slots.1.end",
            "busy_slot_ends_before_start",
        ),
        ([BusySlot(7, time(8, 0), time(9, 0))], "slots.0.weekday", "weekday_out_of_range"),
    ],
)
def test_bad_weekly_slots_are_refused_naming_the_slot(
    slots: list[BusySlot], field: str, rule: str
) -> None:
    with pytest.raises(RuleBroken) as raised:
        check_weekly_slots(slots)
    assert (raised.value.field, raised.value.rule) == (field, rule)


def test_a_period_must_end_after_it_starts_and_a_range_must_be_short() -> None:
    start = at_campus(MONDAY, time(8, 0))
    with pytest.raises(RuleBroken) as raised:
        check_period(start, start)
    assert (raised.value.field, raised.value.rule) == ("ends_at", "period_ends_before_start")
    with pytest.raises(RuleBroken) as raised:
        check_range(WEEK[3], WEEK[2])
    assert raised.value.rule == "range_ends_before_start"
    with pytest.raises(RuleBroken) as raised:
        check_range(MONDAY, MONDAY + timedelta(days=MAX_RANGE_DAYS))
    assert raised.value.rule == "range_too_long"
    check_range(MONDAY, MONDAY + timedelta(days=MAX_RANGE_DAYS - 1))


minutes = st.integers(min_value=0, max_value=7 * 24 * 60)


@given(
    st.lists(st.tuples(minutes, st.integers(min_value=1, max_value=600)), max_size=12),
    st.lists(st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(1, 900)), max_size=4),
)
def test_a_pair_is_unavailable_exactly_when_some_period_overlaps_its_shift(
    raw_periods: list[tuple[int, int]], raw_shifts: list[tuple[int, int, int]]
) -> None:
    origin = at_campus(MONDAY, time())
    periods = [
        BusyPeriod(origin + timedelta(minutes=a), origin + timedelta(minutes=a + n), "class")
        for a, n in raw_periods
    ]
    shifts = [ShiftWindow(f"s{i}", time(h, m), n) for i, (h, m, n) in enumerate(raw_shifts)]
    expected = {
        (day, shift.shift_type)
        for day in WEEK
        for shift in shifts
        for period in periods
        if period.starts_at < shift.on(day)[1] and shift.on(day)[0] < period.ends_at
    }
    assert unavailable_pairs(WEEK, shifts, periods) == expected
