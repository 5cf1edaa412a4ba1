"""The kernel's real path, assembled in one process as a service assembles it.

Writer → `append_to_outbox` → `OutboxRelay` (platform producer, default batch
size and idle poll) → Kafka → FastStream subscriber (`subscribe`) →
`EventProcessor` (inbox dedupe) → a trivial effect insert. Each side has its
own pool of 10 connections, as the producing and consuming services would.

The only addition to the kernel is `TimedProcessor`: it calls the real
`EventProcessor.process` and, when that returns (the batch's transaction has
committed), stamps the batch's effects with the process's monotonic clock. So
"effect committed" is measured just after COMMIT, on the same clock as the
writer's commit time.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.config import ServiceSettings
from shared.db.pool import close_pool, create_pool
from shared.db.provision import provision_schema as provisioned
from shared.events.base import Envelope
from shared.events.recruitment import ApplicationSubmitted
from shared.events.registry import Topic
from shared.messaging.broker import make_broker, make_producer
from shared.messaging.consumer import BatchHandler, EventConsumer, EventProcessor
from shared.messaging.dead_letters import ConsumedRecord, DeadLetterPublisher
from shared.messaging.outbox import count_unsent
from shared.messaging.relay import OutboxRelay
from shared.messaging.subscriptions import consumer_group, subscribe
from tools.bench.raw import BenchError

MIGRATIONS = Path(__file__).parent / "migrations"
GROUP_PREFIX = "bench"
RELAY_SERVICE = "bench"  # the relay's metrics label
POOL_SIZE = 10  # what ServiceRuntime gives a service
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


def platform_default(setting: str) -> Any:
    """A ServiceSettings default: the bench runs the kernel as configured, never tuned."""
    return ServiceSettings.model_fields[setting].default


async def provision_schema(admin_dsn: str, schema: str) -> str:
    """A fresh role + schema with the kernel's tables and the bench's; return its DSN."""
    return await provisioned(admin_dsn, schema, migrations=MIGRATIONS)


async def drop_schema(admin_dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await conn.execute(f"DROP ROLE IF EXISTS {schema}")
    finally:
        await conn.close()


class EffectClock:
    """When each bench event's effect committed, by phase, on time.perf_counter().

    Bench events are recognised by their campaign id, `<prefix><phase>`; any
    other event on the topic (a demo, a test) is consumed but has no effect.
    """

    def __init__(self, campaign_prefix: str) -> None:
        self.campaign_prefix = campaign_prefix
        self.committed: dict[UUID, float] = {}
        self.last_commit: dict[str, float] = {}
        self._counts: Counter[str] = Counter()
        self._staged: list[tuple[str, UUID]] = []
        self._changed = asyncio.Event()

    def campaign(self, phase: str) -> str:
        return self.campaign_prefix + phase

    def phase_of(self, campaign_id: str) -> str | None:
        if not campaign_id.startswith(self.campaign_prefix):
            return None
        return campaign_id[len(self.campaign_prefix) :]

    def stage(self, phase: str, application_id: UUID) -> None:
        self._staged.append((phase, application_id))

    def commit_staged(self) -> None:
        now = time.perf_counter()
        for phase, application_id in self._staged:
            if application_id not in self.committed:
                self.committed[application_id] = now
                self._counts[phase] += 1
                self.last_commit[phase] = now
        self._staged.clear()
        self._changed.set()

    def discard_staged(self) -> None:
        self._staged.clear()

    def count(self, phase: str) -> int:
        return self._counts[phase]

    async def wait_for(self, phase: str, expected: int, *, timeout_s: float) -> None:
        deadline = time.perf_counter() + timeout_s
        while self._counts[phase] < expected:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise BenchError(
                    f"{phase}: only {self._counts[phase]:,} of {expected:,} effects "
                    f"committed after {timeout_s:.0f} s"
                )
            self._changed.clear()
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
            # (Ctrl-C, SIGTERM) that lands as the event is set, and the run would not stop.
            try:
                async with asyncio.timeout(min(remaining, 1.0)):
                    await self._changed.wait()
            except TimeoutError:
                pass


@dataclass
class TimedProcessor(EventProcessor):
    """The real EventProcessor; the clock learns which effects a returned batch committed."""

    clock: EffectClock | None = None

    async def process(self, records: Sequence[ConsumedRecord]) -> None:
        assert self.clock is not None
        try:
            await super().process(records)
        except BaseException:
            self.clock.discard_staged()
            raise
        self.clock.commit_staged()


def bench_consumer(name: str, clock: EffectClock) -> EventConsumer:
    """Reads ApplicationSubmitted where the registry says it travels (the real topic)."""

    # A batch handler, as the services' consumers use: one statement per run of events.
    async def record_effects(
        conn: asyncpg.Connection, events: Sequence[tuple[ApplicationSubmitted, Envelope]]
    ) -> None:
        rows = []
        for event, env in events:
            phase = clock.phase_of(event.campaign_id)
            if phase is None:
                continue
            rows.append((env.id, event.application_id, phase))
        await conn.executemany(
            "INSERT INTO effects (event_id, application_id, phase) VALUES ($1, $2, $3)", rows
        )
        for _, application_id, phase in rows:
            clock.stage(phase, application_id)

    return EventConsumer(
        name,
        batch_handlers=[BatchHandler(ApplicationSubmitted, record_effects)],
        description="campusflow bench backbone: one effect row per event",
    )


async def start_group_at_end(bootstrap: str, group: str, topic: Topic) -> None:
    """Commit the fresh group's offsets at the topic's end, so it reads only what comes next.

    (`subscribe` starts a group without offsets at the earliest message; on a
    used stack that would be every demo and test message ever published.)
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        consumer.assign(partitions)
        ends = await asyncio.wait_for(consumer.end_offsets(partitions), timeout=START_TIMEOUT_S)
        await asyncio.wait_for(consumer.commit(dict(ends)), timeout=START_TIMEOUT_S)
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class Pipeline:
    writer_pool: asyncpg.Pool
    consumer_pool: asyncpg.Pool
    group: str
    relay_batch_size: int
    relay_idle_sleep_s: float
    consumer_max_records: int


