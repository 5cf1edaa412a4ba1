"""Observing the real broker from tests: what a topic holds, whether a group has caught up."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.events.base import DomainEvent
from shared.events.codec import EncodedEvent, encode
from shared.events.registry import TOPICS, spec_for_model, spec_for_type
from shared.messaging.broker import make_broker
from shared.messaging.consumer import EventConsumer, EventProcessor
from shared.messaging.dead_letters import DeadLetterPublisher
from shared.messaging.failures import RetryPolicy
from shared.messaging.subscriptions import consumer_group, subscribe

GROUP_PREFIX = "tests"


def source_of(event: DomainEvent) -> str:
    """The CloudEvents source of the service that produces `event` (its topic's owner)."""
    return f"/campusflow/{spec_for_model(type(event)).topic.producer}"


async def send(bootstrap: str, messages: Iterable[tuple[EncodedEvent, bytes]]) -> None:
    """Each message onto its event's topic with the event's key and headers, in order,
    with the given value (the encoded one, or a test's own: a malformed message)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for encoded, value in messages:
            await producer.send_and_wait(
                encoded.topic, value, key=encoded.key, headers=encoded.headers
            )
    finally:
        await producer.stop()


async def publish(
    bootstrap: str,
    events: Iterable[tuple[DomainEvent, UUID | None]],
    *,
    source: str | None = None,
) -> None:
    """Each event under its given CloudEvents id (a new one for None), as the producing
    service's outbox relay publishes it (from `source`, default: that service's)."""
    encoded = [
        encode(e, source=source or source_of(e), now=datetime.now(UTC), event_id=i)
        for e, i in events
    ]
    await send(bootstrap, [(m, m.value) for m in encoded])


async def publish_raw(
    bootstrap: str, event: DomainEvent, value: bytes, *, event_id: UUID | None = None
) -> None:
    """A message with a real event's headers and key but the given value (malformed)."""
    encoded = encode(event, source=source_of(event), now=datetime.now(UTC), event_id=event_id)
    await send(bootstrap, [(encoded, value)])


def topic_partitions(topic: str) -> list[TopicPartition]:
    """The registry is the source of every topic's partition count."""
    for registered in TOPICS:
        if topic == registered.name:
            return [TopicPartition(topic, p) for p in range(registered.partitions)]
        if topic == registered.dead_letter:
            return [TopicPartition(topic, 0)]
    raise KeyError(f"{topic} is not a registered topic")


async def read_topic(bootstrap: str, topic: str) -> list[ConsumerRecord]:
    """Everything the topic holds right now, from the beginning."""
    # A throwaway group with manual assignment: aiokafka's group-less mode can raise
    # CancelledError from stop(). Nothing is ever committed for this group.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid4().hex}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        partitions = topic_partitions(topic)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batches = await consumer.getmany(timeout_ms=1000)
            for batch in batches.values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


def header(record: ConsumerRecord, name: str) -> str | None:
    for key, value in record.headers:
        if key == name:
            return bytes(value).decode()
    return None


async def wait_until(
    check: Callable[[], Awaitable[bool]], *, timeout_s: float, what: str, every_s: float = 0.2
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


async def group_caught_up(bootstrap: str, group: str, topic: str) -> bool:
    """True when the group's committed offsets reach the end of every partition."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    probe = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=f"probe-{uuid4().hex}", enable_auto_commit=False
    )
    await admin.start()
    await probe.start()
    try:
        partitions = topic_partitions(topic)
        ends = await probe.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group)
        # An empty partition has nothing to consume, so nothing is ever committed for it.
        return all(
            end == 0 or (tp in committed and committed[tp].offset >= end)
            for tp, end in ends.items()
        )
    finally:
        await probe.stop()
        await admin.close()


async def wait_caught_up(bootstrap: str, consumer_name: str, topic: str, timeout_s: float) -> None:
    group = consumer_group(GROUP_PREFIX, consumer_name)
    await wait_until(
        lambda: group_caught_up(bootstrap, group, topic),
        timeout_s=timeout_s,
        what=f"group {group} to consume all of {topic}",
        every_s=0.5,
    )


@asynccontextmanager
async def running_consumer(
    *,
    bootstrap: str,
    consumer: EventConsumer,
    pool: asyncpg.Pool,
    dead_letters: DeadLetterPublisher,
    retry: RetryPolicy | None = None,
    max_records: int = 100,
) -> AsyncIterator[EventProcessor]:
    """The kernel's real subscriber (FastStream on aiokafka) running in this event loop."""
    broker = make_broker(bootstrap, client_id=f"test-{uuid4().hex[:8]}")
    processor = EventProcessor(consumer, pool, dead_letters, retry or RetryPolicy())
    subscribe(broker, processor, group_prefix=GROUP_PREFIX, max_records=max_records)
    await broker.start()
    try:
        yield processor
    finally:
        await broker.stop()


async def events_keyed(bootstrap: str, event_type: str, key: str) -> list[dict[str, Any]]:
    """The payloads of one aggregate's events of one type, in the order the topic holds them."""
    topic = spec_for_type(event_type).topic.name
    return [
        json.loads(r.value)
        for r in await read_topic(bootstrap, topic)
        if r.key == key.encode() and header(r, "ce_type") == event_type
    ]
