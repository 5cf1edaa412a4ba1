"""Other services' events onto Kafka for evaluation's consumers, as their outbox relays
publish them (or with a value of the test's own: a malformed message)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from uuid import UUID

from aiokafka import AIOKafkaProducer

from shared.events.base import DomainEvent
from shared.events.codec import EncodedEvent, encode


async def send(bootstrap: str, messages: Iterable[tuple[EncodedEvent, bytes]]) -> None:
    """Each message onto its event's topic with the event's key and headers, in order."""
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
    bootstrap: str, events: Iterable[tuple[DomainEvent, UUID | None]], *, source: str
) -> None:
    """Each event under its given CloudEvents id (a new one for None), from `source`."""
    encoded = [encode(e, source=source, now=datetime.now(UTC), event_id=i) for e, i in events]
    await send(bootstrap, [(m, m.value) for m in encoded])
