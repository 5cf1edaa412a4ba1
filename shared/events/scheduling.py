"""Events the scheduling service publishes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared.events.base import DomainEvent

# DOMAIN.md §2 attendance rules: one unexcused absence → verbal warning; 5 late
# arrivals or more than 3 unexcused absences → compulsory withdrawal; leave for
# more than 1/3 of a term's meetings and activities → expulsion.
Sanction = Literal["verbal_warning", "compulsory_withdrawal", "expulsion"]


class AttendanceSanctionImposed(DomainEvent):
    """Attendance rules imposed a sanction on a member of a department or corps unit."""

    event_type = "campusflow.scheduling.attendance_sanction.imposed.v1"
    key_field = "person_id"

    sanction_id: UUID
    person_id: str = Field(min_length=1, max_length=64)
    organisation_kind: Literal["department", "brigade", "detachment", "group", "squad"]
    organisation_id: str = Field(min_length=1, max_length=64)
    sanction: Sanction
    reason: str = Field(min_length=1, max_length=500)
    term: str = Field(min_length=1, max_length=32)
    imposed_at: datetime
