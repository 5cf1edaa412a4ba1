"""Scheduling's facts about a staff member, as the staff assessment sees them: plain
values, one per scheduling event kind, each carrying the id of the event it came from
(mapping events to facts is the service layer's job, service/staff_facts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

Attendance = Literal["present", "late", "excused", "unexcused"]
Sanction = Literal["verbal_warning", "compulsory_withdrawal", "expulsion"]


@dataclass(frozen=True)
class ShiftAssignedFact:
    event_id: UUID
    shift_id: UUID
    person_id: str
    starts_at: datetime


@dataclass(frozen=True)
class ShiftChangedFact:
    event_id: UUID
    shift_id: UUID
    from_person_id: str
    to_person_id: str
    starts_at: datetime


@dataclass(frozen=True)
class ShiftCancelledFact:
    event_id: UUID
    shift_id: UUID
    person_id: str
    starts_at: datetime


@dataclass(frozen=True)
class CheckedInFact:
    event_id: UUID
    shift_id: UUID
    person_id: str
    checked_in_at: datetime
    late: bool


@dataclass(frozen=True)
class MissedFact:
    event_id: UUID
    shift_id: UUID
    person_id: str
    starts_at: datetime


@dataclass(frozen=True)
class HandoverFact:
    event_id: UUID
    handover_id: UUID
    shift_id: UUID
    person_id: str
    recorded_at: datetime


@dataclass(frozen=True)
class AttendanceFact:
    event_id: UUID
    meeting_id: UUID
    person_id: str
    attendance: Attendance
    term: str
    recorded_at: datetime


@dataclass(frozen=True)
class SanctionFact:
    event_id: UUID
    sanction_id: UUID
    person_id: str
    sanction: Sanction
    term: str
    imposed_at: datetime


DutyFact = (
    ShiftAssignedFact
    | ShiftChangedFact
    | ShiftCancelledFact
    | CheckedInFact
    | MissedFact
    | HandoverFact
    | AttendanceFact
    | SanctionFact
)
