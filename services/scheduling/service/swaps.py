"""Swap use cases: two members ask to swap their seats, the department head decides; an
approved swap is checked against every hard rule of the rota before it applies. Each runs
in the one transaction it is handed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.scheduling.domain.rotas import check_swap, swap_seats
from services.scheduling.domain.rules import NotFound, RuleBroken
from services.scheduling.domain.shift_changes import Swap, SwapDecision, decided, ensure_pending
from services.scheduling.repository import rotas as rota_records
from services.scheduling.repository import swaps as repository
from services.scheduling.service import SOURCE
from services.scheduling.service.rota_seats import (
    DEFAULT_GRACE_MIN,
    find_shift,
    hand_over,
    published_state,
)
from shared.events.scheduling import SwapDecided, SwapRequested
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging


@dataclass(frozen=True)
class SwapOutcome:
    """The decided swap; `refused_by` is the rule that refused an approval (the swap is
    recorded as refused, and the caller answers with that rule)."""

    swap: Swap
    refused_by: RuleBroken | None = None


async def request_swap(
    conn: asyncpg.Connection,
    *,
    college: str,
    requester_id: str,
    requester_shift_id: UUID,
    partner_id: str,
    partner_shift_id: UUID,
    now: datetime,
) -> Swap:
    mine = await find_shift(conn, college=college, shift_id=requester_shift_id)
    theirs = await find_shift(conn, college=college, shift_id=partner_shift_id)
    state = await published_state(conn, college=college, rota_id=mine.rota_id)
    # Only who holds what is checked now: the hard rules when the department head decides.
    swap_seats(
        state.problem,
        state.seats,
        requester_id=requester_id,
        requester_shift=state.shift(mine.shift_id) or mine,
        partner_id=partner_id,
        partner_shift=state.shift(theirs.shift_id) or theirs,
        now=now,
    )
    swap = Swap(
        college=college,
        swap_id=uuid4(),
        rota_id=mine.rota_id,
        requester_id=requester_id,
        requester_shift_id=requester_shift_id,
        partner_id=partner_id,
        partner_shift_id=partner_shift_id,
        status="requested",
        requested_at=now,
    )
    try:
        async with conn.transaction():  # a savepoint: the caller stays usable
            await repository.insert_swap(conn, swap)
    except asyncpg.UniqueViolationError as duplicate:
        raise RuleBroken(
            "one_pending_swap",
            field="partner_shift_id",
            message="the same swap is requested already and waits for a decision",
        ) from duplicate
    event = SwapRequested(
        college=college,
        swap_id=swap.swap_id,
        rota_id=swap.rota_id,
        requester_id=requester_id,
        requester_shift_id=requester_shift_id,
        partner_id=partner_id,
        partner_shift_id=partner_shift_id,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    await rota_records.audit(
        conn,
        college=college,
        rota_id=swap.rota_id,
        at=now,
        actor_id=requester_id,
        action="swap_requested",
        shift_id=requester_shift_id,
        details={
            "swap_id": str(swap.swap_id),
            "partner_id": partner_id,
            "partner_shift_id": str(partner_shift_id),
        },
    )
    return swap


async def find_swap(conn: asyncpg.Connection, *, college: str, swap_id: UUID) -> Swap:
    swap = await repository.get_swap(conn, college=college, swap_id=swap_id)
    if swap is None:
        raise NotFound("swap", swap_id)
    return swap


async def decide_swap(
    conn: asyncpg.Connection,
    *,
    college: str,
    swap_id: UUID,
    decision: SwapDecision,
    reason: str,
    decided_by: str,
    now: datetime,
    grace_min: int = DEFAULT_GRACE_MIN,
) -> SwapOutcome:
    """Refuse, or approve: the swap applies only if every hard rule still holds (checked on
    the rota as it stands now); otherwise it is refused naming the rule."""
    pending = await find_swap(conn, college=college, swap_id=swap_id)
    state = await published_state(conn, college=college, rota_id=pending.rota_id)  # lock first
    swap = await repository.get_swap(conn, college=college, swap_id=swap_id, for_update=True)
    if swap is None:
        raise NotFound("swap", swap_id)
    ensure_pending(swap)
    refused_by: RuleBroken | None = None
    if decision == "approved":
        mine, theirs = state.shift(swap.requester_shift_id), state.shift(swap.partner_shift_id)
        if mine is None or theirs is None:
            raise NotFound(
                "shift", swap.requester_shift_id if mine is None else swap.partner_shift_id
            )
        try:
            check_swap(
                state.problem,
                state.seats,
                swap_seats(
                    state.problem,
                    state.seats,
                    requester_id=swap.requester_id,
                    requester_shift=mine,
                    partner_id=swap.partner_id,
                    partner_shift=theirs,
                    now=now,
                ),
            )
        except RuleBroken as broken:
            refused_by = broken
        else:
            for shift, giver, taker in (
                (mine, swap.requester_id, swap.partner_id),
                (theirs, swap.partner_id, swap.requester_id),
            ):
                await hand_over(
                    conn,
                    college=college,
                    shift=shift,
                    from_person=giver,
                    to_person=taker,
                    why="swap",
                    actor_id=decided_by,
                    now=now,
                    grace_min=grace_min,
                    details={"swap_id": str(swap_id)},
                    keep_swap=swap_id,
                )
    outcome: SwapDecision = "refused" if refused_by is not None else decision
    if refused_by is not None:
        reason = f"{refused_by.rule}: {refused_by.message}"[:500]
    final = decided(swap, decision=outcome, by=decided_by, reason=reason, now=now)
    await repository.save_decision(conn, final)
    event = SwapDecided(
        college=college,
        swap_id=swap_id,
        rota_id=swap.rota_id,
        decision=outcome,
        decided_by=decided_by,
        reason=final.reason,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    await rota_records.audit(
        conn,
        college=college,
        rota_id=swap.rota_id,
        at=now,
        actor_id=decided_by,
        action=f"swap_{final.status}",
        shift_id=swap.requester_shift_id,
        details={
            "swap_id": str(swap_id),
            "reason": final.reason,
            "rule": refused_by.rule if refused_by is not None else None,
        },
    )
    return SwapOutcome(final, refused_by)


async def swaps_of(
    conn: asyncpg.Connection,
    *,
    college: str,
    rota_id: UUID,
    person_id: str | None,
    paging: Paging,
) -> list[Swap]:
    return await repository.swaps_of_rota(
        conn, college=college, rota_id=rota_id, person_id=person_id, paging=paging
    )
