"""Scheduling's events as staff-assessment facts: what each event says about whom, when.

One mapping serves both ways: a consumed event is stored as it came (its JSON data,
keyed by its event id); a stored row is read back by validating that JSON with the
event's class again and mapping it to the domain's fact. So a figure computed today
and one computed from a replay months later come from the very same function.

Recording is idempotent by event id (a replay inserts nothing) and order-free (a fact
is stored whether or not the shift it names is known yet). The same event id carrying
different data is refused (dead-lettered): an event id names one fact for ever.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.evaluation.domain.duty_facts import (
    AttendanceFact,
    CheckedInFact,
    DutyFact,
    HandoverFact,
    MissedFact,
    SanctionFact,
    ShiftAssignedFact,
    ShiftCancelledFact,
    ShiftChangedFact,
)
from services.evaluation.repository import staff as repository
from services.evaluation.repository.staff import FactRow
from shared.events.base import DomainEvent
from shared.events.scheduling import (
    AttendanceRecorded,
    AttendanceSanctionImposed,
    DutyCheckedIn,
    DutyMissed,
    HandoverRecorded,
    ShiftAssigned,
    ShiftCancelled,
    ShiftChanged,
)
from shared.rules import RuleBroken

DutyEvent = (
    ShiftAssigned
    | ShiftChanged
    | ShiftCancelled
    | DutyCheckedIn
    | DutyMissed
    | HandoverRecorded
    | AttendanceRecorded
    | AttendanceSanctionImposed
)


@dataclass(frozen=True)
class _Kind:
    event: type[DomainEvent]
    fact: Callable[[UUID, Any], DutyFact]
    occurred_at: Callable[[Any], datetime]
    people: Callable[[Any], tuple[str, ...]]
    term: Callable[[Any], str | None] = lambda _: None


KINDS: Mapping[str, _Kind] = {
    "shift_assigned": _Kind(
        ShiftAssigned,
        lambda i, e: ShiftAssignedFact(i, e.shift_id, e.person_id, e.starts_at),
        lambda e: e.starts_at,
        lambda e: (e.person_id,),
    ),
    "shift_changed": _Kind(
        ShiftChanged,
        lambda i, e: ShiftChangedFact(i, e.shift_id, e.from_person_id, e.to_person_id, e.starts_at),
        lambda e: e.starts_at,
        lambda e: (e.to_person_id, e.from_person_id),
    ),
    "shift_cancelled": _Kind(
        ShiftCancelled,
        lambda i, e: ShiftCancelledFact(i, e.shift_id, e.person_id, e.starts_at),
        lambda e: e.starts_at,
        lambda e: (e.person_id,),
    ),
    "checked_in": _Kind(
        DutyCheckedIn,
        lambda i, e: CheckedInFact(i, e.shift_id, e.person_id, e.checked_in_at, e.late),
        lambda e: e.checked_in_at,
        lambda e: (e.person_id,),
    ),
    "missed": _Kind(
        DutyMissed,
        lambda i, e: MissedFact(i, e.shift_id, e.person_id, e.starts_at),
        lambda e: e.starts_at,
        lambda e: (e.person_id,),
    ),
    "handover": _Kind(
        HandoverRecorded,
        lambda i, e: HandoverFact(i, e.handover_id, e.shift_id, e.person_id, e.recorded_at),
        lambda e: e.recorded_at,
        lambda e: (e.person_id,),
    ),
    "attendance": _Kind(
        AttendanceRecorded,
        lambda i, e: AttendanceFact(
            i, e.meeting_id, e.person_id, e.attendance, e.term, e.recorded_at
        ),
        lambda e: e.recorded_at,
        lambda e: (e.person_id,),
        lambda e: e.term,
    ),
    "sanction": _Kind(
        AttendanceSanctionImposed,
        lambda i, e: SanctionFact(i, e.sanction_id, e.person_id, e.sanction, e.term, e.imposed_at),
        lambda e: e.imposed_at,
        lambda e: (e.person_id,),
        lambda e: e.term,
    ),
}
_KIND_OF_EVENT = {kind.event: name for name, kind in KINDS.items()}


def row_of(event: DutyEvent, event_id: UUID) -> FactRow:
    """The row a consumed event is stored as."""
    name = _KIND_OF_EVENT[type(event)]
    kind = KINDS[name]
    people = tuple(dict.fromkeys(kind.people(event)))
    return FactRow(
        event_id=event_id,
        college=event.college,
        person_id=people[0],
        person_ids=people,
        kind=name,
        term=kind.term(event),
        payload=event.model_dump(mode="json"),
        occurred_at=kind.occurred_at(event),
    )


def fact_of(row: FactRow) -> DutyFact:
    """The domain's fact a stored row stands for."""
    kind = KINDS[row.kind]
    return kind.fact(row.event_id, kind.event.model_validate(row.payload))


async def record(conn: asyncpg.Connection, *, event: DutyEvent, event_id: UUID) -> bool:
    """Store the event's fact; False when this event id was already stored (a replay)."""
    row = row_of(event, event_id)
    if await repository.insert_fact(conn, row):
        return True
    held = await repository.fact_by_id(conn, event_id=event_id)
    if held is None or (held.college, held.kind, held.payload) != (
        row.college,
        row.kind,
        row.payload,
    ):
        raise RuleBroken(
            "event_id_reused",
            field="id",
            message=f"event {event_id} was recorded before with other data",
        )
    return False
