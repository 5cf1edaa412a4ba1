"""The outbox relay: publishes committed outbox rows, then marks them sent.

Each round runs in one transaction holding the lanes' advisory locks and the
rows' locks, so replicas never publish the same lane at once. A relay that dies
after publishing but before marking leaves the rows unsent; they are published
again and the consumers' inboxes drop the duplicates.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge

from shared.db.pool import ACQUIRE_TIMEOUT_S, connection_within
from shared.messaging.failures import RetryPolicy, is_retryable
from shared.messaging.outbox import (
    WAKE_CHANNEL_PREFIX,
    PendingMessage,
    claim_pending,
    mark_sent,
    prune_delivered,
    record_failure,
)
from shared.supervisor import LoopHealth, sleep_or_stop

log = structlog.get_logger(__name__)

RELAYED = Counter("campusflow_outbox_relayed_total", "Outbox rows published", ["service"])
RELAY_ERRORS = Counter("campusflow_outbox_relay_errors_total", "Failed relay rounds", ["service"])
RELAY_UP = Gauge("campusflow_outbox_relay_running", "1 while the relay loop runs", ["service"])
RELAY_LISTENING = Gauge(
    "campusflow_outbox_relay_listening",
    "1 while the relay LISTENs for outbox commits (0: it polls)",
    ["service"],
)

# Sent outbox rows are kept a week (to look into), inbox rows 90 days: longer than any
# redelivery or dead-letter replay of an event can come after it was first applied.
OUTBOX_RETENTION = timedelta(days=7)
INBOX_RETENTION = timedelta(days=90)
PRUNE_EVERY_S = 3600.0
# After losing its LISTEN connection, the relay tries again this often (polling meanwhile).
RELISTEN_EVERY_S = 1.0
LISTEN_CONNECT_TIMEOUT_S = 5.0


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        batch_size: int = 500,
        idle_sleep_s: float = 0.05,
        acquire_timeout_s: float = ACQUIRE_TIMEOUT_S,
    ) -> None:
        self._service = service
        # The relay keeps its LISTEN connection while it waits for a round's: never without
        # end (a pool all held by such waiters would deadlock); a wait too long is a failed
        # round, backed off and tried again.
        self._acquire_timeout_s = acquire_timeout_s
        self._pool = pool
        self._producer = producer
        self._batch_size = batch_size
        self._idle_sleep_s = idle_sleep_s
        self._backoff = RetryPolicy()
        # The last round published nothing because Kafka refused every row it tried.
        self.blocked = False

    async def relay_once(self) -> int:
        """Publish one batch of pending rows; return how many were published.

        A row Kafka refuses (a topic not created yet, a record too large) stops its
        lane only: its lane's later rows wait behind it, so one aggregate's events
        never overtake each other, while every other lane goes on.
        """
        acquiring = connection_within(self._pool, self._acquire_timeout_s)
        async with acquiring as conn, conn.transaction():
            pending = await claim_pending(conn, limit=self._batch_size)
            if not pending:
                self.blocked = False
                return 0
            outcomes = await self._publish(pending)
            stuck_lanes: dict[int, tuple[PendingMessage, BaseException]] = {}
            sent = []
            for message, failure in zip(pending, outcomes, strict=True):
                if message.lane in stuck_lanes:
                    continue
                if failure is None:
                    sent.append(message.id)
                else:
                    stuck_lanes[message.lane] = (message, failure)
            await mark_sent(conn, sent)
            for message, failure in stuck_lanes.values():
                await record_failure(conn, message_id=message.id, error=repr(failure))
        RELAYED.labels(self._service).inc(len(sent))
        self.blocked = bool(stuck_lanes) and not sent
        if stuck_lanes:
            RELAY_ERRORS.labels(self._service).inc()
            message, failure = next(iter(stuck_lanes.values()))
            log.error(
                "outbox rows cannot be published; their lanes wait",
                lanes=sorted(stuck_lanes),
                outbox_id=message.id,
                topic=message.topic,
                error=repr(failure)[:500],
            )
        return len(sent)

    async def _publish(self, pending: list[PendingMessage]) -> list[BaseException | None]:
        """Send all (pipelined, in order), then wait for each acknowledgement."""
        deliveries: list[asyncio.Future[object] | BaseException] = []
        for message in pending:
            try:
                deliveries.append(
                    await self._producer.send(
                        message.topic, value=message.value, key=message.key, headers=message.headers
                    )
                )
            except Exception as refused:  # refused before it left: too large, unknown topic
                deliveries.append(refused)
        outcomes: list[BaseException | None] = []
        for delivery in deliveries:
            if isinstance(delivery, BaseException):
                outcomes.append(delivery)
                continue
            try:
                await delivery
                outcomes.append(None)
            except Exception as failed:
                outcomes.append(failed)
        return outcomes

    async def run(self, stop: asyncio.Event, health: LoopHealth | None = None) -> None:
        """Relay until `stop`. A failed round (database or broker away) is logged, backed
        off and retried; nothing in here ends the loop but `stop`. The NOTIFY listener
        is re-established after any loss; while it is down the relay polls."""
        health = health if health is not None else LoopHealth()
        RELAY_UP.labels(self._service).set(1)
        failures = 0
        wake = asyncio.Event()
        listener = _WakeListener(self._pool, wake, service=self._service)
        try:
            while not stop.is_set():
                wake.clear()
                await listener.ensure_listening()
                try:
                    published = await self.relay_once()
                except Exception as error:
                    failures += 1
                    health.failed(error)
                    RELAY_ERRORS.labels(self._service).inc()
                    log.warning(
                        "outbox relay round failed",
                        retryable=is_retryable(error),
                        failures=failures,
                        error=repr(error)[:500],
                    )
                    await sleep_or_stop(stop, self._backoff.delay(min(failures, 6)))
                    continue
                if failures:
                    log.info("outbox relay recovered", failed_rounds=failures)
                failures = 0
                if self.blocked:  # Kafka refuses every row: running, but not delivering
                    health.failed(RuntimeError("no outbox row could be published"))
                else:
                    health.succeeded()
                if published < self._batch_size:
                    # Woken by the next commit's NOTIFY; the timeout is the safety net,
                    # and short while the listener is down (then polling is all there is).
                    idle = self._idle_sleep_s
                    if not listener.listening:
                        idle = min(idle, RELISTEN_EVERY_S)
                    await _first_of(stop, wake, seconds=idle)
        finally:
            await listener.close()
            RELAY_UP.labels(self._service).set(0)


async def prune_periodically(
    pool: asyncpg.Pool,
    stop: asyncio.Event,
    health: LoopHealth | None = None,
    *,
    every_s: float = PRUNE_EVERY_S,
    also: Sequence[Callable[[asyncpg.Connection], Awaitable[int]]] = (),
) -> None:
    """Delete sent outbox rows and old inbox rows once every `every_s`, first at start,
    and whatever else the kernel keeps for a while (`also`: the expired idempotency keys)."""
    health = health if health is not None else LoopHealth()
    while not stop.is_set():
        now = datetime.now(UTC)
        try:
            async with pool.acquire() as conn:
                await prune_delivered(
                    conn,
                    sent_before=now - OUTBOX_RETENTION,
                    received_before=now - INBOX_RETENTION,
                )
                for prune in also:
                    await prune(conn)
            health.succeeded()
        except Exception as error:  # pruning can wait for the next round
            health.failed(error)
            log.warning("pruning the outbox and inbox failed", error=repr(error)[:300])
        await sleep_or_stop(stop, every_s)


class _WakeListener:
    """LISTENs for the outbox's NOTIFY on a connection of its own; re-listens after a loss.

    Losing the connection costs only latency: the relay polls meanwhile. Nothing here
    raises: a failure to listen is logged once per loss and tried again a little later.
    When the server ends the connection, asyncpg hands its pool slot back and detaches
    the proxy (whose methods then raise InterfaceError); the termination listener tells
    us, and we never call the dead proxy to find out.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        wake: asyncio.Event,
        *,
        service: str = "",
        retry_every_s: float = RELISTEN_EVERY_S,
    ) -> None:
        self._pool = pool
        self._wake = wake
        self._service = service
        self._retry_every_s = retry_every_s
        self._conn: asyncpg.pool.PoolConnectionProxy | None = None
        self._alive = False
        self._channel = ""
        self._next_try = 0.0
        self._down_since: float | None = None

    @property
    def listening(self) -> bool:
        return self._conn is not None and self._alive

    async def ensure_listening(self) -> None:
        if self.listening or time.monotonic() < self._next_try:
            return
        await self.close()
        self._next_try = time.monotonic() + self._retry_every_s
        try:
            conn = await self._pool.acquire(timeout=LISTEN_CONNECT_TIMEOUT_S)
        except Exception as error:
            self._lost_for(error)
            return
        try:
            self._channel = await conn.fetchval(
                "SELECT $1 || current_schema()", WAKE_CHANNEL_PREFIX
            )
            await conn.add_listener(self._channel, self._notified)
            conn.add_termination_listener(self._terminated)
        except Exception as error:
            await _release_quietly(self._pool, conn)
            self._lost_for(error)
            return
        self._conn, self._alive = conn, True
        RELAY_LISTENING.labels(self._service).set(1)
        if self._down_since is not None:
            log.info(
                "outbox relay listens again",
                down_s=round(time.monotonic() - self._down_since, 2),
            )
            self._down_since = None
        self._wake.set()  # a commit may have come while nobody listened

    def _lost_for(self, error: BaseException) -> None:
        RELAY_LISTENING.labels(self._service).set(0)
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.warning(
                "outbox relay cannot listen for commits; polling until it can",
                error=repr(error)[:300],
            )

    def _notified(self, *_: object) -> None:
        self._wake.set()

    def _terminated(self, *_: object) -> None:
        self._alive = False
        self._lost_for(ConnectionError("the LISTEN connection was closed"))
        self._wake.set()  # relay now: the next round re-listens

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        alive, self._alive = self._alive, False
        if conn is None:
            return
        if alive:
            try:
                conn.remove_termination_listener(self._terminated)
                await conn.remove_listener(self._channel, self._notified)
            except Exception as error:  # it died meanwhile: the pool replaces it
                log.info("outbox relay listener closed", error=repr(error)[:300])
        await _release_quietly(self._pool, conn)


async def _release_quietly(pool: asyncpg.Pool, conn: asyncpg.pool.PoolConnectionProxy) -> None:
    try:
        await pool.release(conn)  # a no-op for a proxy asyncpg already took back
    except Exception as error:
        log.info("releasing a lost connection failed", error=repr(error)[:300])


async def _first_of(*events: asyncio.Event, seconds: float) -> None:
    """Wait until any event is set or `seconds` pass."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
