"""Every event type, the topic it travels on, and each topic's partition count.

This is the single source for topic creation, the Kubernetes KafkaTopic
manifests and the AsyncAPI document.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.events.base import DomainEvent
from shared.events.recruitment import ApplicationSubmitted

DEAD_LETTER_SUFFIX = ".dlt"


class UnknownEventType(LookupError):
    """No contract is registered for a message's ce_type: a permanent failure."""


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    producer: str
    description: str

    @property
    def dead_letter(self) -> str:
        return self.name + DEAD_LETTER_SUFFIX


@dataclass(frozen=True)
class EventSpec:
    model: type[DomainEvent]
    topic: Topic

    @property
    def type(self) -> str:
        return self.model.event_type


RECRUITMENT_APPLICATIONS = Topic(
    name="campusflow.recruitment.applications",
    partitions=6,
    producer="recruitment",
    description="Volunteer applications to recruitment campaigns, keyed by application id.",
)

TOPICS: tuple[Topic, ...] = (RECRUITMENT_APPLICATIONS,)

EVENTS: tuple[EventSpec, ...] = (EventSpec(ApplicationSubmitted, RECRUITMENT_APPLICATIONS),)

_BY_TYPE = {spec.type: spec for spec in EVENTS}
_BY_MODEL = {spec.model: spec for spec in EVENTS}


def spec_for_type(event_type: str) -> EventSpec:
    try:
        return _BY_TYPE[event_type]
    except KeyError:
        raise UnknownEventType(f"no contract registered for event type {event_type!r}") from None


def spec_for_event(event: DomainEvent) -> EventSpec:
    try:
        return _BY_MODEL[type(event)]
    except KeyError:
        raise UnknownEventType(f"{type(event).__name__} is not in the registry") from None


def all_topic_names() -> list[str]:
    """Every topic the platform needs, dead-letter topics included."""
    return [name for topic in TOPICS for name in (topic.name, topic.dead_letter)]
