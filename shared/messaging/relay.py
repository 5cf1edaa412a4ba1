"""The outbox relay: publishes committed outbox rows, then marks them sent.

Each round runs in one transaction holding the lanes' advisory locks and the
rows' locks, so replicas never publish the same lane at once. A relay that dies
after publishing but before marking leaves the rows unsent; they are published
again and the consumers' inboxes drop the duplicates.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge

from shared.messaging.failures import RetryPolicy, is_retryable
from shared.messaging.outbox import (
    WAKE_CHANNEL_PREFIX,
    PendingMessage,
    claim_pending,
    mark_sent,
    prune_delivered,
    record_failure,
)

log = structlog.get_logger(__name__)

RELAYED = Counter("campusflow_outbox_relayed_total", "Outbox rows published", ["service"])
RELAY_ERRORS = Counter("campusflow_outbox_relay_errors_total", "Failed relay rounds", ["service"])
RELAY_UP = Gauge("campusflow_outbox_relay_running", "1 while the relay loop runs", ["service"])

# Sent outbox rows are kept a week (to look into), inbox rows 90 days: longer than any
# redelivery or dead-letter replay of an event can come after it was first applied.
OUTBOX_RETENTION = timedelta(days=7)
INBOX_RETENTION = timedelta(days=90)
PRUNE_EVERY_S = 3600.0


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        batch_size: int = 500,
        idle_sleep_s: float = 0.05,
    ) -> None:
        self._service = service
        self._pool = pool
        self._producer = producer
        self._batch_size = batch_size
        self._idle_sleep_s = idle_sleep_s
        self._backoff = RetryPolicy()

    async def relay_once(self) -> int:
        """Publish one batch of pending rows; return how many were published.

        A row Kafka refuses (a topic not created yet, a record too large) stops its
        lane only: its lane's later rows wait behind it, so one aggregate's events
        never overtake each other, while every other lane goes on.
        """
        async with self._pool.acquire() as conn, conn.transaction():
            pending = await claim_pending(conn, limit=self._batch_size)
            if not pending:
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

    async def _prune(self) -> None:
        now = datetime.now(UTC)
        try:
            async with self._pool.acquire() as conn:
                await prune_delivered(
                    conn,
                    sent_before=now - OUTBOX_RETENTION,
                    received_before=now - INBOX_RETENTION,
                )
        except Exception as error:  # pruning can wait for the next hour
            log.warning("pruning the outbox and inbox failed", error=repr(error)[:300])

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

    async def run(self, stop: asyncio.Event) -> None:
        RELAY_UP.labels(self._service).set(1)
        failures = 0
        wake = asyncio.Event()
        listener = _WakeListener(self._pool, wake)
        next_prune = 0.0
        try:
            while not stop.is_set():
                if time.monotonic() >= next_prune:
                    next_prune = time.monotonic() + PRUNE_EVERY_S
                    await self._prune()
                await listener.ensure_listening()
                wake.clear()
                try:
                    published = await self.relay_once()
                    failures = 0
                except Exception as error:
                    failures += 1
                    RELAY_ERRORS.labels(self._service).inc()
                    log.warning(
                        "outbox relay round failed",
                        retryable=is_retryable(error),
                        error=repr(error)[:500],
                    )
                    await _sleep_or_stop(stop, self._backoff.delay(min(failures, 6)))
                    continue
                if published < self._batch_size:
                    # Woken by the next commit's NOTIFY; the timeout is the safety net.
                    await _first_of(stop, wake, seconds=self._idle_sleep_s)
        finally:
            await listener.close()
            RELAY_UP.labels(self._service).set(0)


class _WakeListener:
    """LISTENs for the outbox's NOTIFY on a connection of its own; re-listens after a loss.

    Losing the connection costs only latency: the relay still polls.
    """

    def __init__(self, pool: asyncpg.Pool, wake: asyncio.Event) -> None:
        self._pool = pool
        self._wake = wake
        self._conn: asyncpg.pool.PoolConnectionProxy | None = None
        self._channel = ""

    async def ensure_listening(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            return
        await self.close()
        try:
            conn = await self._pool.acquire()
            self._channel = await conn.fetchval(
                "SELECT $1 || current_schema()", WAKE_CHANNEL_PREFIX
            )
            await conn.add_listener(self._channel, self._notified)
            self._conn = conn
        except Exception as error:
            log.warning("outbox relay cannot listen; polling only", error=repr(error)[:300])

    def _notified(self, *_: object) -> None:
        self._wake.set()

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if not conn.is_closed():
                await conn.remove_listener(self._channel, self._notified)
            await self._pool.release(conn)
        except Exception as error:  # a dead connection: the pool replaces it
            log.info("outbox relay listener closed", error=repr(error)[:300])


async def _first_of(*events: asyncio.Event, seconds: float) -> None:
    """Wait until any event is set or `seconds` pass."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    await _first_of(stop, seconds=seconds)
