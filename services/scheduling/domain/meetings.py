"""Meetings (例会) on a schedule, with their agenda (DOMAIN.md §2, Meetings).

The presidium / department-head meeting is held every two weeks (学生会每两周召开一次
部长级例会); each department meets at least twice a month (各部会议原则上每月不少于二次).
A series rule turns a term's first and last day into the meeting dates; the checker
tells which whole months of a department's schedule have fewer than two meetings.
Meeting times are wall-clock times on campus (Asia/Shanghai).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from uuid import UUID

from services.scheduling.domain.calendar_time import at_campus
from services.scheduling.domain.rules import RuleBroken
from shared.events.scheduling import MeetingCancelled, MeetingScheduled, OrganisationKind

MeetingStatus = Literal["scheduled", "cancelled"]

# Department meetings: at least this many in every whole month of a term.
MIN_DEPARTMENT_MEETINGS_PER_MONTH = 2
# A meeting lasts at most this long; a series spans at most this many days (a term).
MAX_MEETING_LENGTH = timedelta(hours=12)
MAX_SERIES_DAYS = 200
MAX_COVERAGE_DAYS = 400


class SeriesRule(StrEnum):
    WEEKLY = "weekly"
    EVERY_TWO_WEEKS = "every_two_weeks"  # the presidium / department-head meeting
    TWICE_A_MONTH = "twice_a_month"  # the first and third given weekday of each month


@dataclass(frozen=True)
class Organisation:
    kind: OrganisationKind
    id: str


class OfOrganisation:
    """What belongs to one organisation shows its kind and id as the API and events do."""

    organisation: Organisation

    @property
    def organisation_kind(self) -> OrganisationKind:
        return self.organisation.kind

    @property
    def organisation_id(self) -> str:
        return self.organisation.id


@dataclass(frozen=True)
class Meeting(OfOrganisation):
    college: str
    meeting_id: UUID
    organisation: Organisation
    title: str
    agenda: str
    place: str
    starts_at: datetime
    ends_at: datetime
    term: str
    status: MeetingStatus
    version: int
    scheduled_by: str
    scheduled_at: datetime
    series_id: UUID | None = None
    cancel_reason: str | None = None
    cancelled_at: datetime | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass(frozen=True)
class MeetingFilter:
    organisation_kind: OrganisationKind | None = None
    organisation_id: str | None = None
    term: str | None = None
    status: MeetingStatus | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    series_id: UUID | None = None


@dataclass(frozen=True)
class MeetingPlan:
    """What an officer asks for: one meeting, or the template of a series' meetings."""

    organisation: Organisation
    title: str
    agenda: str
    place: str
    term: str


@dataclass(frozen=True)
class SeriesPlan:
    """A series: `rule` on `weekday` (ISO, Monday = 1) at `at` campus time, lasting
    `length`, from `first_day` to `last_day` inclusive."""

    rule: SeriesRule
    weekday: int
    at: time
    length: timedelta
    first_day: date
    last_day: date


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise RuleBroken(
            "ends_after_start",
            field="ends_at",
            message="a meeting must end after it starts",
            invalid=True,
        )
    if ends_at - starts_at > MAX_MEETING_LENGTH:
        raise RuleBroken(
            "meeting_too_long",
            field="ends_at",
            message=f"a meeting lasts at most {MAX_MEETING_LENGTH.seconds // 3600} hours",
            invalid=True,
        )


def schedule(
    plan: MeetingPlan,
    *,
    college: str,
    meeting_id: UUID,
    starts_at: datetime,
    ends_at: datetime,
    scheduled_by: str,
    now: datetime,
    series_id: UUID | None = None,
) -> tuple[Meeting, MeetingScheduled]:
    """A meeting on the calendar. Past times are allowed: a meeting already held may be
    entered afterwards, with its attendance."""
    check_times(starts_at, ends_at)
    meeting = Meeting(
        college=college,
        meeting_id=meeting_id,
        organisation=plan.organisation,
        title=plan.title,
        agenda=plan.agenda,
        place=plan.place,
        starts_at=starts_at.astimezone(UTC),  # one form for every instant the API shows
        ends_at=ends_at.astimezone(UTC),
        term=plan.term,
        status="scheduled",
        version=0,
        scheduled_by=scheduled_by,
        scheduled_at=now,
        series_id=series_id,
    )
    return meeting, scheduled_event(meeting)


def scheduled_event(meeting: Meeting) -> MeetingScheduled:
    return MeetingScheduled(
        college=meeting.college,
        meeting_id=meeting.meeting_id,
        organisation_kind=meeting.organisation.kind,
        organisation_id=meeting.organisation.id,
        title=meeting.title,
        agenda=meeting.agenda,
        place=meeting.place,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        term=meeting.term,
    )


