"""Leave use cases (请假): a member asks, the department head decides; each runs in the
one transaction it is handed.

Granted leave excuses the member from every meeting it covers: an absence already
recorded unexcused there becomes excused (retroactive leave), and the sanction rules
judge the member's term again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.scheduling.domain import attendance as rules
from services.scheduling.domain import leave as leave_rules
from services.scheduling.domain.attendance import AttendanceRecord, ImposedSanction
from services.scheduling.domain.leave import Leave, LeaveDecision, LeaveFilter
from services.scheduling.domain.meetings import Organisation
from services.scheduling.domain.rules import NotFound, RuleBroken
from services.scheduling.repository import attendance as repository
from services.scheduling.repository import meetings as meetings_repository
from services.scheduling.service import SOURCE
from services.scheduling.service.attendance import judge_term
from services.scheduling.service.meetings import meeting_of
from services.scheduling.service.rota_repairs import REPAIR_TIME_LIMIT_S, RepairReport
from services.scheduling.service.rota_seats import DEFAULT_GRACE_MIN
from services.scheduling.service.rotas import repair_after_leave
from shared.events.scheduling import OrganisationKind
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging

# The partial unique index (migration 0005) that holds "one open leave per meeting"
# when a member's two requests race.
ONE_PER_MEETING = "leave_one_per_meeting"


@dataclass(frozen=True)
class LeaveAsked:
    """What a member asks leave for: a meeting, or a period of an organisation's meetings."""

    reason: str
    meeting_id: UUID | None = None
    organisation_kind: OrganisationKind | None = None
    organisation_id: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


async def request_leave(
    conn: asyncpg.Connection, *, college: str, person_id: str, asked: LeaveAsked, now: datetime
) -> Leave:
    """Ask leave before the meeting, or within the window right after it; emits
    LeaveRequested (flagged retroactive when asked after the start)."""
    if asked.meeting_id is not None:
        if asked.starts_at is not None or asked.ends_at is not None:
            raise _meeting_or_period()
        meeting = await meeting_of(conn, college=college, meeting_id=asked.meeting_id)
        organisation = meeting.organisation
        starts_at, ends_at = meeting.starts_at, meeting.ends_at
        already = await repository.open_leave_for_meeting(
            conn, meeting_id=meeting.meeting_id, person_id=person_id
        )
    else:
        if (
            asked.organisation_kind is None
            or asked.organisation_id is None
            or asked.starts_at is None
            or asked.ends_at is None
        ):
            raise _meeting_or_period()
        meeting = None
        organisation = Organisation(kind=asked.organisation_kind, id=asked.organisation_id)
        starts_at, ends_at = asked.starts_at, asked.ends_at
        already = False
    members = await meetings_repository.members_among(
        conn,
        college=college,
        organisation=organisation,
        person_ids=[person_id],
        during=(starts_at, ends_at) if ends_at > starts_at else None,
    )
    leave, event = leave_rules.request_leave(
        college=college,
        leave_id=uuid4(),
        person_id=person_id,
        organisation=organisation,
        meeting=meeting,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=asked.reason,
        is_member=person_id in members,
        already_requested=already,
        now=now,
    )
    try:
        await repository.insert_leave(conn, leave)
    except asyncpg.UniqueViolationError as race:
        if race.constraint_name != ONE_PER_MEETING:
            raise
        raise leave_rules.request_leave_twice_broken() from race
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return leave


def _meeting_or_period() -> RuleBroken:
    return RuleBroken(
        "meeting_or_period",
        field="meeting_id",
        message=(
            "ask leave for one meeting (meeting_id) or for a period"
            " (organisation_kind, organisation_id, starts_at, ends_at), not both"
        ),
        invalid=True,
    )


@dataclass(frozen=True)
class LeaveDecided:
    leave: Leave
    excused: list[AttendanceRecord]  # absences recorded unexcused that the leave excuses
    sanctions: list[ImposedSanction]
    rota_repairs: list[RepairReport] = field(default_factory=list)


@dataclass(frozen=True)
class RepairLimits:
    """How the duty rotas are repaired inline when leave is granted (the service's settings)."""

    time_limit_s: float = REPAIR_TIME_LIMIT_S
    grace_min: int = DEFAULT_GRACE_MIN


async def decide_leave(
    conn: asyncpg.Connection,
    *,
    college: str,
    leave_id: UUID,
    decision: LeaveDecision,
    decided_by: str,
    note: str,
    now: datetime,
    repair_limits: RepairLimits | None = None,
) -> LeaveDecided:
    """The department head grants or refuses, once; emits LeaveDecided. Granted leave
    emits an AttendanceRecorded for each absence it now excuses, and the member's seats
    on published duty rotas within the leave are repaired (in this transaction)."""
    leave = await leave_of(conn, college=college, leave_id=leave_id, for_update=True)
    decided, event = leave_rules.decide_leave(
        leave, decision=decision, decided_by=decided_by, note=note, now=now
    )
    await repository.record_decision(conn, decided)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    if decided.status != "granted":
        return LeaveDecided(leave=decided, excused=[], sanctions=[])
    meetings = await meetings_repository.lock_meetings(
        conn,
        college=college,
        meeting_ids=await meetings_repository.meetings_covered(
            conn,
            college=college,
            organisation=decided.organisation,
            starts_at=decided.starts_at,
            ends_at=decided.ends_at,
            meeting_id=decided.meeting_id,
        ),
    )
    by_id = {meeting.meeting_id: meeting for meeting in meetings}
    excused = [
        record
        for absence in await repository.absences_at(
            conn, person_id=decided.person_id, meeting_ids=list(by_id)
        )
        if (record := rules.excuse(absence, decided, now=now)) is not None
    ]
    await repository.save_attendance(conn, excused)
    await append_to_outbox(
        conn,
        [rules.recorded_event(r, term=by_id[r.meeting_id].term) for r in excused],
        source=SOURCE,
        now=now,
    )
    # The terms the leave touches: its meetings' and those whose activities it may cover.
    terms = {by_id[r.meeting_id].term for r in excused} | set(
        await meetings_repository.terms_overlapping(
            conn,
            college=college,
            organisation=decided.organisation,
            starts_at=decided.starts_at,
            ends_at=decided.ends_at,
        )
    )
    sanctions = []
    for term in sorted(terms):
        sanction = await judge_term(
            conn,
            college=college,
            person_id=decided.person_id,
            organisation=decided.organisation,
            term=term,
            meeting_id=decided.meeting_id,
            now=now,
        )
        if sanction is not None:
            sanctions.append(sanction)
    limits = repair_limits or RepairLimits()
    repairs = await repair_after_leave(
        conn,
        college=college,
        person_id=decided.person_id,
        starts_at=decided.starts_at,
        ends_at=decided.ends_at,
        reason=f"请假（{decided.reason}）",
        now=now,
        time_limit_s=limits.time_limit_s,
        grace_min=limits.grace_min,
    )
    return LeaveDecided(leave=decided, excused=excused, sanctions=sanctions, rota_repairs=repairs)


async def leave_of(
    conn: asyncpg.Connection, *, college: str, leave_id: UUID, for_update: bool = False
) -> Leave:
    leave = await repository.get_leave(
        conn, college=college, leave_id=leave_id, for_update=for_update
    )
    if leave is None:
        raise NotFound("leave request", leave_id)
    return leave


async def find_leave(
    conn: asyncpg.Connection, *, college: str, where: LeaveFilter, paging: Paging
) -> list[Leave]:
    return await repository.find_leave(conn, college=college, where=where, paging=paging)
