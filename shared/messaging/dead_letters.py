"""Dead letters: a message no consumer can apply goes to `<topic>.dlt` with the reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from aiokafka import AIOKafkaProducer
from prometheus_client import Counter

from shared.events.registry import DEAD_LETTER_SUFFIX

DEAD_LETTERED = Counter(
    "campusflow_dead_letters_total", "Messages sent to a dead-letter topic", ["consumer", "topic"]
)
_MAX_REASON = 2000


class ConsumedRecord(Protocol):
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] | list[tuple[str, bytes]]


def dead_letter_headers(
    record: ConsumedRecord, *, consumer: str, error: BaseException, now: datetime
) -> list[tuple[str, bytes]]:
    kept = [(k, v) for k, v in record.headers if not k.startswith("dlt_")]
    return [
        *kept,
        ("dlt_original_topic", record.topic.encode()),
        ("dlt_original_partition", str(record.partition).encode()),
        ("dlt_original_offset", str(record.offset).encode()),
        ("dlt_consumer", consumer.encode()),
        ("dlt_error_class", type(error).__name__.encode()),
        ("dlt_error_message", str(error)[:_MAX_REASON].encode(errors="replace")),
        ("dlt_failed_at", now.isoformat().encode()),
    ]


class DeadLetterPublisher:
    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def send(self, record: ConsumedRecord, *, consumer: str, error: BaseException) -> None:
        topic = record.topic + DEAD_LETTER_SUFFIX
        await self._producer.send_and_wait(
            topic,
            value=record.value,
            key=record.key,
            headers=dead_letter_headers(
                record, consumer=consumer, error=error, now=datetime.now(UTC)
            ),
        )
        DEAD_LETTERED.labels(consumer=consumer, topic=record.topic).inc()
