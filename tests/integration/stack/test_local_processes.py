"""LocalProcesses for real: PostgreSQL, Redis and Kafka as processes on this machine."""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tools.stack import (
    LocalProcesses,
    StackEndpoints,
    missing_prerequisites,
    read_stack_state,
)
from tools.stack.processes import is_alive, session_members

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        bool(missing_prerequisites()),
        reason="local stack prerequisites missing (campusflow stack install)",
    ),
]


@pytest.fixture(scope="module")
def state_dir() -> Iterator[Path]:
    # Under /tmp and world-traversable: when we are root, PostgreSQL runs as the unprivileged
    # `campusflow` user, which cannot enter pytest's tmp_path (/tmp/pytest-of-root is 0700).
    directory = Path(tempfile.mkdtemp(prefix="campusflow-stack-test-", dir="/tmp"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def stack(state_dir: Path) -> Iterator[LocalProcesses]:
    infra = LocalProcesses(state_dir)
    started = time.monotonic()
    infra.start()
    print(f"\nstack up in {time.monotonic() - started:.1f}s: {infra.startup_seconds}")
    try:
        yield infra
    finally:
        infra.stop()  # idempotent: the last test already stopped it


@pytest.fixture(scope="module")
def endpoints(stack: LocalProcesses, state_dir: Path) -> StackEndpoints:
    state = read_stack_state(state_dir)
    assert state is not None
    return StackEndpoints.from_json(state["endpoints"])


def test_everything_is_recorded_and_running(stack: LocalProcesses, state_dir: Path) -> None:
    assert [(s.name, s.running) for s in stack.status()] == [
        ("postgres", True),
        ("redis", True),
        ("kafka", True),
    ]
    state = read_stack_state(state_dir)
    assert state is not None and state["infrastructure"] == "local"
    for sub in ("pg", "redis", "kafka", "logs"):
        assert (state_dir / sub).is_dir()
    # another process (a fresh object) sees the same stack
    assert all(s.running for s in LocalProcesses(state_dir).status())


async def test_postgres_accepts_queries(endpoints: StackEndpoints) -> None:
    assert endpoints.postgres_admin_dsn.startswith("postgresql://campusflow@127.0.0.1:")
    conn = await asyncpg.connect(endpoints.postgres_admin_dsn)
    try:
        assert await conn.fetchval("select 1") == 1
        assert await conn.fetchval("select current_database()") == "campusflow"
        assert await conn.fetchval("select rolsuper from pg_roles where rolname = current_user")
        assert await conn.fetchval("show max_connections") == "200"
        assert await conn.fetchval("show fsync") == "on"
    finally:
        await conn.close()


async def test_redis_answers_ping(endpoints: StackEndpoints) -> None:
    client = aioredis.from_url(endpoints.redis_url)
    try:
        assert await client.ping() is True
        await client.set("campusflow:test", "1")
        assert await client.get("campusflow:test") == b"1"
    finally:
        await client.aclose()


async def test_kafka_round_trips_a_message(endpoints: StackEndpoints) -> None:
    topic = f"stack-test-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=endpoints.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()

    producer = AIOKafkaProducer(bootstrap_servers=endpoints.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"hello", key=b"k")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=endpoints.kafka_bootstrap,
        group_id=f"{topic}-group",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        message = await consumer.getone()
        assert (message.key, message.value) == (b"k", b"hello")
        await consumer.commit()
    finally:
        await consumer.stop()


def test_stop_leaves_no_process_behind(stack: LocalProcesses, state_dir: Path) -> None:
    state = read_stack_state(state_dir)
    assert state is not None
    records = state["components"].values()
    pids = [record["pid"] for record in records]
    members = [pid for leader in pids for pid in session_members(leader)]
    assert len(members) > len(pids)  # postgres has its background workers

    started = time.monotonic()
    stack.stop()
    print(f"\nstack stopped in {time.monotonic() - started:.1f}s")

    assert not any(is_alive(pid) for pid in members)
    assert read_stack_state(state_dir) is None
    assert not any(s.running for s in stack.status())
    stack.stop()  # idempotent
