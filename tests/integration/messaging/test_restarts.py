"""The kernel survives a database that goes away under it, on the real PostgreSQL and Kafka.

Each test here failed before its mend (issue "Survive restarts", findings 1 and 2):
the relay died for good when its LISTEN connection was terminated, and a consumer
dead-lettered a good event when asyncpg reported a connection caught mid-operation.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from shared.db.pool import close_pool, create_pool
from shared.events import ApplicationSubmitted
from shared.events.base import Envelope
from shared.events.registry import RECRUITMENT_APPLICATIONS
from shared.messaging.consumer import EventConsumer, EventProcessor, Handler
from shared.messaging.dead_letters import DeadLetterPublisher
from shared.messaging.failures import RetryPolicy
from shared.messaging.outbox import append_to_outbox
from shared.messaging.relay import RELAY_UP, OutboxRelay
from shared.supervisor import LoopHealth
from tests.support.kafka import wait_until
from tests.support.kernel import SCHEMA, application, effect_counts, encoded, record_effect
from tools.stack import StackEndpoints

pytestmark = pytest.mark.integration
TOPIC = RECRUITMENT_APPLICATIONS.name
LISTENERS = (
    "SELECT pid FROM pg_stat_activity WHERE usename = $1 AND query LIKE 'LISTEN%'"
    " AND state = 'idle'"
)


async def unsent(pool: asyncpg.Pool, events: list[ApplicationSubmitted]) -> int:
    keys = [str(event.application_id).encode() for event in events]
    count: int = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND message_key = ANY($1::bytea[])",
        keys,
    )
    return count


async def add_to_outbox(pool: asyncpg.Pool, events: list[ApplicationSubmitted]) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await append_to_outbox(conn, events, source="/tests", now=datetime.now(UTC))


async def test_the_relay_listens_again_after_its_connection_is_terminated(
    stack: StackEndpoints, kernel_pool: asyncpg.Pool, producer: AIOKafkaProducer
) -> None:
    """Finding 1: `pg_terminate_backend` of the LISTEN connection stopped the relay for good.

    The relay's poll is set to 60 s, so only a working NOTIFY (or the short poll while it
    re-listens) can publish within the test's limits.
    """
    admin = await asyncpg.connect(stack.postgres_admin_dsn)
    relay = OutboxRelay(service="kernel_test", pool=kernel_pool, producer=producer, idle_sleep_s=60)
    stop, health = asyncio.Event(), LoopHealth()
    running = asyncio.create_task(relay.run(stop, health))
    try:

        async def listening() -> bool:
            return len(await admin.fetch(LISTENERS, SCHEMA)) == 1

        await wait_until(listening, timeout_s=15, what="the relay's LISTEN connection")
        for round_number in range(3):  # and again: each loss is survived, not just the first
            killed = await admin.fetch(
                f"SELECT pg_terminate_backend(pid) FROM ({LISTENERS}) AS listeners", SCHEMA
            )
            assert len(killed) == 1
            events = [application() for _ in range(5)]
            await add_to_outbox(kernel_pool, events)

            async def published(events: list[ApplicationSubmitted] = events) -> bool:
                return await unsent(kernel_pool, events) == 0

            await wait_until(published, timeout_s=15, what=f"round {round_number}: published")
            assert not running.done(), running
            await wait_until(listening, timeout_s=15, what="the relay listening again")

        # Listening again means woken by the commit: well before the 60 s poll.
        events = [application() for _ in range(3)]
        started = asyncio.get_running_loop().time()
        await add_to_outbox(kernel_pool, events)
        await wait_until(
            lambda: _all_sent(kernel_pool, events), timeout_s=15, what="woken by NOTIFY"
        )
        assert asyncio.get_running_loop().time() - started < 15
        assert RELAY_UP.labels("kernel_test")._value.get() == 1
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=15)
        await admin.close()


async def test_a_relay_round_waits_for_a_connection_only_so_long(
    kernel_dsn: str, producer: AIOKafkaProducer
) -> None:
    """The relay keeps its LISTEN connection while a round waits for its own: a round that
    waited without end on a pool all held so would never end. It fails after its wait
    (the loop backs off and tries again) and publishes once a connection is back."""
    pool = await create_pool(kernel_dsn, schema=SCHEMA, max_size=2)
    relay = OutboxRelay(service="kernel_test", pool=pool, producer=producer, acquire_timeout_s=0.3)
    held = [await pool.acquire() for _ in range(2)]
    try:
        events = [application() for _ in range(3)]
        async with held[0].transaction():
            await append_to_outbox(held[0], events, source="/tests", now=datetime.now(UTC))
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(relay.relay_once(), timeout=30)
        assert time.monotonic() - started < 10  # its own wait, not the test's limit
        await pool.release(held.pop())
        assert await relay.relay_once() == 3
        assert await unsent(pool, events) == 0
    finally:
        for conn in held:
            await pool.release(conn)
        await close_pool(pool)


async def _all_sent(pool: asyncpg.Pool, events: list[ApplicationSubmitted]) -> bool:
    return await unsent(pool, events) == 0


@dataclass(frozen=True)
class _Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


def _record(event: ApplicationSubmitted, offset: int) -> _Record:
    message = encoded(event)
    return _Record(TOPIC, 0, offset, message.key, message.value, list(message.headers))


CLIENT_CONNECTION_STATES = [
    asyncpg.exceptions.InternalClientError(
        "cannot switch to state 15; another operation (2) is in progress"
    ),
    asyncpg.InterfaceError(
        "cannot call Connection.execute(): connection has been released back to the pool"
    ),
    asyncpg.InterfaceError("cannot perform operation: connection is closed"),
    asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of op"),
    ConnectionResetError(104, "Connection reset by peer"),
]


@pytest.mark.parametrize("failure", CLIENT_CONNECTION_STATES, ids=lambda e: type(e).__name__)
async def test_a_connection_lost_mid_event_is_retried_not_dead_lettered(
    kernel_pool: asyncpg.Pool, producer: AIOKafkaProducer, failure: Exception
) -> None:
    """Finding 2: a valid event went to the DLT with `InternalClientError` as the database
    died. The handler here fails as asyncpg does while the server goes away, twice, then
    the database is back: the event takes effect once and nothing is dead-lettered."""
    calls = 0

    async def flaky(
        conn: asyncpg.Connection, event: ApplicationSubmitted, envelope: Envelope
    ) -> None:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise failure
        await record_effect(conn, event, envelope)

    consumer = EventConsumer(
        f"flaky-{uuid4().hex[:6]}", handlers=[Handler(ApplicationSubmitted, flaky)]
    )
    letters: list[BaseException] = []

    class Recording(DeadLetterPublisher):
        async def send(self, record: object, *, consumer: str, error: BaseException) -> None:  # type: ignore[override]
            letters.append(error)

    processor = EventProcessor(
        consumer,
        kernel_pool,
        Recording(producer),
        retry=RetryPolicy(first_delay_s=0.01, max_delay_s=0.05, deadline_s=5),
    )
    event = application()
    await processor.process([_record(event, offset=0)])
    assert letters == []
    counts: dict[UUID, int] = await effect_counts(kernel_pool, [event.application_id])
    assert counts == {event.application_id: 1}
    assert calls == 3
