"""Attendance use cases: take it at a meeting, then let the sanction rules judge each
member's term; each runs in the one transaction it is handed.

A sanction is an `AttendanceSanctionImposed` event: recruitment ends the membership on
compulsory withdrawal or expulsion and keeps every sanction on file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.scheduling.domain import attendance as rules
from services.scheduling.domain import leave as leave_rules
from services.scheduling.domain.attendance import (
    AttendanceRecord,
    ImposedSanction,
    SanctionFilter,
    Standing,
)
from services.scheduling.domain.meetings import Meeting, Organisation
from services.scheduling.domain.rules import RuleBroken
from services.scheduling.repository import attendance as repository
from services.scheduling.repository import meetings as meetings_repository
from services.scheduling.service import SOURCE
from services.scheduling.service.meetings import LEAVE_WINDOW_CLOSES, meeting_of
from shared.events.scheduling import Attendance
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging
from shared.timers import DueAction, DueActionHandler, schedule


@dataclass(frozen=True)
class AttendanceTaken:
    meeting: Meeting
    records: list[AttendanceRecord]
    changed: int  # how many records were new or different (each an AttendanceRecorded)
    sanctions: list[ImposedSanction]


async def take_attendance(
    conn: asyncpg.Connection,
    *,
    college: str,
    meeting_id: UUID,
    marks: Sequence[tuple[str, Attendance]],
    recorded_by: str,
    now: datetime,
) -> AttendanceTaken:
    """Record each member's attendance (taking it again updates it; the same value twice
    changes nothing), then apply the sanction rules to each member's term."""
    meeting = await meeting_of(conn, college=college, meeting_id=meeting_id, for_update=True)
    rules.check_attendance_open(meeting, now=now)
    people = [person_id for person_id, _ in marks]
    _refuse_repeats(people)
    members = await meetings_repository.members_among(
        conn,
        college=college,
        organisation=meeting.organisation,
        person_ids=people,
        during=(meeting.starts_at, meeting.ends_at),
    )
    leave = {
        granted.person_id: granted
        for granted in await repository.granted_leave_of(
            conn,
            college=college,
            organisation=meeting.organisation,
            person_ids=people,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
        )
        if leave_rules.covers(granted, meeting)
    }
    previous = await repository.attendance_at(conn, meeting_id=meeting_id, person_ids=people)
    records = [
        rules.take_attendance(
            meeting,
            person_id=person_id,
            asked=asked,
            leave=leave.get(person_id),
            is_member=person_id in members,
            position=position,
            recorded_by=recorded_by,
            now=now,
        )
        for position, (person_id, asked) in enumerate(marks)
    ]
    changed = [r for r in records if rules.changed(previous.get(r.person_id), r)]
    await repository.save_attendance(conn, changed)
    events = [rules.recorded_event(r, term=meeting.term) for r in changed]
    await append_to_outbox(conn, events, source=SOURCE, now=now)
    if any(r.attendance == "unexcused" for r in records):
        window_closes = meeting.ends_at + leave_rules.RETROACTIVE_LEAVE_WINDOW
        if now < window_closes:
            await schedule(
                conn,
                kind=LEAVE_WINDOW_CLOSES,
                key=str(meeting_id),
                due_at=window_closes,
                payload={"college": college, "meeting_id": str(meeting_id)},
            )
    sanctions = await judge_terms(conn, meeting=meeting, person_ids=sorted(set(people)), now=now)
    return AttendanceTaken(
        meeting=meeting, records=records, changed=len(changed), sanctions=sanctions
    )


def _refuse_repeats(people: Sequence[str]) -> None:
    seen: set[str] = set()
    for position, person_id in enumerate(people):
        if person_id in seen:
            raise RuleBroken(
                "person_listed_twice",
                field=f"{position}.person_id",
                message=f"{person_id} is listed twice: one attendance per member and meeting",
                invalid=True,
            )
        seen.add(person_id)


async def judge_terms(
    conn: asyncpg.Connection, *, meeting: Meeting, person_ids: Sequence[str], now: datetime
) -> list[ImposedSanction]:
    """Apply the sanction rules to each member's term in the meeting's organisation."""
    imposed = []
    for person_id in sorted(person_ids):  # one lock order for every caller
        sanction = await judge_term(
            conn,
            college=meeting.college,
            person_id=person_id,
            organisation=meeting.organisation,
            term=meeting.term,
            meeting_id=meeting.meeting_id,
            now=now,
        )
        if sanction is not None:
            imposed.append(sanction)
    return imposed


async def judge_term(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    organisation: Organisation,
    term: str,
    meeting_id: UUID | None,
    now: datetime,
) -> ImposedSanction | None:
    """The sanction the rules impose on this member's term now, if any: recorded once per
    rule and term, and sent as AttendanceSanctionImposed."""
    await repository.lock_standing(
        conn, college=college, person_id=person_id, organisation=organisation, term=term
    )
    activities_due, activities_on_leave = await repository.activity_standing(
        conn, college=college, person_id=person_id, organisation=organisation, term=term
    )
    standing = Standing(
        marks=rules.marks_of(
            await repository.term_marks(
                conn, college=college, person_id=person_id, organisation=organisation, term=term
            )
        ),
        occasions=activities_due
        + await meetings_repository.count_term_meetings(
            conn, college=college, organisation=organisation, term=term
        ),
        imposed=await repository.imposed_rules(
            conn, college=college, person_id=person_id, organisation=organisation, term=term
        ),
        activity_leave=activities_on_leave,
    )
    due = rules.sanction_due(standing, now=now)
    if due is None:
        return None
    sanction, event = rules.impose(
        due,
        college=college,
        sanction_id=uuid4(),
        person_id=person_id,
        organisation=organisation,
        term=term,
        meeting_id=meeting_id,
        now=now,
    )
    if not await repository.insert_sanction(conn, sanction):
        return None
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return sanction


async def when_leave_window_closes(
    conn: asyncpg.Connection, action: DueAction, now: datetime
) -> None:
    """The LEAVE_WINDOW_CLOSES timer: the meeting's unexcused absences are final now.

    It does not lock the meeting: taking attendance locks the meeting, then this timer's
    row (to move it); the members' locks in `judge_term` serialise the rest."""
    meeting = await meetings_repository.get_meeting(
        conn, college=action.payload["college"], meeting_id=UUID(action.payload["meeting_id"])
    )
    if meeting is None or meeting.cancelled:
        return
    absent = await repository.unexcused_at(conn, meeting_id=meeting.meeting_id)
    await judge_terms(conn, meeting=meeting, person_ids=absent, now=now)


MEETING_DUE_ACTIONS: Mapping[str, DueActionHandler] = {
    LEAVE_WINDOW_CLOSES: when_leave_window_closes
}


async def find_sanctions(
    conn: asyncpg.Connection, *, college: str, where: SanctionFilter, paging: Paging
) -> list[ImposedSanction]:
    return await repository.find_sanctions(conn, college=college, where=where, paging=paging)
