"""Leave (请假) of a member of an organisation (DOMAIN.md §2): asked of the department head
before the meeting or, when something came up suddenly, retroactively right after it with
a reason (会后必须向本部部长补假，并说明原因). "Right after" is here: until
`RETROACTIVE_LEAVE_WINDOW` (48 h) after the meeting (or the leave period) ends. Later
than that is refused (`leave_too_late`). Decided once, by an officer; granted leave
excuses its member from the meetings it covers (the sanctions: domain/attendance.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from services.scheduling.domain.meetings import (
    Meeting,
    OfOrganisation,
    Organisation,
    meeting_cancelled_broken,
)
from services.scheduling.domain.rules import RuleBroken
from shared.events.scheduling import LeaveDecided, LeaveRequested

RETROACTIVE_LEAVE_WINDOW = timedelta(hours=48)
MAX_LEAVE_PERIOD = timedelta(days=120)

LeaveStatus = Literal["requested", "granted", "refused"]
LeaveDecision = Literal["granted", "refused"]


@dataclass(frozen=True)
class Leave(OfOrganisation):
    college: str
    leave_id: UUID
    person_id: str
    organisation: Organisation
    meeting_id: UUID | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    retroactive: bool
    status: LeaveStatus
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str = ""


@dataclass(frozen=True)
class LeaveFilter:
    person_id: str | None = None
    status: LeaveStatus | None = None
    meeting_id: UUID | None = None


def leave_is_retroactive(
    *, starts_at: datetime, ends_at: datetime, now: datetime, field: str
) -> bool:
    """False before the meeting (or period) starts; True from its start until the window
    after its end closes; refused after that."""
    if now <= starts_at:
        return False
    if now <= ends_at + RETROACTIVE_LEAVE_WINDOW:
        return True
    hours = int(RETROACTIVE_LEAVE_WINDOW.total_seconds() // 3600)
    closed = (ends_at + RETROACTIVE_LEAVE_WINDOW).isoformat()
    raise RuleBroken(
        "leave_too_late",
        field=field,
        message=(
            f"leave is asked before the meeting, or retroactively within {hours} h after it"
            f" ends, with a reason; that was until {closed}"
        ),
    )


def unknown_member_broken(person_id: str, organisation: Organisation, *, field: str) -> RuleBroken:
    return RuleBroken(
        "unknown_member",
        field=field,
        message=f"{person_id} is not a member of {organisation.kind} {organisation.id}",
        invalid=True,
    )


def request_leave(
    *,
    college: str,
    leave_id: UUID,
    person_id: str,
    organisation: Organisation,
    meeting: Meeting | None,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    is_member: bool,
    already_requested: bool,
    now: datetime,
) -> tuple[Leave, LeaveRequested]:
    """Leave for one meeting (its times) or for a period (every meeting it overlaps)."""
    if not is_member:
        raise unknown_member_broken(person_id, organisation, field="person_id")
    if meeting is not None:
        if meeting.cancelled:
            raise meeting_cancelled_broken(meeting)
        starts_at, ends_at = meeting.starts_at, meeting.ends_at
    elif ends_at <= starts_at:
        raise RuleBroken(
            "ends_after_start",
            field="ends_at",
            message="leave must end after it starts",
            invalid=True,
        )
    elif ends_at - starts_at > MAX_LEAVE_PERIOD:
        raise RuleBroken(
            "leave_too_long",
            field="ends_at",
            message=f"one leave request covers at most {MAX_LEAVE_PERIOD.days} days",
            invalid=True,
        )
    field = "meeting_id" if meeting is not None else "starts_at"
    retroactive = leave_is_retroactive(starts_at=starts_at, ends_at=ends_at, now=now, field=field)
    if already_requested:
        raise request_leave_twice_broken()
    leave = Leave(
        college=college,
        leave_id=leave_id,
        person_id=person_id,
        organisation=organisation,
        meeting_id=meeting.meeting_id if meeting is not None else None,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        retroactive=retroactive,
        status="requested",
        requested_at=now,
    )
    event = LeaveRequested(
        college=college,
        leave_id=leave_id,
        person_id=person_id,
        meeting_id=leave.meeting_id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        retroactive=retroactive,
    )
    return leave, event


def request_leave_twice_broken() -> RuleBroken:
    # Shared with the service, which meets the same rule as a database race.
    return RuleBroken(
        "leave_already_requested",
        field="meeting_id",
        message="you already asked leave for this meeting (requested or granted)",
    )


def decide_leave(
    leave: Leave, *, decision: LeaveDecision, decided_by: str, note: str, now: datetime
) -> tuple[Leave, LeaveDecided]:
    """The department head decides once."""
    if leave.status != "requested":
        raise RuleBroken(
            "leave_already_decided",
            field="leave_id",
            message=f"this leave request was already {leave.status}",
        )
    decided = replace(
        leave, status=decision, decided_by=decided_by, decided_at=now, decision_note=note
    )
    event = LeaveDecided(
        college=leave.college,
        leave_id=leave.leave_id,
        person_id=leave.person_id,
        decision=decision,
        decided_by=decided_by,
    )
    return decided, event


def covers(leave: Leave, meeting: Meeting) -> bool:
    """A granted leave of the meeting's organisation excuses its member from it."""
    if leave.status != "granted" or leave.organisation != meeting.organisation:
        return False
    if leave.meeting_id is not None:
        return leave.meeting_id == meeting.meeting_id
    return leave.starts_at < meeting.ends_at and meeting.starts_at < leave.ends_at
