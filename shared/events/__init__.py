"""Event contracts: the only thing services share about each other."""

from shared.events.base import DomainEvent, Envelope, MalformedEvent
from shared.events.codec import EncodedEvent, decode, encode
from shared.events.recruitment import ApplicationSubmitted
from shared.events.registry import EVENTS, TOPICS, UnknownEventType

__all__ = [
    "EVENTS",
    "TOPICS",
    "ApplicationSubmitted",
    "DomainEvent",
    "EncodedEvent",
    "Envelope",
    "MalformedEvent",
    "UnknownEventType",
    "decode",
    "encode",
]
