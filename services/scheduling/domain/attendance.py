"""Attendance (考勤) and the sanctions attendance brings (DOMAIN.md §2); leave (请假) is in
domain/leave.py.

The student union's meeting rules (seeds/004, 会议考勤), as rules of the platform:

- one unexcused absence → verbal warning (口头警告);
- 5 late arrivals, or more than 3 unexcused absences → compulsory withdrawal (强制性退会);
- leave for more than 1/3 of the term's meetings and activities → expulsion, on file.

How repeated thresholds behave (decided here, see /work/helpers/readme-meetings.md):

- Each rule imposes its sanction at most once per member, organisation and term. The
  first unexcused absence of a term brings the verbal warning; the second and third
  bring nothing new (the member is warned); the fourth brings compulsory withdrawal.
- At most one ending sanction (compulsory withdrawal or expulsion) per member,
  organisation and term: after it nothing more is imposed for that term. When several
  rules are due at once, expulsion wins over compulsory withdrawal, and an ending
  sanction replaces a warning due at the same moment.
- An unexcused absence counts once its meeting's retroactive-leave window has closed:
  until then the member may still ask for leave. Late arrivals and leave count at once.
- Leave share: meetings the member was excused from (granted leave) plus leave taken
  for activities, over the organisation's meetings of the term that are not cancelled
  (all of them, future ones included: schedule the term's series up front) plus its
  activities. "More than 1/3" is 3 × leave > total.
- A sanction is never withdrawn when attendance is corrected later: others acted on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from services.scheduling.domain.leave import (
    RETROACTIVE_LEAVE_WINDOW,
    Leave,
    LeaveStatus,
    unknown_member_broken,
)
from services.scheduling.domain.meetings import (
    Meeting,
    OfOrganisation,
    Organisation,
    meeting_cancelled_broken,
)
from services.scheduling.domain.rules import RuleBroken
from shared.events.scheduling import (
    Attendance,
    AttendanceRecorded,
    AttendanceSanctionImposed,
    Sanction,
)

LATE_ARRIVALS_LIMIT = 5  # this many late arrivals in a term: compulsory withdrawal
UNEXCUSED_ABSENCES_LIMIT = 3  # MORE than this many unexcused absences: compulsory withdrawal
# More than LEAVE_SHARE_NUMERATOR / LEAVE_SHARE_DENOMINATOR of the term's occasions: expulsion.
LEAVE_SHARE_NUMERATOR, LEAVE_SHARE_DENOMINATOR = 1, 3


# --- attendance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRecord:
    college: str
    meeting_id: UUID
    person_id: str
    attendance: Attendance
    leave_id: UUID | None
    recorded_by: str
    recorded_at: datetime


def check_attendance_open(meeting: Meeting, *, now: datetime) -> None:
    """Attendance is taken at a held meeting: not a cancelled one, not before it starts."""
    if meeting.cancelled:
        raise meeting_cancelled_broken(meeting)
    if now < meeting.starts_at:
        raise RuleBroken(
            "meeting_not_started",
            field="meeting_id",
            message=f"attendance is taken from the meeting's start ({meeting.starts_at})",
        )


def take_attendance(
    meeting: Meeting,
    *,
    person_id: str,
    asked: Attendance,
    leave: Leave | None,
    is_member: bool,
    position: int,
    recorded_by: str,
    now: datetime,
) -> AttendanceRecord:
    """One member's attendance. `leave` is a granted leave covering the meeting, if any.

    "excused" needs granted leave; an absence the officer marks "unexcused" while granted
    leave covers it is recorded "excused" (the leave decides, not the officer's memory).
    """
    if not is_member:
        raise unknown_member_broken(person_id, meeting.organisation, field=f"{position}.person_id")
    if asked == "excused" and leave is None:
        raise RuleBroken(
            "excused_without_leave",
            field=f"{position}.attendance",
            message=f"{person_id} has no granted leave for this meeting: absent is 'unexcused'",
        )
    excused = asked in ("excused", "unexcused") and leave is not None
    return AttendanceRecord(
        college=meeting.college,
        meeting_id=meeting.meeting_id,
        person_id=person_id,
        attendance="excused" if excused else asked,
        leave_id=leave.leave_id if excused and leave is not None else None,
        recorded_by=recorded_by,
        recorded_at=now,
    )


def changed(previous: AttendanceRecord | None, record: AttendanceRecord) -> bool:
    """Taking the same attendance again changes nothing (and emits nothing)."""
    return previous is None or (previous.attendance, previous.leave_id) != (
        record.attendance,
        record.leave_id,
    )


def recorded_event(record: AttendanceRecord, *, term: str) -> AttendanceRecorded:
    return AttendanceRecorded(
        college=record.college,
        meeting_id=record.meeting_id,
        person_id=record.person_id,
        attendance=record.attendance,
        term=term,
        recorded_at=record.recorded_at,
    )


def excuse(record: AttendanceRecord, leave: Leave, *, now: datetime) -> AttendanceRecord | None:
    """Leave granted after an absence was recorded unexcused (retroactive leave) excuses it."""
    if record.attendance != "unexcused":
        return None
    return replace(
        record,
        attendance="excused",
        leave_id=leave.leave_id,
        recorded_by=leave.decided_by or record.recorded_by,
        recorded_at=now,
    )


@dataclass(frozen=True)
class Attendee:
    """A person of a meeting: a current member of its organisation, or one with a record."""

    person_id: str
    member: bool
    attendance: Attendance | None
    leave_status: LeaveStatus | None
    leave_id: UUID | None


@dataclass(frozen=True)
class MeetingWithPeople:
    meeting: Meeting
    people: list[Attendee]


def attendees(
    people: Iterable[str],
    *,
    members: Iterable[str],
    records: Mapping[str, AttendanceRecord],
    leaves: Iterable[Leave],
) -> list[Attendee]:
    """Each person's attendance and leave; a granted leave shows before a pending or
    refused one for the same meeting."""
    rank = {"granted": 2, "requested": 1, "refused": 0}
    chosen: dict[str, Leave] = {}
    for leave in leaves:
        held = chosen.get(leave.person_id)
        if held is None or rank[leave.status] > rank[held.status]:
            chosen[leave.person_id] = leave
    member_set = set(members)
    return [
        Attendee(
            person_id=person_id,
            member=person_id in member_set,
            attendance=records[person_id].attendance if person_id in records else None,
            leave_status=chosen[person_id].status if person_id in chosen else None,
            leave_id=chosen[person_id].leave_id if person_id in chosen else None,
        )
        for person_id in people
    ]


# --- sanctions ------------------------------------------------------------------------------


class AttendanceRule(StrEnum):
    UNEXCUSED_ABSENCE = "unexcused_absence"  # the first of a term: verbal warning
    LATE_ARRIVALS = "late_arrivals"
    UNEXCUSED_ABSENCES = "unexcused_absences"
    LEAVE_SHARE = "leave_share"


SANCTION_OF: dict[AttendanceRule, Sanction] = {
    AttendanceRule.UNEXCUSED_ABSENCE: "verbal_warning",
    AttendanceRule.LATE_ARRIVALS: "compulsory_withdrawal",
    AttendanceRule.UNEXCUSED_ABSENCES: "compulsory_withdrawal",
    AttendanceRule.LEAVE_SHARE: "expulsion",
}
ENDING_RULES = frozenset(rule for rule, s in SANCTION_OF.items() if s != "verbal_warning")


@dataclass(frozen=True)
class Mark:
    """One attendance of the term, with the end of its meeting (for the leave window)."""

    attendance: Attendance
    meeting_ends_at: datetime


@dataclass(frozen=True)
class Standing:
    """A member's term in one organisation, as the rules read it."""

    marks: tuple[Mark, ...]
    occasions: int  # the term's meetings (not cancelled) plus its activities
    imposed: frozenset[AttendanceRule]  # rules that already imposed their sanction this term
    activity_leave: int = 0  # leave for the term's activities (counted in `occasions`)


@dataclass(frozen=True)
class Tally:
    lates: int
    unexcused: int  # whose retroactive-leave window has closed
    unexcused_pending: int  # whose window is still open
    leave: int


def tally(standing: Standing, *, now: datetime) -> Tally:
    lates = unexcused = pending = leave = 0
    for mark in standing.marks:
        if mark.attendance == "late":
            lates += 1
        elif mark.attendance == "excused":
            leave += 1
        elif mark.attendance == "unexcused":
            if now >= mark.meeting_ends_at + RETROACTIVE_LEAVE_WINDOW:
                unexcused += 1
            else:
                pending += 1
    return Tally(lates, unexcused, pending, leave + standing.activity_leave)


@dataclass(frozen=True)
class SanctionDue:
    rule: AttendanceRule
    sanction: Sanction
    reason: str


def sanction_due(standing: Standing, *, now: datetime) -> SanctionDue | None:
    """The one sanction the rules impose now, if any (see the module's notes)."""
    if standing.imposed & ENDING_RULES:
        return None
    counts = tally(standing, now=now)
    total = max(standing.occasions, counts.leave)
    if total and counts.leave * LEAVE_SHARE_DENOMINATOR > total * LEAVE_SHARE_NUMERATOR:
        return _due(
            AttendanceRule.LEAVE_SHARE,
            f"本学期请假{counts.leave}次，超过会议和活动总数{total}的三分之一：开除并记入档案",
        )
    if counts.lates >= LATE_ARRIVALS_LIMIT:
        return _due(AttendanceRule.LATE_ARRIVALS, f"本学期例会迟到累计{counts.lates}次：强制性退会")
    if counts.unexcused > UNEXCUSED_ABSENCES_LIMIT:
        return _due(
            AttendanceRule.UNEXCUSED_ABSENCES,
            f"本学期无故缺席例会{counts.unexcused}次（三次以上）：强制性退会",
        )
    if counts.unexcused >= 1 and AttendanceRule.UNEXCUSED_ABSENCE not in standing.imposed:
        return _due(AttendanceRule.UNEXCUSED_ABSENCE, "本学期无故缺席例会1次：口头警告")
    return None


def _due(rule: AttendanceRule, reason: str) -> SanctionDue:
    return SanctionDue(rule=rule, sanction=SANCTION_OF[rule], reason=reason)


@dataclass(frozen=True)
class SanctionFilter:
    person_id: str | None = None
    term: str | None = None


@dataclass(frozen=True)
class ImposedSanction(OfOrganisation):
    college: str
    sanction_id: UUID
    person_id: str
    organisation: Organisation
    term: str
    rule: AttendanceRule
    sanction: Sanction
    reason: str
    meeting_id: UUID | None
    imposed_at: datetime


def impose(
    due: SanctionDue,
    *,
    college: str,
    sanction_id: UUID,
    person_id: str,
    organisation: Organisation,
    term: str,
    meeting_id: UUID | None,
    now: datetime,
) -> tuple[ImposedSanction, AttendanceSanctionImposed]:
    imposed = ImposedSanction(
        college=college,
        sanction_id=sanction_id,
        person_id=person_id,
        organisation=organisation,
        term=term,
        rule=due.rule,
        sanction=due.sanction,
        reason=due.reason,
        meeting_id=meeting_id,
        imposed_at=now,
    )
    return imposed, sanction_event(imposed)


def sanction_event(imposed: ImposedSanction) -> AttendanceSanctionImposed:
    """The event recruitment ends memberships by: organisation as its memberships name it."""
    return AttendanceSanctionImposed(
        college=imposed.college,
        sanction_id=imposed.sanction_id,
        person_id=imposed.person_id,
        organisation_kind=imposed.organisation.kind,
        organisation_id=imposed.organisation.id,
        sanction=imposed.sanction,
        reason=imposed.reason,
        term=imposed.term,
        imposed_at=imposed.imposed_at,
    )


def marks_of(records: Iterable[tuple[Attendance, datetime]]) -> tuple[Mark, ...]:
    return tuple(Mark(attendance=a, meeting_ends_at=ends_at) for a, ends_at in records)
