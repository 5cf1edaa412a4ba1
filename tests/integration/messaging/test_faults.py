"""The kernel's guarantees under faults, on the real Kafka broker and PostgreSQL.

The test consumer's effect is not idempotent (see tests/support/kernel.py): an
event applied twice would show as two effect rows.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from shared.db.pool import close_pool, create_pool
from shared.events import ApplicationSubmitted
from shared.events.base import Envelope
from shared.events.registry import RECRUITMENT_APPLICATIONS
from shared.messaging.dead_letters import DeadLetterPublisher
from shared.messaging.failures import RetryPolicy
from shared.messaging.outbox import (
    append_to_outbox,
    claim_pending,
    count_unsent,
    prune_delivered,
)
from shared.messaging.relay import INBOX_RETENTION, OUTBOX_RETENTION, OutboxRelay
from tests.support.kafka import header, read_topic, running_consumer, wait_caught_up, wait_until
from tests.support.kernel import (
    BROKEN_RULE_APPLICANT,
    SCHEMA,
    application,
    effect_counts,
    encoded,
    kernel_consumer,
    record_effect,
)
from tests.support.proxy import proxy_in_front_of
from tools.stack import StackEndpoints

pytestmark = pytest.mark.integration
TOPIC = RECRUITMENT_APPLICATIONS.name


async def publish(producer: AIOKafkaProducer, events, partition: int | None = None) -> None:  # type: ignore[no-untyped-def]
    for event in events:
        message = encoded(event)
        await producer.send_and_wait(
            TOPIC, message.value, key=message.key, headers=message.headers, partition=partition
        )


async def assert_applied_once(pool: asyncpg.Pool, ids: list, timeout_s: float = 60) -> None:  # type: ignore[type-arg]
    async def all_there() -> bool:
        return len(await effect_counts(pool, ids)) == len(ids)

    await wait_until(all_there, timeout_s=timeout_s, what=f"{len(ids)} effects")
    counts = await effect_counts(pool, ids)
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}


async def test_relay_dying_after_publishing_duplicates_the_message_not_the_effect(
    stack: StackEndpoints,
    kernel_dsn: str,
    kernel_pool: asyncpg.Pool,
    producer: AIOKafkaProducer,
    dead_letters: DeadLetterPublisher,
) -> None:
    events = [application() for _ in range(20)]
    async with kernel_pool.acquire() as conn, conn.transaction():
        await append_to_outbox(conn, events, source="/tests", now=datetime.now(UTC))

    # A relay claims the rows, publishes them, and dies before marking them sent.
    dying = await asyncpg.connect(kernel_dsn, server_settings={"search_path": SCHEMA})
    transaction = dying.transaction()
    await transaction.start()
    claimed = await claim_pending(dying, limit=10_000)
    assert len(claimed) >= len(events)
    for message in claimed:
        await producer.send_and_wait(
            message.topic, message.value, key=message.key, headers=message.headers
        )
    dying.terminate()

    # A healthy relay finds the rows still unsent and publishes them again. The dead
    # relay's backend lets go of its lane locks a moment after the terminate, so the
    # healthy one may find those lanes busy on its first rounds: it tries until it's done.
    relay = OutboxRelay(service="kernel_test", pool=kernel_pool, producer=producer)

    async def all_sent() -> bool:
        await relay.relay_once()
        async with kernel_pool.acquire() as conn:
            return await count_unsent(conn) == 0

    await wait_until(all_sent, timeout_s=30, what="the healthy relay to publish every row")

    ids = [e.application_id for e in events]
    published = Counter(
        header(r, "ce_id")
        for r in await read_topic(stack.kafka_bootstrap, TOPIC)
        if r.key in {str(i).encode() for i in ids}
    )
    assert sorted(published.values()) == [2] * len(events), "each event was published twice"

    name = f"relay-death-{uuid4().hex[:6]}"
    async with running_consumer(
        bootstrap=stack.kafka_bootstrap,
        consumer=kernel_consumer(name),
        pool=kernel_pool,
        dead_letters=dead_letters,
    ):
        await wait_caught_up(stack.kafka_bootstrap, name, TOPIC, timeout_s=60)
    await assert_applied_once(kernel_pool, ids, timeout_s=5)


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_partition_moves_on(
    stack: StackEndpoints,
    kernel_pool: asyncpg.Pool,
    producer: AIOKafkaProducer,
    dead_letters: DeadLetterPublisher,
) -> None:
    first, last = application(), application()
    good = encoded(first)
    broken_rule = application(applicant=BROKEN_RULE_APPLICANT)
    wrong_tenant = [(k, b"math" if k == "college" else v) for k, v in good.headers]
    unknown = [
        (k, b"campusflow.nowhere.thing.v9" if k == "ce_type" else v) for k, v in good.headers
    ]
    no_headers: list[tuple[str, bytes]] = []
    poison = [
        ("MalformedEvent", good.headers, b"{not json"),
        ("UnknownEventType", unknown, good.value),
        ("MalformedEvent", no_headers, good.value),
        ("MalformedEvent", wrong_tenant, good.value),
        ("MalformedEvent", encoded(application()).headers, b"x" * 300_000),
    ]
    await publish(producer, [first], partition=0)
    offsets = []
    for _, headers, value in poison:
        sent = await producer.send_and_wait(
            TOPIC, value, key=b"poison", headers=headers, partition=0
        )
        offsets.append(sent.offset)
    await publish(producer, [broken_rule, last], partition=0)

    name = f"poison-{uuid4().hex[:6]}"
    async with running_consumer(
        bootstrap=stack.kafka_bootstrap,
        consumer=kernel_consumer(name),
        pool=kernel_pool,
        dead_letters=dead_letters,
    ):
        await wait_caught_up(stack.kafka_bootstrap, name, TOPIC, timeout_s=60)

    await assert_applied_once(kernel_pool, [first.application_id, last.application_id], 5)
    assert await effect_counts(kernel_pool, [broken_rule.application_id]) == {}
    # Only this test's messages: the consumer reads the whole topic, other tests' too.
    broken_key = str(broken_rule.application_id).encode()
    letters = [
        r
        for r in await read_topic(stack.kafka_bootstrap, RECRUITMENT_APPLICATIONS.dead_letter)
        if header(r, "dlt_consumer") == name
        and (r.key == broken_key or int(header(r, "dlt_original_offset") or -1) in offsets)
        and header(r, "dlt_original_partition") == "0"
    ]
    reasons = {
        int(header(r, "dlt_original_offset") or -1): header(r, "dlt_error_class") for r in letters
    }
    for (expected_class, _, _), offset in zip(poison, offsets, strict=True):
        assert reasons.get(offset) == expected_class
    assert [header(r, "dlt_error_class") for r in letters if r.key == broken_key] == [
        "PermanentFailure"
    ]
    assert len(letters) == len(poison) + 1
    assert all(header(r, "dlt_original_topic") == TOPIC for r in letters)
    assert all(header(r, "dlt_error_message") for r in letters)


async def test_a_database_outage_is_retried_and_nothing_is_lost(
    stack: StackEndpoints,
    kernel_dsn: str,
    kernel_pool: asyncpg.Pool,
    producer: AIOKafkaProducer,
    dead_letters: DeadLetterPublisher,
) -> None:
    await _survive_outage(
        stack,
        kernel_dsn,
        kernel_pool,
        producer,
        dead_letters,
        retry=RetryPolicy(first_delay_s=0.1, max_delay_s=0.5, deadline_s=20, attempts=100),
        outage_s=3,
    )


async def test_an_outage_longer_than_the_retry_deadline_redelivers_the_batch(
    stack: StackEndpoints,
    kernel_dsn: str,
    kernel_pool: asyncpg.Pool,
    producer: AIOKafkaProducer,
    dead_letters: DeadLetterPublisher,
) -> None:
    await _survive_outage(
        stack,
        kernel_dsn,
        kernel_pool,
        producer,
        dead_letters,
        retry=RetryPolicy(first_delay_s=0.05, max_delay_s=0.2, deadline_s=0.5, attempts=5),
        outage_s=4,
    )


async def _survive_outage(  # type: ignore[no-untyped-def]
    stack, kernel_dsn, kernel_pool, producer, dead_letters, *, retry: RetryPolicy, outage_s: float
) -> None:
    proxy, proxied_dsn = proxy_in_front_of(kernel_dsn)
    await proxy.start()
    pool = await create_pool(proxied_dsn, schema=SCHEMA, max_size=2)
    name = f"outage-{uuid4().hex[:6]}"
    try:
        async with running_consumer(
            bootstrap=stack.kafka_bootstrap,
            consumer=kernel_consumer(name),
            pool=pool,
            dead_letters=dead_letters,
            retry=retry,
        ):
            await wait_caught_up(stack.kafka_bootstrap, name, TOPIC, timeout_s=60)
            await proxy.cut()
            events = [application() for _ in range(10)]
            await publish(producer, events)
            await asyncio.sleep(outage_s)
            ids = [e.application_id for e in events]
            assert await effect_counts(kernel_pool, ids) == {}, "applied during the outage?"
            await proxy.restore()
            await assert_applied_once(kernel_pool, ids, timeout_s=60)
            await wait_caught_up(stack.kafka_bootstrap, name, TOPIC, timeout_s=60)
        keys = {str(i).encode() for i in ids}
        letters = await read_topic(stack.kafka_bootstrap, RECRUITMENT_APPLICATIONS.dead_letter)
        assert not [r for r in letters if r.key in keys], "an outage must not dead-letter events"
    finally:
        await close_pool(pool)
        await proxy.cut()


def start_consumer_process(stack: StackEndpoints, dsn: str, name: str, delay_ms: float):  # type: ignore[no-untyped-def]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.consumer_process",
            "--dsn",
            dsn,
            "--bootstrap",
            stack.kafka_bootstrap,
            "--name",
            name,
            "--delay-ms",
            str(delay_ms),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


async def wait_ready(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    line = await asyncio.to_thread(process.stdout.readline)  # type: ignore[union-attr]
    while line and "consumer ready" not in line:
        line = await asyncio.to_thread(process.stdout.readline)  # type: ignore[union-attr]
    assert line, f"consumer process exited with {process.poll()}"
    # Keep draining its output so it never blocks on a full pipe.
    asyncio.get_running_loop().run_in_executor(None, process.stdout.read)  # type: ignore[union-attr]


def kill(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    if process.poll() is None:  # not killed already (a failed assertion's cleanup)
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


async def test_a_consumer_killed_mid_stream_loses_nothing_and_applies_nothing_twice(
    stack: StackEndpoints, kernel_dsn: str, kernel_pool: asyncpg.Pool, producer: AIOKafkaProducer
) -> None:
    name = f"killed-{uuid4().hex[:6]}"
    events = [application() for _ in range(1500)]
    ids = [e.application_id for e in events]
    # 20 ms an event: the whole stream takes the first consumer 30 s, so the kill lands
    # mid-stream even when this 2-core machine stalls the test's polling for seconds
    # (with 2 ms a stall of ~3 s once let it finish before the kill).
    process = start_consumer_process(stack, kernel_dsn, name, delay_ms=20)
    try:
        await wait_ready(process)
        await publish(producer, events)

        async def some_applied() -> bool:
            return len(await effect_counts(kernel_pool, ids)) >= 150

        await wait_until(some_applied, timeout_s=60, what="the consumer to get going")
        kill(process)
        applied_before_restart = len(await effect_counts(kernel_pool, ids))
        assert applied_before_restart < len(events), "killed too late to prove anything"
        process = start_consumer_process(stack, kernel_dsn, name, delay_ms=0)
        await wait_ready(process)
        await assert_applied_once(kernel_pool, ids, timeout_s=120)
    finally:
        kill(process)


async def test_two_replicas_split_the_partitions_and_apply_each_event_once(
    stack: StackEndpoints, kernel_dsn: str, kernel_pool: asyncpg.Pool, producer: AIOKafkaProducer
) -> None:
    name = f"replicas-{uuid4().hex[:6]}"
    replicas = [start_consumer_process(stack, kernel_dsn, name, delay_ms=1) for _ in range(2)]
    try:
        for replica in replicas:
            await wait_ready(replica)
        await asyncio.sleep(3)  # both members join the group before the events arrive
        events = [application() for _ in range(600)]
        ids = [e.application_id for e in events]
        await publish(producer, events)
        await assert_applied_once(kernel_pool, ids, timeout_s=120)
        pids = await kernel_pool.fetch(
            "SELECT consumer_pid, count(*) AS n FROM effects WHERE application_id = ANY($1::uuid[])"
            " GROUP BY consumer_pid",
            ids,
        )
        assert len(pids) == 2, f"one replica did all the work: {pids}"
    finally:
        for replica in replicas:
            kill(replica)


async def test_two_relays_at_once_publish_each_event_once(
    stack: StackEndpoints, kernel_pool: asyncpg.Pool, producer: AIOKafkaProducer
) -> None:
    events = [application() for _ in range(400)]
    async with kernel_pool.acquire() as conn, conn.transaction():
        await append_to_outbox(conn, events, source="/tests", now=datetime.now(UTC))
    relays = [
        OutboxRelay(service="kernel_test", pool=kernel_pool, producer=producer, batch_size=25)
        for _ in range(2)
    ]
    stop = asyncio.Event()
    running = [asyncio.create_task(relay.run(stop)) for relay in relays]

    async def drained() -> bool:
        async with kernel_pool.acquire() as conn:
            return await count_unsent(conn) == 0

    await wait_until(drained, timeout_s=60, what="the outbox to drain")
    stop.set()
    await asyncio.gather(*running)
    keys = {str(e.application_id).encode() for e in events}
    published = Counter(
        header(r, "ce_id") for r in await read_topic(stack.kafka_bootstrap, TOPIC) if r.key in keys
    )
    assert len(published) == len(events)
    assert set(published.values()) == {1}


async def test_a_retryable_looking_failure_with_a_healthy_database_dead_letters_that_event_only(
    stack: StackEndpoints,
    kernel_pool: asyncpg.Pool,
    producer: AIOKafkaProducer,
    dead_letters: DeadLetterPublisher,
) -> None:
    """A handler bug that looks like infrastructure (a timeout on one event) must not stall
    the partition: the database answers, so the failure is the event's own."""
    slow = application(applicant="always-times-out")
    before, after = application(), application()

    async def times_out_for_one(
        conn: asyncpg.Connection, event: ApplicationSubmitted, env: Envelope
    ) -> None:
        if event.applicant_id == "always-times-out":
            raise TimeoutError("this event's query always times out")
        await record_effect(conn, event, env)

    name = f"stuck-{uuid4().hex[:6]}"
    consumer = kernel_consumer(name, times_out_for_one)
    await publish(producer, [before, slow, after], partition=1)
    async with running_consumer(
        bootstrap=stack.kafka_bootstrap,
        consumer=consumer,
        pool=kernel_pool,
        dead_letters=dead_letters,
        retry=RetryPolicy(first_delay_s=0.05, max_delay_s=0.1, deadline_s=0.5, attempts=5),
    ):
        await wait_caught_up(stack.kafka_bootstrap, name, TOPIC, timeout_s=120)
    await assert_applied_once(kernel_pool, [before.application_id, after.application_id], 5)
    letters = [
        r
        for r in await read_topic(stack.kafka_bootstrap, RECRUITMENT_APPLICATIONS.dead_letter)
        if header(r, "dlt_consumer") == name and r.key == str(slow.application_id).encode()
    ]
    assert [header(r, "dlt_error_class") for r in letters] == ["PermanentFailure"]


