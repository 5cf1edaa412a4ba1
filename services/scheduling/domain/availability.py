"""When a member cannot be on duty: weekly busy slots, dated busy periods (classes from an
uploaded timetable, explicit unavailability, granted leave), and what they rule out of a
rota: the (day, shift type) pairs a member may not be given.

Pure: times in, sets of pairs out. The class timetable's iCalendar reading is in
`class_timetables`; this module only sees the dated classes it expanded into.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from services.scheduling.domain.calendar_time import CAMPUS_TZ, at_campus
from services.scheduling.domain.members import TimetableSummary
from services.scheduling.domain.rules import RuleBroken

# Why a member is busy: a class (from their timetable), a weekly busy slot they typed,
# an explicit unavailability period, or leave granted by their department head.
BusyReason = Literal["class", "weekly", "unavailable", "leave"]

MAX_WEEKLY_SLOTS = 200
# The longest stretch one availability question may cover, and one unavailability period.
MAX_RANGE_DAYS = 92
MAX_UNAVAILABLE_DAYS = 366
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class BusySlot:
    """Busy every week on `weekday` (0 = Monday) from `start` to `end`, campus wall time."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class BusyPeriod:
    """Busy from `starts_at` to `ends_at` (aware instants), and why; `ref` is the
    unavailability's or the leave's id."""

    starts_at: datetime
    ends_at: datetime
    why: BusyReason
    label: str = ""
    ref: UUID | None = None


@dataclass(frozen=True)
class ShiftWindow:
    """A shift type as availability sees it: starts at `start` (campus wall time) on its
    day and lasts `minutes` (it may run past midnight)."""

    shift_type: str
    start: time
    minutes: int

    def on(self, day: date, zone: ZoneInfo = CAMPUS_TZ) -> tuple[datetime, datetime]:
        starts_at = datetime.combine(day, self.start, tzinfo=zone)
        return starts_at, starts_at + timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class Unavailability:
    unavailability_id: UUID
    person_id: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    declared_by: str
    declared_at: datetime


@dataclass(frozen=True)
class Availability:
    """When one member is busy over `first_day`..`last_day` (campus days, inclusive)."""

    person_id: str
    first_day: date
    last_day: date
    busy: tuple[BusyPeriod, ...]
    timetable: TimetableSummary | None


def check_weekly_slots(slots: Sequence[BusySlot]) -> list[BusySlot]:
    """The slots, sorted, if each is a real stretch of one weekday; else RuleBroken naming
    the slot (`slots.2.end`, as the API names body fields)."""
    if len(slots) > MAX_WEEKLY_SLOTS:
        raise RuleBroken(
            "too_many_busy_slots",
            field="slots",
            message=f"at most {MAX_WEEKLY_SLOTS} weekly busy slots",
            invalid=True,
        )
    for index, slot in enumerate(slots):
        if not 0 <= slot.weekday <= 6:
            raise RuleBroken(
                "weekday_out_of_range",
                field=f"slots.{index}.weekday",
                message="weekday is 0 (Monday) to 6 (Sunday)",
                invalid=True,
            )
        if slot.end <= slot.start:
            raise RuleBroken(
                "busy_slot_ends_before_start",
                field=f"slots.{index}.end",
                message=f"a busy slot must end after it starts ({slot.start:%H:%M})",
                invalid=True,
            )
    return sorted(slots, key=lambda s: (s.weekday, s.start, s.end))


def check_period(starts_at: datetime, ends_at: datetime, *, field_prefix: str = "") -> None:
    """An unavailability period must end after it starts, within a year."""
    if ends_at <= starts_at:
        raise RuleBroken(
            "period_ends_before_start",
            field=f"{field_prefix}ends_at",
            message="the period must end after it starts",
            invalid=True,
        )
    if ends_at - starts_at > timedelta(days=MAX_UNAVAILABLE_DAYS):
        raise RuleBroken(
            "period_too_long",
            field=f"{field_prefix}ends_at",
            message=f"one period covers at most {MAX_UNAVAILABLE_DAYS} days",
            invalid=True,
        )


def check_range(first_day: date, last_day: date) -> None:
    """A question about availability covers `first_day`..`last_day` (inclusive)."""
    if last_day < first_day:
        raise RuleBroken(
            "range_ends_before_start",
            field="to",
            message="the range must end on or after its first day",
            invalid=True,
        )
    if (last_day - first_day).days + 1 > MAX_RANGE_DAYS:
        raise RuleBroken(
            "range_too_long",
            field="to",
            message=f"ask about at most {MAX_RANGE_DAYS} days at a time",
            invalid=True,
        )


def weekly_busy_periods(
    slots: Iterable[BusySlot], first_day: date, last_day: date, zone: ZoneInfo = CAMPUS_TZ
) -> list[BusyPeriod]:
    """The weekly slots laid out on every day from `first_day` to `last_day` (inclusive)."""
    by_weekday: dict[int, list[BusySlot]] = {}
    for slot in slots:
        by_weekday.setdefault(slot.weekday, []).append(slot)
    periods: list[BusyPeriod] = []
    day = first_day
    while day <= last_day:
        for slot in by_weekday.get(day.weekday(), ()):
            periods.append(
                BusyPeriod(
                    starts_at=datetime.combine(day, slot.start, tzinfo=zone),
                    ends_at=datetime.combine(day, slot.end, tzinfo=zone),
                    why="weekly",
                    label=f"{WEEKDAYS[slot.weekday]} {slot.start:%H:%M}-{slot.end:%H:%M}",
                )
            )
        day += timedelta(days=1)
    return periods


def range_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The instants a range of campus days covers: midnight of the first day to midnight
    after the last."""
    return at_campus(first_day, time()), at_campus(last_day + timedelta(days=1), time())


def overlapping(
    periods: Iterable[BusyPeriod], starts_at: datetime, ends_at: datetime
) -> list[BusyPeriod]:
    """The periods that overlap [starts_at, ends_at), sorted by start."""
    return sorted(
        (p for p in periods if p.starts_at < ends_at and p.ends_at > starts_at),
        key=lambda p: (p.starts_at, p.ends_at, p.why),
    )


def unavailable_pairs(
    days: Sequence[date],
    shifts: Sequence[ShiftWindow],
    busy: Iterable[BusyPeriod],
    zone: ZoneInfo = CAMPUS_TZ,
) -> set[tuple[date, str]]:
    """The (day, shift type) pairs whose shift overlaps any busy period: hard
    unavailability for a rota problem. A shift merely touching a period (ending as the
    class starts) is still possible."""
    merged = _merge(busy)
    starts = [start for start, _ in merged]
    pairs: set[tuple[date, str]] = set()
    for day in days:
        for shift in shifts:
            shift_start, shift_end = shift.on(day, zone)
            # The last merged period starting before the shift ends is the only candidate:
            # merged periods do not overlap one another, so any earlier one ends before it.
            index = bisect_left(starts, shift_end) - 1
            if index >= 0 and merged[index][1] > shift_start:
                pairs.add((day, shift.shift_type))
    return pairs


def _merge(busy: Iterable[BusyPeriod]) -> list[tuple[datetime, datetime]]:
    """Busy periods as disjoint, sorted [start, end) stretches."""
    merged: list[tuple[datetime, datetime]] = []
    for period in sorted(busy, key=lambda p: p.starts_at):
        if merged and period.starts_at <= merged[-1][1]:
            if period.ends_at > merged[-1][1]:
                merged[-1] = (merged[-1][0], period.ends_at)
        else:
            merged.append((period.starts_at, period.ends_at))
    return merged
