"""Binding an EventProcessor to Kafka through FastStream, with an explicit ack policy.

FastStream's Kafka default is ACK_FIRST (commit before processing: at most
once). Every Campusflow subscriber is MANUAL: offsets are committed only after
the batch's effects (and dead letters) are durable. A batch that was not applied
is read again: the consumer seeks every partition of the batch back to its first
record (done here, not left to the library's nack, whose behaviour has changed
between releases).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import structlog
from aiokafka import TopicPartition
from aiokafka.errors import IllegalStateError, KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage
from prometheus_client import Counter

from shared.messaging.consumer import EventProcessor
from shared.messaging.dead_letters import ConsumedRecord
from shared.messaging.failures import RetriesExhausted
from shared.supervisor import LOOP_RESTARTS, Loop, LoopHealth, sleep_or_stop

log = structlog.get_logger(__name__)

COMMITS_FAILED = Counter(
    "campusflow_consumer_commits_failed_total",
    "Batches applied whose offsets could not be committed (redelivered, deduplicated)",
    ["consumer"],
)

MAX_POLL_INTERVAL_MS = 300_000
NACK_PAUSE_S = 1.0
# FastStream's batch subscriber waits this long in getmany and, when nothing came,
# sleeps as long again: its 200 ms default would add up to 400 ms to a quiet consumer.
BATCH_TIMEOUT_MS = 25


async def _leave_bytes_alone(message: StreamMessage[Any]) -> Any:
    """FastStream would JSON-decode each body before our handler runs, so a malformed
    message would fail the whole batch. Our codec reads (and dead-letters) each one."""
    return message.body


def earliest_offsets(records: Iterable[ConsumedRecord]) -> dict[TopicPartition, int]:
    """Where to rewind each partition of a batch that was not applied.

    A batch may span partitions; every one must go back to its first record, or the
    next batch's commit would carry a partition past records never applied.
    """
    earliest: dict[TopicPartition, int] = {}
    for record in records:
        partition = TopicPartition(record.topic, record.partition)
        earliest[partition] = min(record.offset, earliest.get(partition, record.offset))
    return earliest


def consumer_group(prefix: str, consumer_name: str) -> str:
    return f"{prefix}.{consumer_name}"


def subscribe(
    broker: KafkaBroker,
    processor: EventProcessor,
    *,
    group_prefix: str,
    max_records: int,
) -> None:
    if processor.retry.deadline_s * 1000 * 2 > MAX_POLL_INTERVAL_MS:
        raise ValueError("retry deadline must stay well inside max_poll_interval")
    consumer = processor.consumer
    subscriber = broker.subscriber(
        *consumer.topics,
        group_id=consumer_group(group_prefix, consumer.name),
        batch=True,
        max_records=max_records,
        batch_timeout_ms=BATCH_TIMEOUT_MS,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
        decoder=_leave_bytes_alone,
        title=consumer.name,
        description=consumer.description,
    )

    async def handle(message: KafkaMessage) -> None:
        records = message.raw_message
        batch = records if isinstance(records, tuple) else (records,)
        try:
            await processor.process(batch)
        except RetriesExhausted as error:
            # The database is away: an outage, not a bug, so one line and no traceback.
            log.warning(
                "batch not applied; it will be redelivered",
                consumer=consumer.name,
                error=str(error)[:300],
            )
            await _rewind(message, batch)
            return
        except Exception:
            log.exception("batch not applied; it will be redelivered", consumer=consumer.name)
            await _rewind(message, batch)
            return
        try:
            await message.ack()
        except KafkaError as error:
            # The group rebalanced while the batch was applied (CommitFailedError) or the
            # broker went away: the batch is redelivered and the inbox drops it. Nothing
            # is lost, so this is worth a warning, not an error with a traceback.
            COMMITS_FAILED.labels(consumer.name).inc()
            log.warning(
                "offsets not committed; the batch will be redelivered and deduplicated",
                consumer=consumer.name,
                error_class=type(error).__name__,
                error=str(error)[:300],
            )

    subscriber(handle)


async def _rewind(message: KafkaMessage, batch: Iterable[ConsumedRecord]) -> None:
    await asyncio.sleep(NACK_PAUSE_S)
    for partition, offset in earliest_offsets(batch).items():
        try:
            message.consumer.seek(partition, offset)
        except IllegalStateError:
            # Not ours any more (the group rebalanced): its new owner starts from the
            # last committed offset, which is before this batch.
            log.info("partition reassigned; not rewinding it", partition=str(partition))


def subscriber_name(subscriber: object) -> str:
    return str(getattr(subscriber, "group_id", None) or subscriber)


def idle_subscribers(broker: KafkaBroker) -> list[str]:
    """The subscribers not consuming now: stopped, or with no live consume task."""
    return sorted(
        subscriber_name(subscriber)
        for subscriber in broker.subscribers
        if not subscriber.running
        or not any(not task.done() for task in getattr(subscriber, "tasks", ()))
    )


def subscriber_watch(broker: KafkaBroker, *, service: str, every_s: float = 1.0) -> Loop:
    """A supervised loop that keeps an eye on the broker's subscribers.

    FastStream restarts a subscriber's consume task when it dies (logging the exception
    once, and adding the new task to `subscriber.tasks`). This loop counts those restarts
    in `campusflow_loop_restarts_total{loop="consumer:<group>"}` and reports a subscriber
    with no live task as a failing round, which /healthz sees after its limit.
    """

    async def watch(stop: asyncio.Event, health: LoopHealth) -> None:
        seen: dict[int, int] = {}
        while not stop.is_set():
            for subscriber in broker.subscribers:
                tasks = getattr(subscriber, "tasks", ())
                name = f"consumer:{subscriber_name(subscriber)}"
                restarted = len(tasks) - seen.get(id(subscriber), 1)
                seen[id(subscriber)] = len(tasks)
                if restarted > 0:
                    LOOP_RESTARTS.labels(service, name).inc(restarted)
                    log.warning("consumer task restarted", consumer=name, restarts=restarted)
            down = [f"consumer:{name}" for name in idle_subscribers(broker)]
            if down:
                health.failed(RuntimeError(f"not consuming: {', '.join(down)}"))
            else:
                health.succeeded()
            await sleep_or_stop(stop, every_s)

    return watch
