"""Turning events into Kafka messages and back, refusing anything malformed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from pydantic import ValidationError

from shared.events.base import DomainEvent, Envelope, MalformedEvent, new_traceparent
from shared.events.registry import spec_for_event, spec_for_type

# A single event is a small fact; anything larger is a bug or an attack.
MAX_EVENT_BYTES = 256 * 1024


@dataclass(frozen=True)
class EncodedEvent:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    envelope: Envelope


def encode(
    event: DomainEvent,
    *,
    source: str,
    now: datetime,
    event_id: UUID | None = None,
    traceparent: str | None = None,
) -> EncodedEvent:
    spec = spec_for_event(event)
    envelope = Envelope(
        id=event_id or uuid4(),
        type=spec.type,
        source=source,
        time=now,
        college=event.college,
        traceparent=traceparent or new_traceparent(),
    )
    value = event.model_dump_json().encode()
    if len(value) > MAX_EVENT_BYTES:
        raise MalformedEvent(f"{spec.type} is {len(value)} bytes; the limit is {MAX_EVENT_BYTES}")
    return EncodedEvent(
        topic=spec.topic.name,
        key=event.aggregate_id.encode(),
        value=value,
        headers=envelope.to_headers(),
        envelope=envelope,
    )


def decode(
    headers: list[tuple[str, bytes | None]] | tuple[tuple[str, bytes | None], ...],
    value: bytes | None,
) -> tuple[Envelope, DomainEvent]:
    """Read one message. Raises MalformedEvent or UnknownEventType (both permanent)."""
    envelope = Envelope.from_headers(headers)
    spec = spec_for_type(envelope.type)
    if value is None:
        raise MalformedEvent("message has no value")
    if len(value) > MAX_EVENT_BYTES:
        raise MalformedEvent(f"message is {len(value)} bytes; the limit is {MAX_EVENT_BYTES}")
    try:
        event = spec.model.model_validate_json(value)
    except ValidationError as error:
        raise MalformedEvent(f"{envelope.type} payload invalid: {error}") from error
    if event.college != envelope.college:
        raise MalformedEvent(
            f"college header {envelope.college!r} disagrees with payload {event.college!r}"
        )
    return envelope, event
