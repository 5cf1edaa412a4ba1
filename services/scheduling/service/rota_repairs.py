"""Repairing a published rota when a member withdraws or gets leave; each use case runs in
the one transaction it is handed. The solver runs inline, in a thread off the event loop:
one withdrawal on the benchmark's 2,000-member, 140-shift rota plans and solves in well
under a second, because the repair problem holds only the members who may take a freed
shift and the crews of the freed shifts."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID, uuid4

import asyncpg

from services.scheduling.domain.rota_repair import (
    RepairPlan,
    SeatChange,
    freed_seats,
    greedy_repair,
    judge_repair,
    nobody_takes,
    plan_repair,
)
from services.scheduling.domain.rotas import (
    Absence,
    AbsenceKind,
    absent_cells,
    ensure_staff,
    with_absences,
)
from services.scheduling.repository import rotas as repository
from services.scheduling.service.rota_seats import (
    DEFAULT_GRACE_MIN,
    cancel_seat,
    hand_over,
    published_state,
)
from services.scheduling.solver.repair import repair_rota

REPAIR_TIME_LIMIT_S = 2.0
# Who repairs after an event (a membership ended, leave granted).
SYSTEM = "scheduling"
RepairMethod = Literal["solver", "greedy", "nothing_to_repair", "cancelled"]


@dataclass(frozen=True)
class RepairReport:
    rota_id: UUID
    person_id: str
    kind: AbsenceKind
    freed: int
    changes: tuple[tuple[UUID, SeatChange], ...]
    method: RepairMethod
    wall_s: float


async def repair(
    conn: asyncpg.Connection,
    *,
    college: str,
    rota_id: UUID,
    person_id: str,
    kind: AbsenceKind,
    starts_at: datetime,
    ends_at: datetime | None,
    reason: str,
    actor_id: str,
    now: datetime,
    time_limit_s: float = REPAIR_TIME_LIMIT_S,
    workers: int = 1,
    grace_min: int = DEFAULT_GRACE_MIN,
) -> RepairReport:
    """The member holds no seat of the rota from `starts_at` (until `ends_at`): their seats
    on upcoming shifts in that time pass to members who may take them, fewest changes
    first, or are cancelled; every other seat is kept."""
    started = time.monotonic()
    state = await published_state(conn, college=college, rota_id=rota_id)
    ensure_staff(state.problem, person_id, field="person_id")
    absence = Absence(person_id, kind, starts_at, ends_at, now, reason)
    await repository.insert_absence(
        conn,
        college=college,
        absence_id=uuid4(),
        rota_id=rota_id,
        absence=absence,
        recorded_by=actor_id,
    )
    problem = with_absences(state.problem, [absence])
    current = state.seats
    freed = freed_seats(current, person_id=person_id, cells=absent_cells(problem, absence))
    method: RepairMethod = "nothing_to_repair"
    changes: list[SeatChange] = []
    if freed:
        absent = {a.person_id for a in state.absences} | {person_id}
        plan = plan_repair(problem, current, freed=freed, absent=absent)
        changes, method = await _repaired(plan, time_limit_s=time_limit_s, workers=workers)
    by_cell = {shift.cell: shift for shift in state.shifts}
    applied = []
    for change in changes:
        shift = by_cell[(change.day, change.shift_type)]
        if change.to_person is None:
            await cancel_seat(
                conn,
                college=college,
                shift=shift,
                person_id=person_id,
                reason=reason,
                actor_id=actor_id,
                now=now,
            )
        else:
            await hand_over(
                conn,
                college=college,
                shift=shift,
                from_person=person_id,
                to_person=change.to_person,
                why="repair",
                actor_id=actor_id,
                now=now,
                grace_min=grace_min,
                details={"reason": reason, "method": method},
            )
        applied.append((shift.shift_id, change))
    report = RepairReport(
        rota_id, person_id, kind, len(freed), tuple(applied), method, time.monotonic() - started
    )
    await repository.audit(
        conn,
        college=college,
        rota_id=rota_id,
        at=now,
        actor_id=actor_id,
        action=f"repaired:{kind}",
        details={
            "person_id": person_id,
            "reason": reason,
            "from": starts_at.isoformat(),
            "until": ends_at.isoformat() if ends_at else None,
            "freed": len(freed),
            "reassigned": sum(1 for c in changes if c.to_person is not None),
            "cancelled": sum(1 for c in changes if c.to_person is None),
            "method": method,
        },
    )
    return report


async def _repaired(
    plan: RepairPlan, *, time_limit_s: float, workers: int
) -> tuple[list[SeatChange], Literal["solver", "greedy", "cancelled"]]:
    """The solver's repair if the checker accepts it, else the greedy one, else none."""
    outcome = await asyncio.to_thread(
        repair_rota,
        plan.problem,
        plan.kept | set(plan.freed),
        pinned=plan.kept,
        time_limit_s=time_limit_s,
        workers=workers,
    )
    if outcome.publishable:
        changes = judge_repair(plan, set(outcome.assignments) | plan.pinned)
        if changes is not None:
            return changes, "solver"
    lengths = {kind.id: kind.length_min for kind in plan.problem.shift_types}
    greedy = await asyncio.to_thread(greedy_repair, plan, lengths=lengths)
    changes = judge_repair(plan, greedy)
    if changes is not None:
        return changes, "greedy"
    return nobody_takes(plan), "cancelled"


async def repair_after_withdrawal(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    reason: str,
    now: datetime,
    time_limit_s: float = REPAIR_TIME_LIMIT_S,
    grace_min: int = DEFAULT_GRACE_MIN,
) -> list[RepairReport]:
    """A member left (their membership ended): every published rota of the college on which
    they hold an upcoming seat is repaired from now on."""
    away = Absence(person_id, "withdrawal", now, None, now, reason)
    return await _repair_everywhere(
        conn, college=college, absence=away, time_limit_s=time_limit_s, grace_min=grace_min
    )


async def repair_after_leave(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    now: datetime,
    time_limit_s: float = REPAIR_TIME_LIMIT_S,
    grace_min: int = DEFAULT_GRACE_MIN,
) -> list[RepairReport]:
    """Leave was granted: every published rota on which the member holds a seat in the
    leave's time is repaired for that time."""
    if ends_at <= max(starts_at, now):
        return []
    away = Absence(person_id, "leave", starts_at, ends_at, now, reason)
    return await _repair_everywhere(
        conn, college=college, absence=away, time_limit_s=time_limit_s, grace_min=grace_min
    )


async def _repair_everywhere(
    conn: asyncpg.Connection,
    *,
    college: str,
    absence: Absence,
    time_limit_s: float,
    grace_min: int,
) -> list[RepairReport]:
    """Repair, for the absence, each published rota with a seat of the member not over by
    the time the absence starts."""
    now = absence.recorded_at
    rota_ids = await repository.published_rotas_with_seats_of(
        conn,
        college=college,
        person_id=absence.person_id,
        ending_after=max(absence.starts_at, now),
    )
    return [
        await repair(
            conn,
            college=college,
            rota_id=rota_id,
            person_id=absence.person_id,
            kind=absence.kind,
            starts_at=absence.starts_at,
            ends_at=absence.ends_at,
            reason=absence.reason,
            actor_id=SYSTEM,
            now=now,
            time_limit_s=time_limit_s,
            grace_min=grace_min,
        )
        for rota_id in rota_ids
    ]
