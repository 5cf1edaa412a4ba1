"""The dispatcher: a supervised background loop on every replica.

Each round it releases the held messages whose hold ended, claims due deliveries
(`FOR UPDATE SKIP LOCKED`: replicas never share one; a claim lapses after
`dispatch_claim_timeout_s` and another replica takes the delivery over), words each
(TEMPLATES, from the fields stored on the message), finds the contact point (PREFS),
asks Redis whether it may send (rate limits, circuit breaker), calls the channel's
sender with the delivery's idempotency key, and records the attempt (dispatch_record;
the attempts finished meanwhile together, one transaction). A batch's addresses are
read in one query, and its deliveries alike in content are worded once.

While a round sends, it renews its claims every sixth of the claim's time, and a send
starts only while its claim holds for longer than a send may take (half the claim; see
dispatch_claims.RoundClaims): a slow provider, a stall or a database away never lets
another replica take over a delivery this one is sending. A dispatcher asked to stop
(SIGTERM: a rolling update, a scale-down, `campusflow stack down`) starts no further
send and at once gives back the round's deliveries it had not started (due at once for
any replica, their attempt unopened); the sends under way finish and are recorded.
Stopping therefore sends nothing twice, as long as the sends under way finish within the
loop supervisor's 10 s.

Exactly once: a delivery is sent again only when a dispatcher died (SIGKILL, a crash, a
lost machine, a stop that outlasted the 10 s) between the provider accepting it and the
record's commit. Then the next attempt carries the same idempotency key: a provider that
honours it makes no second copy; one that does not (SMTP) makes one more per such crash,
at most `dispatch_max_attempts` in all (abandoned attempts count toward the limit).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import structlog

from services.notifications.channels import ChannelSender, Outgoing, SendOutcome
from services.notifications.channels.registry import channel_senders
from services.notifications.domain.delivery import Rendering, idempotency_key
from services.notifications.domain.delivery_records import ClaimedDelivery
from services.notifications.repository import deliveries as delivery_rows
from services.notifications.repository.prefetch import contact_addresses_prefetched
from services.notifications.service.dispatch_claims import ClaimKeeper, RoundClaims
from services.notifications.service.dispatch_record import (
    Attempted,
    AttemptResult,
    GroupRecorder,
)
from services.notifications.service.messages import Renderer, release_held
from services.notifications.service.preferences import contact_address
from services.notifications.service.protection import Limits, Protection
from services.notifications.service.templates import render_message
from services.notifications.settings import NotificationsSettings
from shared.config import ServiceSettings
from shared.db.pool import connection_within
from shared.supervisor import Loop, LoopHealth, sleep_or_stop

log = structlog.get_logger(__name__)

# How many sends of one round run at once (16: one dispatcher then sustains about 220
# emails/s in issue 10's benchmark on the 2-core machine, where 8 gave 178/s in the same
# hour: it waits on round trips, not on its CPU). Each keeps its place from before the
# send until its record commits, so a crash leaves at most this many sent-but-unrecorded
# deliveries (each sent again once: one duplicate per crash and channel that honours no
# idempotency key). The round's records go over RECORD_CONNECTIONS connections taken
# before its first send, those finished meanwhile together (dispatch_record.GroupRecorder):
# while it sends a round holds no more connections than that (the claim's is back by then):
# half the service's pool of 10, so a slow provider never starves the API, the consumers
# and the relay of connections.
SEND_CONCURRENCY = 16
# Half the service's pool of 10 (the API, the consumers and the relay keep the rest): a
# finished send takes a free one; when all are busy, the attempts finished meanwhile go
# together in the next free one's transaction.
RECORD_CONNECTIONS = 5
# How long a round waits for each record connection after its first (see
# Dispatcher._record_connections): a busy pool costs a round no more than this a connection.
RECORD_CONNECTION_WAIT_S = 0.2
AddressLookup = Callable[..., Awaitable[str | None]]


@dataclass(frozen=True)
class _Prepared:
    claimed: ClaimedDelivery
    rendering: Rendering | None
    address: str | None
    problem: str  # why it cannot be sent ('' when it can)


def limits_of(settings: NotificationsSettings) -> Limits:
    return Limits(
        per_recipient_per_min=settings.rate_per_recipient_per_min,
        per_channel_per_s=settings.rate_per_channel_per_s,
        breaker_failures=settings.breaker_failures,
        breaker_open_s=settings.breaker_open_s,
    )


class Dispatcher:
    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: NotificationsSettings,
        *,
        senders: Mapping[str, ChannelSender],
        protection: Protection,
        render: Renderer,
        address: AddressLookup,
        claimer: str | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.senders = senders
        self.protection = protection
        self.render = render
        self.address = address
        self.claimer = claimer or f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:6]}"
        self.jitter = jitter
        self._sending = asyncio.Semaphore(SEND_CONCURRENCY)
        # A send must answer within half the claim: one starts only while the claim holds
        # that long, so it ends before another replica could take the delivery over.
        self._send_timeout_s = settings.dispatch_claim_timeout_s / 2

    async def run(self, stop: asyncio.Event, health: LoopHealth) -> None:
        while not stop.is_set():
            try:
                busy = await self.round(stop=stop)
                health.succeeded()
            except (OSError, asyncpg.PostgresError, TimeoutError) as error:
                health.failed(error)
                log.warning("dispatch round failed", error=repr(error)[:300])
                busy = False
            if not busy:
                await sleep_or_stop(stop, self.settings.dispatch_idle_sleep_s)

    async def round(
        self, now: datetime | None = None, *, stop: asyncio.Event | None = None
    ) -> bool:
        """One round; True when there may be more due at once (a full batch). Once `stop`
        is set it starts no further send and gives back at once the claims it has not
        started (see RoundClaims)."""
        now = now or datetime.now(UTC)
        stop = stop or asyncio.Event()
        batch = self.settings.dispatch_batch_size
        async with self.pool.acquire() as conn, conn.transaction():
            released = await release_held(conn, now=now, limit=batch, render=self.render)
        if stop.is_set():
            return False
        claimed_at = time.monotonic()  # before the claim: its end is no later than this + C
        prepared = await self._claim(now)
        if not prepared:
            return released >= batch
        claims = RoundClaims(
            stop=stop,
            held_until=claimed_at + self.settings.dispatch_claim_timeout_s,
            pending={item.claimed.delivery_id: item.claimed for item in prepared},
        )
        keeper = ClaimKeeper(self.pool, self.claimer, self.settings.dispatch_claim_timeout_s)
        renewing = asyncio.create_task(keeper.keep_renewed(claims))
        giving_back = asyncio.create_task(keeper.give_back_on_stop(claims))
        try:
            # The connections the round's records use, taken before any send: a send never
            # waits for one to be recorded. Never all of the pool: a renewal needs one.
            record_conns = min(RECORD_CONNECTIONS, len(prepared), self.pool.get_max_size() - 1)
            async with AsyncExitStack() as held:
                conns = await self._record_connections(held, record_conns)
                recorder = GroupRecorder(
                    conns, claimer=self.claimer, max_attempts=self.settings.dispatch_max_attempts
                )
                held.push_async_callback(recorder.aclose)  # before the connections go back
                outcomes = await asyncio.gather(
                    *(self._dispatch(item, recorder, claims) for item in prepared),
                    return_exceptions=True,
                )
        finally:
            claims.over.set()
            renewing.cancel()
            if not stop.is_set():
                giving_back.cancel()  # (once stopping, it is giving back: let it finish)
            await asyncio.gather(renewing, giving_back, return_exceptions=True)
            left = claims.take_pending()  # not started: the claim was too short, or cancelled
            if left:
                await asyncio.shield(keeper.give_back(left))
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        if failures:
            # Their deliveries stay claimed until the claim lapses, then are tried again.
            log.warning(
                "deliveries not recorded", count=len(failures), error=repr(failures[0])[:300]
            )
            raise failures[0]
        return released >= batch or len(prepared) >= batch

    async def _record_connections(
        self, held: AsyncExitStack, wanted: int
    ) -> list[asyncpg.Connection]:
        """The first connection is waited for; each other only RECORD_CONNECTION_WAIT_S,
        then the round goes on with those it has (fewer only means larger record groups).
        A round that held some while it waited for more without end would deadlock
        against another holder doing the same: two dispatchers on one pool did, in CI."""
        conns = [await held.enter_async_context(self.pool.acquire())]
        while len(conns) < wanted:
            try:
                acquiring = connection_within(self.pool, RECORD_CONNECTION_WAIT_S)
                conns.append(await held.enter_async_context(acquiring))
            except TimeoutError:
                break
            except (OSError, asyncpg.PostgresError) as error:  # opening one more failed
                log.warning(
                    "fewer record connections than wanted",
                    having=len(conns),
                    wanted=wanted,
                    error=repr(error)[:300],
                )
                break
        return conns

    async def _claim(self, now: datetime) -> list[_Prepared]:
        async with self.pool.acquire() as conn, conn.transaction():
            claimed = await delivery_rows.claim_due(
                conn,
                claimer=self.claimer,
                now=now,
                claim_for_s=self.settings.dispatch_claim_timeout_s,
                limit=self.settings.dispatch_batch_size,
            )
            if not claimed:
                return []
            # Every address of the batch in one query; one wording per message content.
            wanted = [(c.college, c.recipient_id, c.channel) for c in claimed]
            wordings: dict[str, Rendering | Exception] = {}
            async with contact_addresses_prefetched(conn, wanted):
                return [await self._prepare(conn, item, wordings) for item in claimed]

    async def _prepare(
        self,
        conn: asyncpg.Connection,
        claimed: ClaimedDelivery,
        wordings: dict[str, Rendering | Exception],
    ) -> _Prepared:
        rendering = await self._word(conn, claimed, wordings)
        if isinstance(rendering, Exception):  # a template that cannot word it: fail it
            log.warning("delivery cannot be worded", delivery_id=str(claimed.delivery_id))
            return _Prepared(claimed, None, None, f"cannot be worded: {rendering!r}"[:500])
        address = await self.address(
            conn, college=claimed.college, person_id=claimed.recipient_id, channel=claimed.channel
        )
        if address is None:
            return _Prepared(claimed, rendering, None, f"no {claimed.channel} contact point")
        if claimed.channel not in self.senders:
            return _Prepared(claimed, rendering, address, f"no sender for {claimed.channel}")
        return _Prepared(claimed, rendering, address, "")

    async def _word(
        self,
        conn: asyncpg.Connection,
        claimed: ClaimedDelivery,
        wordings: dict[str, Rendering | Exception],
    ) -> Rendering | Exception:
        """The delivery's wording; deliveries of one batch alike in all the wording reads
        (one event's recipients in a locale and zone) share it, worded once."""
        alike = json.dumps(
            [claimed.college, claimed.kind, claimed.locale, claimed.time_zone, claimed.fields],
            sort_keys=True,
            default=str,
            ensure_ascii=False,
        )
        if alike not in wordings:
            try:
                async with conn.transaction():  # a savepoint: a bad template spoils only itself
                    wordings[alike] = await self.render(
                        conn,
                        college=claimed.college,
                        kind=claimed.kind,
                        locale=claimed.locale,
                        fields=claimed.fields,
                        time_zone=claimed.time_zone,
                    )
            except Exception as error:  # never blocks the batch
                wordings[alike] = error
        return wordings[alike]

    async def _dispatch(
        self, item: _Prepared, recorder: GroupRecorder, claims: RoundClaims
    ) -> None:
        async with self._sending:
            if not claims.may_start(item.claimed.delivery_id, self._send_timeout_s):
                return
            result = await self._attempt(item)
            attempted = Attempted(item.claimed, result, item.rendering, self.jitter())
            decision = await recorder.record(attempted)
        if decision is None:
            log.warning("claim lapsed before recording", delivery_id=str(item.claimed.delivery_id))

    async def _attempt(self, item: _Prepared) -> AttemptResult:
        claimed = item.claimed
        if item.problem or item.rendering is None or item.address is None:
            return AttemptResult("permanent_failure", item.problem)
        admission = await self.protection.admit(
            college=claimed.college, recipient_id=claimed.recipient_id, channel=claimed.channel
        )
        if admission.breaker_open:
            return AttemptResult("breaker_open", f"{claimed.channel} circuit breaker open")
        if admission.wait_s > 0:
            return AttemptResult(
                "rate_limited", f"wait {admission.wait_s:.1f} s", retry_after_s=admission.wait_s
            )
        outgoing = Outgoing(
            message_id=claimed.message_id,
            delivery_id=claimed.delivery_id,
            attempt=claimed.attempt,
            channel=claimed.channel,
            college=claimed.college,
            recipient_id=claimed.recipient_id,
            address=item.address,
            locale=item.rendering.locale,
            kind=claimed.kind,
            title=item.rendering.title,
            body=item.rendering.body,
            fields=dict(claimed.fields),
            idempotency_key=idempotency_key(claimed.delivery_id),
        )
        sender = self.senders[claimed.channel]
        try:
            # Bounded: a send that hangs would hold the round (and its renewed claims).
            sent = await asyncio.wait_for(sender.send(outgoing), timeout=self._send_timeout_s)
        except TimeoutError:
            await self.protection.provider_failed(claimed.channel)
            return AttemptResult("temporary_failure", "the provider did not answer in time")
        except Exception as error:  # a sender's own bug: retried, then failed over
            log.exception("channel sender raised", channel=claimed.channel)
            return AttemptResult("temporary_failure", f"sender error: {error!r}"[:500])
        if sent.outcome is SendOutcome.TEMPORARY_FAILURE:
            await self.protection.provider_failed(claimed.channel)
        elif sent.outcome is not SendOutcome.PERMANENT_FAILURE and admission.failing:
            await self.protection.provider_succeeded(claimed.channel)
        return AttemptResult(sent.outcome.value, sent.detail, sent.provider_message_id)


async def close_senders(senders: Mapping[str, ChannelSender]) -> None:
    """Close what the senders keep open in this event loop (HTTP clients, SMTP
    connections); a sender without `aclose` keeps nothing. A later send reopens."""
    for channel, sender in senders.items():
        close = getattr(sender, "aclose", None)
        if close is None:
            continue
        try:
            await close()
        except Exception as error:  # closing must not mask why the loop stopped
            log.warning("sender did not close", channel=channel, error=repr(error)[:300])


def dispatch_loop(pool: asyncpg.Pool, settings: ServiceSettings) -> Loop:
    """The kernel's factory for the supervised "dispatch" loop (real senders and hooks)."""
    if not isinstance(settings, NotificationsSettings):
        raise TypeError("the dispatcher needs the notifications service's settings")
    senders = channel_senders(settings)
    claimer = f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:6]}"

    async def run(stop: asyncio.Event, health: LoopHealth) -> None:
        # A Redis client per run: a run the supervisor restarts starts with a fresh one.
        protection = Protection.from_url(settings.redis_url, limits_of(settings))
        dispatcher = Dispatcher(
            pool,
            settings,
            senders=senders,
            protection=protection,
            render=render_message,
            address=contact_address,
            claimer=claimer,
        )
        try:
            await dispatcher.run(stop, health)
        finally:
            await protection.close()
            await close_senders(senders)

    return run
