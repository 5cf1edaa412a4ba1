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
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage

from shared.messaging.consumer import EventProcessor
from shared.messaging.dead_letters import ConsumedRecord

log = structlog.get_logger(__name__)

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
        except Exception:
            log.exception("batch not applied; it will be redelivered", consumer=consumer.name)
            await asyncio.sleep(NACK_PAUSE_S)
            for partition, offset in earliest_offsets(batch).items():
                message.consumer.seek(partition, offset)
            return
        await message.ack()

    subscriber(handle)
