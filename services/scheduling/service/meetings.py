"""Meeting use cases: schedule one or a series, cancel, read; each runs in the one
transaction it is handed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from services.scheduling.domain import meetings as rules
from services.scheduling.domain.attendance import MeetingWithPeople, attendees
from services.scheduling.domain.calendar_time import CAMPUS_TZ, at_campus
from services.scheduling.domain.leave import LeaveFilter
from services.scheduling.domain.meetings import (
    Meeting,
    MeetingFilter,
    MeetingPlan,
    MonthCount,
    Organisation,
    SeriesPlan,
)
from services.scheduling.domain.rules import NotFound
from services.scheduling.repository import attendance as attendance_repository
from services.scheduling.repository import meetings as repository
from services.scheduling.service import SOURCE
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging
from shared.timers import cancel as cancel_timer

# The timer that re-reads a meeting's unexcused absences when its leave window closes
# (service/attendance.py handles it; a cancelled meeting has none to re-read).
LEAVE_WINDOW_CLOSES = "meeting.leave_window_closes"


async def schedule_meeting(
    conn: asyncpg.Connection,
    *,
    college: str,
    plan: MeetingPlan,
    starts_at: datetime,
    ends_at: datetime,
    scheduled_by: str,
    now: datetime,
) -> Meeting:
    """One meeting on the calendar; emits MeetingScheduled."""
    meeting, event = rules.schedule(
        plan,
        college=college,
        meeting_id=uuid4(),
        starts_at=starts_at,
        ends_at=ends_at,
        scheduled_by=scheduled_by,
        now=now,
    )
    await repository.insert_meetings(conn, [meeting])
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return meeting


async def schedule_series(
    conn: asyncpg.Connection,
    *,
    college: str,
    plan: MeetingPlan,
    series: SeriesPlan,
    scheduled_by: str,
    now: datetime,
) -> list[Meeting]:
    """Every meeting a series rule gives over the span; a MeetingScheduled each."""
    series_id = uuid4()
    scheduled = [
        rules.schedule(
            plan,
            college=college,
            meeting_id=uuid4(),
            starts_at=starts_at,
            ends_at=ends_at,
            scheduled_by=scheduled_by,
            now=now,
            series_id=series_id,
        )
        for starts_at, ends_at in rules.series_times(series)
    ]
    if not scheduled:
        raise rules.RuleBroken(
            "series_empty",
            field="weekday",
            message="the rule gives no meeting between the first and the last day",
            invalid=True,
        )
    await repository.insert_meetings(conn, [meeting for meeting, _ in scheduled])
    await append_to_outbox(conn, [event for _, event in scheduled], source=SOURCE, now=now)
    return [meeting for meeting, _ in scheduled]


async def cancel_meeting(
    conn: asyncpg.Connection, *, college: str, meeting_id: UUID, reason: str, now: datetime
) -> Meeting:
    """Cancel a meeting not yet held; emits MeetingCancelled."""
    # The timer first, as its loop takes them (timer row, then meeting): no deadlock.
    await cancel_timer(conn, kind=LEAVE_WINDOW_CLOSES, key=str(meeting_id))
    meeting = await meeting_of(conn, college=college, meeting_id=meeting_id, for_update=True)
    cancelled, event = rules.cancel(
        meeting,
        reason=reason,
        attendance_taken=await attendance_repository.attendance_taken(conn, meeting_id=meeting_id),
        now=now,
    )
    await repository.record_cancelled(conn, cancelled)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return cancelled


async def meeting_of(
    conn: asyncpg.Connection, *, college: str, meeting_id: UUID, for_update: bool = False
) -> Meeting:
    meeting = await repository.get_meeting(
        conn, college=college, meeting_id=meeting_id, for_update=for_update
    )
    if meeting is None:
        raise NotFound("meeting", meeting_id)
    return meeting


async def find_meetings(
    conn: asyncpg.Connection, *, college: str, where: MeetingFilter, paging: Paging
) -> list[Meeting]:
    return await repository.find_meetings(conn, college=college, where=where, paging=paging)


async def meeting_with_people(
    conn: asyncpg.Connection, *, college: str, meeting_id: UUID, only_person: str | None = None
) -> MeetingWithPeople:
    """The meeting with its people's attendance and leave (`only_person`: just theirs)."""
    meeting = await meeting_of(conn, college=college, meeting_id=meeting_id)
    members = await repository.current_members(
        conn, college=college, organisation=meeting.organisation
    )
    records = await attendance_repository.attendance_at(conn, meeting_id=meeting_id)
    people = sorted(set(members) | set(records))
    if only_person is not None:
        people = [p for p in people if p == only_person]
    leaves = await attendance_repository.find_leave(
        conn,
        college=college,
        where=LeaveFilter(meeting_id=meeting_id),
        paging=Paging(limit=200),
    ) + await attendance_repository.granted_leave_of(
        conn,
        college=college,
        organisation=meeting.organisation,
        person_ids=people,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
    )
    return MeetingWithPeople(
        meeting=meeting, people=attendees(people, members=members, records=records, leaves=leaves)
    )


async def monthly_coverage(
    conn: asyncpg.Connection,
    *,
    college: str,
    organisation: Organisation,
    first_day: date,
    last_day: date,
) -> list[MonthCount]:
    """Meetings per month of an organisation: the "at least twice a month" check."""
    rules.check_span(first_day, last_day, max_days=rules.MAX_COVERAGE_DAYS)
    days = await repository.meeting_days(
        conn,
        college=college,
        organisation=organisation,
        starts_from=at_campus(first_day, datetime.min.time()),
        starts_before=at_campus(last_day + timedelta(days=1), datetime.min.time()),
        time_zone=str(CAMPUS_TZ),
    )
    return rules.monthly_counts(days, first_day=first_day, last_day=last_day)
