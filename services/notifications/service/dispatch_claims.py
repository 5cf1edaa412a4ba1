"""A dispatcher round's claims (service/dispatch.py): which it still holds and until
when, kept renewed while the round sends, and given back when the round will not send
them (the dispatcher is stopping, or a claim grew too short for a send)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import structlog

from services.notifications.domain.delivery_records import ClaimedDelivery
from services.notifications.repository import deliveries as delivery_rows
from shared.supervisor import sleep_or_stop

log = structlog.get_logger(__name__)


@dataclass
class RoundClaims:
    """A round's claims, and whether a send may still start.

    A send starts only for a delivery still pending (not given back), while the dispatcher
    is not stopping, the last renewal did not find the claim gone, and the claim holds at
    least a send's time (half the claim; a renewal every sixth keeps it at five sixths).
    So every send ends inside a claim this dispatcher held: no other replica can have
    taken the delivery over meanwhile, stalls and a database away included."""

    stop: asyncio.Event
    held_until: float  # time.monotonic() by which the claims still held lapse
    pending: dict[UUID, ClaimedDelivery]  # claimed, no send started
    lost: set[UUID] = field(default_factory=set)  # a renewal found them no longer ours
    over: asyncio.Event = field(default_factory=asyncio.Event)
    claimed: list[UUID] = field(default_factory=list)  # all of the round's

    def __post_init__(self) -> None:
        self.claimed = list(self.pending)

    def ids(self) -> list[UUID]:
        """What to renew: all the round claimed (the recorded ones are no longer claimed;
        a send under way is renewed until its record, which may come after the send)."""
        return self.claimed

    def renewed(self, ids: set[UUID], *, until: float) -> None:
        self.held_until = until
        self.lost.update(i for i in self.pending if i not in ids)

    def may_start(self, delivery_id: UUID, send_timeout_s: float) -> bool:
        """True (and no longer pending) when a send of it may start now."""
        if delivery_id not in self.pending or delivery_id in self.lost:
            return False
        if self.stop.is_set() or self.held_until - time.monotonic() < send_timeout_s:
            return False  # stays pending: given back
        del self.pending[delivery_id]
        return True

    def take_pending(self) -> list[ClaimedDelivery]:
        """The pending claims that are still this dispatcher's, no longer pending."""
        taken = [c for i, c in self.pending.items() if i not in self.lost]
        self.pending.clear()
        return taken


class ClaimKeeper:
    """Renews and gives back one dispatcher's claims over the pool."""

    def __init__(self, pool: asyncpg.Pool, claimer: str, claim_for_s: float) -> None:
        self.pool = pool
        self.claimer = claimer
        self.claim_for_s = claim_for_s

    async def keep_renewed(self, claims: RoundClaims) -> None:
        """Until the round is over, extend the claims the round still holds whenever a sixth
        of the claim's time has gone (at once when the round's preparation took longer).
        One that fails (the database is away) is tried again a sixth later; meanwhile the
        claims shorten, and below a send's time none starts."""
        claim_for_s = self.claim_for_s
        every_s = claim_for_s / 6
        while not claims.over.is_set():
            due_in = claims.held_until - (claim_for_s - every_s) - time.monotonic()
            await sleep_or_stop(claims.over, max(0.0, due_in))
            if claims.over.is_set():
                return
            asked = time.monotonic()
            try:
                async with asyncio.timeout(every_s):
                    async with self.pool.acquire() as conn:
                        renewed = await delivery_rows.renew_claims(
                            conn,
                            claimer=self.claimer,
                            delivery_ids=claims.ids(),
                            now=datetime.now(UTC),
                            claim_for_s=claim_for_s,
                        )
            except Exception as error:  # never silently: a renewal that died sends blind
                log.warning("claims not renewed", error=repr(error)[:300])
                await sleep_or_stop(claims.over, every_s)
                continue
            claims.renewed(renewed, until=asked + claim_for_s)

    async def give_back_on_stop(self, claims: RoundClaims) -> None:
        await claims.stop.wait()
        left = claims.take_pending()
        if left:
            await self.give_back(left)

    async def give_back(self, unstarted: list[ClaimedDelivery]) -> None:
        try:
            async with self.pool.acquire() as conn:
                given = await delivery_rows.give_back_claims(
                    conn,
                    claimer=self.claimer,
                    claimed=[(c.delivery_id, c.attempt) for c in unstarted],
                    now=datetime.now(UTC),
                )
        except (OSError, asyncpg.PostgresError) as error:  # their claims lapse instead
            log.warning("claims not given back", count=len(unstarted), error=repr(error)[:300])
            return
        log.info("claims given back", given=given, unstarted=len(unstarted))
