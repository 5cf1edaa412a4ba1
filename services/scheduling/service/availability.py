"""Availability use cases: a member's class timetable (an .ics file or weekly busy slots),
explicit unavailability, and when they are busy over a range of days; each runs in the
one transaction it is handed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from uuid import UUID, uuid4

import asyncpg

from services.scheduling.domain import availability as rules
from services.scheduling.domain.availability import (
    Availability,
    BusyPeriod,
    BusySlot,
    Unavailability,
)
from services.scheduling.domain.calendar_time import CAMPUS_TZ, at_campus
from services.scheduling.domain.class_timetables import read_class_timetable
from services.scheduling.domain.members import TimetableSummary
from services.scheduling.domain.rules import NotFound
from services.scheduling.repository import availability as repository
from services.scheduling.service.members import get_member, require_member

# An uploaded timetable's recurring classes are expanded from a week before the upload
# to a year after it: the terms a rota can be planned for.
HORIZON_BEFORE = timedelta(days=7)
HORIZON_AFTER = timedelta(days=366)


async def set_weekly_slots(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    slots: Sequence[BusySlot],
    by: str,
    now: datetime,
) -> TimetableSummary:
    """The member's class timetable becomes these weekly busy slots."""
    await require_member(conn, college=college, person_id=person_id)
    checked = rules.check_weekly_slots(slots)
    await repository.replace_timetable(
        conn,
        college=college,
        person_id=person_id,
        source="weekly",
        weekly_slots=checked,
        uploaded_by=by,
        uploaded_at=now,
    )
    return await _timetable(conn, college=college, person_id=person_id)


async def upload_ics(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    data: bytes,
    file_name: str,
    by: str,
    now: datetime,
) -> TimetableSummary:
    """The member's class timetable becomes the classes of this .ics file, its recurring
    events expanded over the horizon around `now`."""
    await require_member(conn, college=college, person_id=person_id)
    today = now.astimezone(CAMPUS_TZ).date()
    horizon = (at_campus(today - HORIZON_BEFORE, time()), at_campus(today + HORIZON_AFTER, time()))
    # Reading the file is CPU work bounded by the reader's limits: off the event loop.
    sessions = await asyncio.to_thread(
        read_class_timetable, data, horizon_start=horizon[0], horizon_end=horizon[1]
    )
    await repository.replace_timetable(
        conn,
        college=college,
        person_id=person_id,
        source="ics",
        file_name=file_name[:200],
        horizon=horizon,
        sessions=sessions,
        uploaded_by=by,
        uploaded_at=now,
    )
    return await _timetable(conn, college=college, person_id=person_id)


async def _timetable(conn: asyncpg.Connection, *, college: str, person_id: str) -> TimetableSummary:
    member = await get_member(conn, college=college, person_id=person_id)
    assert member.timetable is not None  # just written in this transaction
    return member.timetable


async def declare_unavailable(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    by: str,
    now: datetime,
) -> Unavailability:
    await require_member(conn, college=college, person_id=person_id)
    rules.check_period(starts_at, ends_at)
    declared = Unavailability(uuid4(), person_id, starts_at, ends_at, reason, by, now)
    await repository.insert_unavailability(
        conn,
        college=college,
        unavailability_id=declared.unavailability_id,
        person_id=person_id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        declared_by=by,
        declared_at=now,
    )
    return declared


async def withdraw_unavailable(
    conn: asyncpg.Connection, *, college: str, person_id: str, unavailability_id: UUID
) -> None:
    deleted = await repository.delete_unavailability(
        conn, college=college, person_id=person_id, unavailability_id=unavailability_id
    )
    if not deleted:
        raise NotFound("unavailability", unavailability_id)


async def availability(
    conn: asyncpg.Connection, *, college: str, person_id: str, first_day: date, last_day: date
) -> Availability:
    member = await get_member(conn, college=college, person_id=person_id)
    rules.check_range(first_day, last_day)
    busy = await busy_by_member(
        conn, college=college, people=[person_id], first_day=first_day, last_day=last_day
    )
    return Availability(
        person_id=person_id,
        first_day=first_day,
        last_day=last_day,
        busy=tuple(busy.get(person_id, ())),
        timetable=member.timetable,
    )


async def busy_by_member(
    conn: asyncpg.Connection,
    *,
    college: str,
    people: Sequence[str],
    first_day: date,
    last_day: date,
) -> dict[str, list[BusyPeriod]]:
    """Every member's busy periods over the range: classes, weekly slots laid out on the
    days, explicit unavailability and granted leave, sorted by start."""
    starts_at, ends_at = rules.range_bounds(first_day, last_day)
    busy: dict[str, list[BusyPeriod]] = {person: [] for person in people}
    for person, period in await repository.busy_periods(
        conn, college=college, people=people, starts_at=starts_at, ends_at=ends_at
    ):
        busy[person].append(period)
    for person, slots in (
        await repository.weekly_slots(conn, college=college, people=people)
    ).items():
        busy[person].extend(rules.weekly_busy_periods(slots, first_day, last_day))
    return {
        person: rules.overlapping(periods, starts_at, ends_at) for person, periods in busy.items()
    }