async def test_a_failure_of_every_event_alike_holds_the_batch_instead_of_burying_it(
    stack: StackEndpoints,
    kernel_pool: asyncpg.Pool,
    producer: AIOKafkaProducer,
    dead_letters: DeadLetterPublisher,
) -> None:
    """A missing table or a bug fails every event the same way: the system is at fault, so
    nothing is dead-lettered and nothing is committed; once mended, all are applied."""
    mended = asyncio.Event()

    async def broken_until_mended(
        conn: asyncpg.Connection, event: ApplicationSubmitted, env: Envelope
    ) -> None:
        if not mended.is_set():
            raise RuntimeError('relation "effects_v2" does not exist')
        await record_effect(conn, event, env)

    events = [application() for _ in range(3)]
    ids = [e.application_id for e in events]
    await publish(producer, events, partition=2)
    name = f"systemic-{uuid4().hex[:6]}"
    consumer = kernel_consumer(name, broken_until_mended)
    async with running_consumer(
        bootstrap=stack.kafka_bootstrap,
        consumer=consumer,
        pool=kernel_pool,
        dead_letters=dead_letters,
        max_records=500,
    ):
        await asyncio.sleep(6)
        assert await effect_counts(kernel_pool, ids) == {}
        mended.set()
        await assert_applied_once(kernel_pool, ids, timeout_s=60)
    keys = {str(i).encode() for i in ids}
    letters = await read_topic(stack.kafka_bootstrap, RECRUITMENT_APPLICATIONS.dead_letter)
    assert not [r for r in letters if header(r, "dlt_consumer") == name and r.key in keys]


