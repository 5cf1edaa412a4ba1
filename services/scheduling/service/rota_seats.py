"""What every change of a published rota's seats shares: the rota as it stands (its problem
with the absences recorded, its dated shifts, its seats) read under the rota's lock, and a
seat passing to another member or cancelled, with its event, its duty-desk hooks, its
audit entry, and the pending swaps and offers of that seat made void."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.scheduling.domain.rostering import Assignment, RotaProblem
from services.scheduling.domain.rotas import (
    Absence,
    DatedShift,
    Rota,
    assignments_of,
    with_absences,
)
from services.scheduling.domain.rules import NotFound, RuleBroken
from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.repository import rotas as repository
from services.scheduling.repository import swaps as swap_records
from services.scheduling.schemas.rostering import parse_rota_problem
from services.scheduling.service import SOURCE
from services.scheduling.service.desk import expect_sign_in, forget_sign_in
from services.scheduling.settings import SchedulingSettings
from shared.events.scheduling import ShiftCancelled, ShiftChange, ShiftChanged
from shared.messaging.outbox import append_to_outbox

# A stored rota was checked against the limits when its job was submitted: read it back
# whatever the limits are today.
STORED = ProblemLimits(
    max_staff=10**9, max_shifts=10**9, max_days=10**9, max_lessons=10**9, max_activities=10**9
)
DEFAULT_GRACE_MIN: int = SchedulingSettings.model_fields["checkin_grace_min"].default


@dataclass(frozen=True)
class RotaState:
    rota: Rota
    problem: RotaProblem  # with every recorded absence applied
    absences: tuple[Absence, ...]
    shifts: tuple[DatedShift, ...]

    @property
    def seats(self) -> set[Assignment]:
        return assignments_of(self.shifts)

    def shift(self, shift_id: UUID) -> DatedShift | None:
        for shift in self.shifts:
            if shift.shift_id == shift_id:
                return shift
        return None


def problem_of(document: Mapping[str, Any]) -> RotaProblem:
    """The domain problem of a stored rota document."""
    return parse_rota_problem(dict(document), STORED)


async def find_rota(
    conn: asyncpg.Connection, *, college: str, rota_id: UUID, for_update: bool = False
) -> Rota:
    rota = await repository.get_rota(conn, college=college, rota_id=rota_id, for_update=for_update)
    if rota is None:
        raise NotFound("rota", rota_id)
    return rota


async def published_state(
    conn: asyncpg.Connection, *, college: str, rota_id: UUID, for_update: bool = True
) -> RotaState:
    """The published rota as it stands; with `for_update`, locked until the transaction
    ends, so seat changes of one rota (repair, swaps, open shifts) happen one at a time."""
    rota = await find_rota(conn, college=college, rota_id=rota_id, for_update=for_update)
    if rota.status != "published":
        raise RuleBroken(
            "rota_published",
            field="rota_id",
            message=f"rota {rota_id} is a draft: seats change only on a published rota",
        )
    absences = tuple(await repository.absences_of_rota(conn, rota_id=rota_id))
    shifts = tuple(await repository.shifts_of_rota(conn, rota_id=rota_id))
    return RotaState(rota, with_absences(problem_of(rota.document), absences), absences, shifts)


async def find_shift(conn: asyncpg.Connection, *, college: str, shift_id: UUID) -> DatedShift:
    shift = await repository.get_shift(conn, college=college, shift_id=shift_id)
    if shift is None:
        raise NotFound("shift", shift_id)
    return shift


async def hand_over(
    conn: asyncpg.Connection,
    *,
    college: str,
    shift: DatedShift,
    from_person: str,
    to_person: str,
    why: ShiftChange,
    actor_id: str,
    now: datetime,
    grace_min: int,
    details: dict[str, Any] | None = None,
    keep_swap: UUID | None = None,
    keep_offer: UUID | None = None,
) -> None:
    """`from_person`'s seat on `shift` passes to `to_person`."""
    if not await repository.move_seat(
        conn, shift_id=shift.shift_id, from_person=from_person, to_person=to_person, at=now
    ):
        raise RuleBroken(
            "holds_shift",
            field="shift_id",
            message=f"{from_person} holds no seat on shift {shift.shift_id} any more",
        )
    await _void_pending(conn, shift.shift_id, from_person, keep_swap, keep_offer)
    await forget_sign_in(conn, college=college, shift_id=shift.shift_id, person_id=from_person)
    await expect_sign_in(
        conn,
        college=college,
        shift_id=shift.shift_id,
        person_id=to_person,
        starts_at=shift.starts_at,
        grace_min=grace_min,
    )
    event = ShiftChanged(
        college=college,
        shift_id=shift.shift_id,
        rota_id=shift.rota_id,
        from_person_id=from_person,
        to_person_id=to_person,
        why=why,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    await repository.audit(
        conn,
        college=college,
        rota_id=shift.rota_id,
        at=now,
        actor_id=actor_id,
        action=f"seat_changed:{why}",
        shift_id=shift.shift_id,
        details={"from_person_id": from_person, "to_person_id": to_person, **(details or {})},
    )


async def cancel_seat(
    conn: asyncpg.Connection,
    *,
    college: str,
    shift: DatedShift,
    person_id: str,
    reason: str,
    actor_id: str,
    now: datetime,
) -> None:
    """`person_id`'s seat on `shift` is cancelled: nobody takes it over."""
    await repository.drop_seat(conn, shift_id=shift.shift_id, person_id=person_id)
    await _void_pending(conn, shift.shift_id, person_id, None, None)
    await forget_sign_in(conn, college=college, shift_id=shift.shift_id, person_id=person_id)
    event = ShiftCancelled(
        college=college,
        shift_id=shift.shift_id,
        rota_id=shift.rota_id,
        person_id=person_id,
        reason=reason[:200] or "cancelled",
        starts_at=shift.starts_at,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    await repository.audit(
        conn,
        college=college,
        rota_id=shift.rota_id,
        at=now,
        actor_id=actor_id,
        action="seat_cancelled",
        shift_id=shift.shift_id,
        details={"person_id": person_id, "reason": reason},
    )


async def _void_pending(
    conn: asyncpg.Connection,
    shift_id: UUID,
    person_id: str,
    keep_swap: UUID | None,
    keep_offer: UUID | None,
) -> None:
    await swap_records.void_swaps_of_seat(
        conn, shift_id=shift_id, person_id=person_id, keep=keep_swap
    )
    await swap_records.void_offers_of_seat(
        conn, shift_id=shift_id, person_id=person_id, keep=keep_offer
    )


def seat_holders(shifts: Sequence[DatedShift]) -> dict[str, list[DatedShift]]:
    """Each member's shifts, in time order."""
    per_member: dict[str, list[DatedShift]] = {}
    for shift in shifts:
        for holder in shift.holders:
            per_member.setdefault(holder, []).append(shift)
    return dict(sorted(per_member.items()))