def cancel(
    meeting: Meeting, *, reason: str, attendance_taken: bool, now: datetime
) -> tuple[Meeting, MeetingCancelled]:
    """A meeting is cancelled once, and never after its attendance was taken (it was held)."""
    if meeting.cancelled:
        raise meeting_cancelled_broken(meeting)
    if attendance_taken:
        raise RuleBroken(
            "attendance_taken",
            field="meeting_id",
            message="this meeting was held: its attendance is taken, it cannot be cancelled",
        )
    cancelled = replace(
        meeting,
        status="cancelled",
        version=meeting.version + 1,
        cancel_reason=reason,
        cancelled_at=now,
    )
    event = MeetingCancelled(college=meeting.college, meeting_id=meeting.meeting_id, reason=reason)
    return cancelled, event


def meeting_cancelled_broken(meeting: Meeting) -> RuleBroken:
    return RuleBroken(
        "meeting_cancelled",
        field="meeting_id",
        message=f"meeting {meeting.meeting_id} was cancelled",
    )


# --- series -------------------------------------------------------------------------------


def series_days(plan: SeriesPlan) -> list[date]:
    """The days a series rule gives between its first and last day (inclusive)."""
    check_series(plan)
    if plan.rule is SeriesRule.TWICE_A_MONTH:
        return [
            day
            for month_start in _month_starts(plan.first_day, plan.last_day)
            for nth in (1, 3)
            if plan.first_day
            <= (day := _nth_weekday(month_start, plan.weekday, nth))
            <= plan.last_day
        ]
    step = timedelta(weeks=1 if plan.rule is SeriesRule.WEEKLY else 2)
    days = []
    day = _first_weekday_on_or_after(plan.first_day, plan.weekday)
    while day <= plan.last_day:
        days.append(day)
        day += step
    return days


def series_times(plan: SeriesPlan) -> list[tuple[datetime, datetime]]:
    """Each meeting's start and end, as aware instants of campus wall-clock time."""
    check_times(
        at_campus(plan.first_day, plan.at), at_campus(plan.first_day, plan.at) + plan.length
    )
    return [
        (at_campus(day, plan.at), at_campus(day, plan.at) + plan.length)
        for day in series_days(plan)
    ]


def check_series(plan: SeriesPlan) -> None:
    if not 1 <= plan.weekday <= 7:
        raise RuleBroken(
            "iso_weekday", field="weekday", message="weekday is 1 (Monday) to 7", invalid=True
        )
    check_span(plan.first_day, plan.last_day)


def check_span(first_day: date, last_day: date, *, max_days: int = MAX_SERIES_DAYS) -> None:
    """A span of days (a series, a coverage check): last after first, at most a term long."""
    if last_day < first_day:
        raise RuleBroken(
            "last_day_after_first",
            field="last_day",
            message="the last day cannot come before the first",
            invalid=True,
        )
    if (last_day - first_day).days > max_days:
        raise RuleBroken(
            "span_too_long",
            field="last_day",
            message=f"at most {max_days} days from the first to the last day",
            invalid=True,
        )


def _first_weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.isoweekday()) % 7)


def _nth_weekday(month_start: date, weekday: int, nth: int) -> date:
    return _first_weekday_on_or_after(month_start, weekday) + timedelta(weeks=nth - 1)


def _month_starts(first: date, last: date) -> list[date]:
    starts = []
    month = first.replace(day=1)
    while month <= last:
        starts.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return starts


# --- the checker: department meetings at least twice a month ------------------------------


@dataclass(frozen=True)
class MonthCount:
    month: str  # "2026-09"
    meetings: int
    whole: bool  # the month lies wholly inside the checked span
    enough: bool  # partial months are not held to the minimum


def monthly_counts(
    days: Iterable[date],
    *,
    first_day: date,
    last_day: date,
    minimum: int = MIN_DEPARTMENT_MEETINGS_PER_MONTH,
) -> list[MonthCount]:
    """Meetings per calendar month between `first_day` and `last_day` (inclusive).

    A month wholly inside the span must hold at least `minimum` meetings; the months
    the span only partly covers (a term starting on 10 September) are reported but
    not held to it.
    """
    check_span(first_day, last_day, max_days=MAX_COVERAGE_DAYS)
    held = Counter((day.year, day.month) for day in days if first_day <= day <= last_day)
    counts = []
    for start in _month_starts(first_day, last_day):
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        whole = first_day <= start and end <= last_day
        n = held[(start.year, start.month)]
        counts.append(
            MonthCount(
                month=f"{start.year:04d}-{start.month:02d}",
                meetings=n,
                whole=whole,
                enough=n >= minimum or not whole,
            )
        )
    return counts


def months_short_of_meetings(
    days: Iterable[date],
    *,
    first_day: date,
    last_day: date,
    minimum: int = MIN_DEPARTMENT_MEETINGS_PER_MONTH,
) -> list[str]:
    """The whole months ("2026-10") with fewer than `minimum` meetings: empty when the
    schedule keeps the rule."""
    return [
        count.month
        for count in monthly_counts(days, first_day=first_day, last_day=last_day, minimum=minimum)
        if not count.enough
    ]