async def test_a_row_kafka_refuses_stops_its_lane_only(
    kernel_pool: asyncpg.Pool, producer: AIOKafkaProducer
) -> None:
    """The refused row and the rows behind it in its lane wait (one aggregate's events never
    overtake each other); every other lane is published; the failure is on the row."""
    async with kernel_pool.acquire() as conn:
        while await count_unsent(conn):  # start from an empty outbox
            await OutboxRelay(
                service="kernel_test", pool=kernel_pool, producer=producer
            ).relay_once()
    events = [application() for _ in range(40)]
    async with kernel_pool.acquire() as conn, conn.transaction():
        await append_to_outbox(conn, events, source="/tests", now=datetime.now(UTC))
        rows = await conn.fetch("SELECT id, lane FROM outbox WHERE sent_at IS NULL ORDER BY id")
        bad_id, bad_lane = rows[0]["id"], rows[0]["lane"]
        # Larger than the producer's max request size: Kafka refuses it outright.
        await conn.execute("UPDATE outbox SET payload = $2 WHERE id = $1", bad_id, b"x" * 2_000_000)
    relay = OutboxRelay(service="kernel_test", pool=kernel_pool, producer=producer)
    published = await relay.relay_once()
    async with kernel_pool.acquire() as conn:
        left = await conn.fetch(
            "SELECT id, lane, attempts, last_error FROM outbox WHERE sent_at IS NULL ORDER BY id"
        )
    assert {row["lane"] for row in left} == {bad_lane}
    assert published == len(events) - len(left)
    assert left[0]["id"] == bad_id
    assert left[0]["attempts"] == 1 and "MessageSizeTooLarge" in left[0]["last_error"]
    assert all(row["attempts"] == 0 for row in left[1:])
    async with kernel_pool.acquire() as conn:  # mend it, so later tests find a clean outbox
        await conn.execute("DELETE FROM outbox WHERE id = $1", bad_id)
    while await relay.relay_once():
        pass