@asynccontextmanager
async def running_pipeline(
    *, dsn: str, schema: str, bootstrap: str, topic: Topic, run_id: str, clock: EffectClock
) -> AsyncIterator[Pipeline]:
    """Relay and subscriber running in this event loop; stopped (in order) on the way out."""
    relay_batch_size = int(platform_default("relay_batch_size"))
    idle_sleep_s = float(platform_default("relay_idle_sleep_s"))
    max_records = int(platform_default("consumer_max_records"))
    name = f"backbone-{run_id}"
    async with AsyncExitStack() as stack:
        writer_pool = await create_pool(dsn, schema=schema, max_size=POOL_SIZE)
        stack.push_async_callback(close_pool, writer_pool, within_s=STOP_TIMEOUT_S)
        consumer_pool = await create_pool(dsn, schema=schema, max_size=POOL_SIZE)
        stack.push_async_callback(close_pool, consumer_pool, within_s=STOP_TIMEOUT_S)

        producer = make_producer(bootstrap, client_id=f"bench-{run_id}-producer")
        await asyncio.wait_for(producer.start(), timeout=START_TIMEOUT_S)
        stack.push_async_callback(_bounded, producer.stop)

        group = consumer_group(GROUP_PREFIX, name)
        await start_group_at_end(bootstrap, group, topic)
        broker = make_broker(bootstrap, client_id=f"bench-{run_id}-consumer")
        consumer = bench_consumer(name, clock)
        if consumer.topics != (topic.name,):
            raise BenchError(f"the bench consumer reads {consumer.topics}, not {topic.name}")
        processor = TimedProcessor(
            consumer,
            consumer_pool,
            DeadLetterPublisher(producer),
            clock=clock,
        )
        subscribe(broker, processor, group_prefix=GROUP_PREFIX, max_records=max_records)
        await asyncio.wait_for(broker.start(), timeout=START_TIMEOUT_S)
        stack.push_async_callback(_bounded, broker.stop)

        relay = OutboxRelay(
            service=RELAY_SERVICE,
            pool=writer_pool,
            producer=producer,
            batch_size=relay_batch_size,
            idle_sleep_s=idle_sleep_s,
        )
        stop = asyncio.Event()
        relaying = asyncio.create_task(relay.run(stop), name="bench-relay")

        async def stop_relay() -> None:
            stop.set()
            await asyncio.wait_for(relaying, timeout=STOP_TIMEOUT_S)

        stack.push_async_callback(stop_relay)
        yield Pipeline(
            writer_pool=writer_pool,
            consumer_pool=consumer_pool,
            group=group,
            relay_batch_size=relay_batch_size,
            relay_idle_sleep_s=idle_sleep_s,
            consumer_max_records=max_records,
        )


async def _bounded(stop: Callable[[], Awaitable[Any]]) -> None:
    """A teardown step that cannot hang the bench's exit."""
    try:
        await asyncio.wait_for(stop(), timeout=STOP_TIMEOUT_S)
    except TimeoutError:
        pass


async def verify_effects(pool: asyncpg.Pool, expected: dict[str, int]) -> list[str]:
    """What is wrong, if anything: every bench event applied exactly once, the outbox empty."""
    rows = await pool.fetch(
        "SELECT phase, count(*) AS effects, count(DISTINCT event_id) AS events"
        " FROM effects GROUP BY phase"
    )
    found = {row["phase"]: (row["effects"], row["events"]) for row in rows}
    async with pool.acquire() as conn:
        unsent = await count_unsent(conn)
    problems = [
        f"{phase}: {found.get(phase, (0, 0))[0]} effect rows for "
        f"{found.get(phase, (0, 0))[1]} events, expected {n}"
        for phase, n in expected.items()
        if found.get(phase) != (n, n)
    ]
    if unsent:
        problems.append(f"{unsent} outbox rows never sent")
    return problems
