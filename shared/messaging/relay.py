"""The outbox relay: publishes committed outbox rows, then marks them sent.

Each round runs in one transaction holding the lanes' advisory locks and the
rows' locks, so replicas never publish the same lane at once. A relay that dies
after publishing but before marking leaves the rows unsent; they are published
again and the consumers' inboxes drop the duplicates.
"""

from __future__ import annotations

import asyncio

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge

from shared.messaging.failures import RetryPolicy, is_retryable
from shared.messaging.outbox import WAKE_CHANNEL_PREFIX, claim_pending, mark_sent

log = structlog.get_logger(__name__)

RELAYED = Counter("campusflow_outbox_relayed_total", "Outbox rows published", ["service"])
RELAY_ERRORS = Counter("campusflow_outbox_relay_errors_total", "Failed relay rounds", ["service"])
RELAY_UP = Gauge("campusflow_outbox_relay_running", "1 while the relay loop runs", ["service"])


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
        """Publish one batch of pending rows; return how many were published."""
        async with self._pool.acquire() as conn, conn.transaction():
            pending = await claim_pending(conn, limit=self._batch_size)
            if not pending:
                return 0
            sends = [
                await self._producer.send(m.topic, value=m.value, key=m.key, headers=m.headers)
                for m in pending
            ]
            await asyncio.gather(*sends)
            await mark_sent(conn, [m.id for m in pending])
        RELAYED.labels(self._service).inc(len(pending))
        return len(pending)

    async def run(self, stop: asyncio.Event) -> None:
        RELAY_UP.labels(self._service).set(1)
        failures = 0
        wake = asyncio.Event()
        listener = _WakeListener(self._pool, wake)
        try:
            while not stop.is_set():
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