async def test_delivered_rows_are_forgotten_after_their_retention_and_not_before(
    kernel_pool: asyncpg.Pool,
) -> None:
    old, recent = application(), application()
    async with kernel_pool.acquire() as conn, conn.transaction():
        await append_to_outbox(conn, [old, recent], source="/tests", now=datetime.now(UTC))
        rows = await conn.fetch("SELECT id FROM outbox ORDER BY id DESC LIMIT 2")
        await conn.execute(
            "UPDATE outbox SET sent_at = now() - interval '8 days' WHERE id = $1", rows[1]["id"]
        )
        await conn.execute("UPDATE outbox SET sent_at = now() WHERE id = $1", rows[0]["id"])
        await conn.execute(
            "INSERT INTO inbox (consumer, event_id, event_type, received_at) VALUES"
            " ('prune-test', $1, 't', now() - interval '91 days'),"
            " ('prune-test', $2, 't', now() - interval '89 days')",
            uuid4(),
            uuid4(),
        )
        await prune_delivered(
            conn,
            sent_before=datetime.now(UTC) - OUTBOX_RETENTION,
            received_before=datetime.now(UTC) - INBOX_RETENTION,
        )
        remaining = await conn.fetch(
            "SELECT id FROM outbox WHERE id = ANY($1::bigint[])", [r["id"] for r in rows]
        )
        inbox = await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = 'prune-test'")
    assert [r["id"] for r in remaining] == [rows[0]["id"]]
    assert inbox == 1
