"""Open shifts: a member who cannot come offers their seat to the members who may take it
under every hard rule; the first valid taker wins (the rota's lock orders the takers, and
only an open offer is taken), and the department head learns it from ShiftChanged. Each
use case runs in the one transaction it is handed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.scheduling.domain.rotas import (
    Judge,
    broken_rule,
    eligible_takers,
    ensure_holds,
    ensure_upcoming,
    may_take,
)
from services.scheduling.domain.rules import NotFound, RuleBroken
from services.scheduling.domain.shift_changes import (
    Offer,
    ensure_eligible,
    ensure_open,
    ensure_someone_eligible,
    taken,
)
from services.scheduling.repository import rotas as rota_records
from services.scheduling.repository import swaps as repository
from services.scheduling.service import SOURCE
from services.scheduling.service.rota_seats import (
    DEFAULT_GRACE_MIN,
    find_shift,
    hand_over,
    published_state,
)
from shared.events.scheduling import ShiftOffered
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging

MAX_ELIGIBLE_LISTED = 5000  # ShiftOffered.eligible holds at most this many


async def offer_shift(
    conn: asyncpg.Connection, *, college: str, shift_id: UUID, person_id: str, now: datetime
) -> Offer:
    found = await find_shift(conn, college=college, shift_id=shift_id)
    state = await published_state(conn, college=college, rota_id=found.rota_id)
    shift = state.shift(shift_id) or found
    ensure_holds(shift, person_id, field="shift_id")
    ensure_upcoming(shift, field="shift_id", now=now)
    eligible = eligible_takers(state.problem, state.seats, shift, holder=person_id)
    ensure_someone_eligible(eligible, shift_id)
    offer = Offer(
        college=college,
        offer_id=uuid4(),
        rota_id=shift.rota_id,
        shift_id=shift_id,
        person_id=person_id,
        eligible=tuple(eligible[:MAX_ELIGIBLE_LISTED]),
        status="open",
        offered_at=now,
    )
    try:
        async with conn.transaction():  # a savepoint: the caller stays usable
            await repository.insert_offer(conn, offer)
    except asyncpg.UniqueViolationError as duplicate:
        raise RuleBroken(
            "one_open_offer",
            field="shift_id",
            message=f"{person_id} offers this shift already",
        ) from duplicate
    event = ShiftOffered(
        college=college,
        offer_id=offer.offer_id,
        shift_id=shift_id,
        rota_id=shift.rota_id,
        person_id=person_id,
        eligible=list(offer.eligible),
        starts_at=shift.starts_at,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    await rota_records.audit(
        conn,
        college=college,
        rota_id=shift.rota_id,
        at=now,
        actor_id=person_id,
        action="shift_offered",
        shift_id=shift_id,
        details={"offer_id": str(offer.offer_id), "eligible": len(offer.eligible)},
    )
    return offer


async def find_offer(conn: asyncpg.Connection, *, college: str, offer_id: UUID) -> Offer:
    offer = await repository.get_offer(conn, college=college, offer_id=offer_id)
    if offer is None:
        raise NotFound("offer", offer_id)
    return offer


async def take_offer(
    conn: asyncpg.Connection,
    *,
    college: str,
    offer_id: UUID,
    taker: str,
    now: datetime,
    grace_min: int = DEFAULT_GRACE_MIN,
) -> Offer:
    """The taker gets the seat if the offer still stands and taking it breaks no hard rule
    of the rota as it stands now; a second taker finds the offer taken."""
    first_look = await find_offer(conn, college=college, offer_id=offer_id)
    ensure_eligible(first_look, taker)
    state = await published_state(
        conn, college=college, rota_id=first_look.rota_id
    )  # takers queue here
    offer = await repository.get_offer(conn, college=college, offer_id=offer_id, for_update=True)
    if offer is None:
        raise NotFound("offer", offer_id)
    ensure_open(offer)
    shift = state.shift(offer.shift_id)
    if shift is None:
        raise NotFound("shift", offer.shift_id)
    ensure_upcoming(shift, field="offer_id", now=now)
    ensure_holds(shift, offer.person_id, field="offer_id")
    broken = may_take(Judge(state.problem), state.seats, shift, holder=offer.person_id, taker=taker)
    if broken:
        raise broken_rule(broken, field="offer_id", what=f"{taker} taking this shift")
    took = taken(offer, by=taker, now=now)
    if not await repository.save_taken(conn, took):
        raise RuleBroken("offer_open", field="offer_id", message="another member took it first")
    await hand_over(
        conn,
        college=college,
        shift=shift,
        from_person=offer.person_id,
        to_person=taker,
        why="open_shift",
        actor_id=taker,
        now=now,
        grace_min=grace_min,
        details={"offer_id": str(offer_id)},
        keep_offer=offer_id,
    )
    return took


async def offers_of(
    conn: asyncpg.Connection, *, college: str, rota_id: UUID, open_only: bool, paging: Paging
) -> list[Offer]:
    return await repository.offers_of_rota(
        conn, college=college, rota_id=rota_id, open_only=open_only, paging=paging
    )
