"""Helpers for routing's e2e tests: other services' events produced onto Kafka exactly as
their outbox relay would (CloudEvents headers, the event's key, a fixed event id so a
replay is the same event), waiting until notifications' routing consumers have consumed
everything, reading a person's inbox and the service's metrics."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

import httpx

from services.notifications.consumers.routing import ROUTING_CONSUMERS
from shared.events.base import DomainEvent
from shared.events.registry import spec_for_model
from shared.messaging.subscriptions import consumer_group
from tests.support.auth import bearer
from tests.support.kafka import group_caught_up, publish, publish_raw, wait_until

Produced = tuple[DomainEvent, UUID]


def run_id() -> str:
    """A suffix that keeps one run's people apart from another's on a reused stack."""
    return uuid4().hex[:8]


def with_ids(events: Sequence[DomainEvent]) -> list[Produced]:
    return [(event, uuid4()) for event in events]


async def produce(bootstrap: str, events: Sequence[Produced]) -> None:
    """Each event under its CloudEvents id, from its producing service's source."""
    await publish(bootstrap, events)


async def produce_raw(bootstrap: str, event: DomainEvent, value: bytes) -> None:
    """A message with a real event's headers and key but the given value (malformed)."""
    await publish_raw(bootstrap, event, value)


async def routed(bootstrap: str, events: Sequence[Produced], timeout_s: float = 90) -> None:
    """Every routing consumer reading the events' topics has committed everything on them."""
    topics = {spec_for_model(type(event)).topic.name for event, _ in events}
    pairs = [
        (consumer_group("campusflow", consumer.name), topic)
        for consumer in ROUTING_CONSUMERS
        for topic in consumer.topics
        if topic in topics
    ]

    async def caught_up() -> bool:
        for group, topic in pairs:
            if not await group_caught_up(bootstrap, group, topic):
                return False
        return True

    await wait_until(caught_up, timeout_s=timeout_s, what=f"routing to consume {sorted(topics)}")


async def inbox(
    client: httpx.AsyncClient, url: str, college: str, person: str
) -> list[dict[str, Any]]:
    """The person's notices (newest first), read as they would read them."""
    response = await client.get(
        f"{url}/api/notifications/me",
        params={"limit": 200},
        headers=bearer(person, "student", college),
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def kinds_of(client: httpx.AsyncClient, url: str, college: str, person: str) -> list[str]:
    return sorted(notice["kind"] for notice in await inbox(client, url, college, person))


async def metric(client: httpx.AsyncClient, url: str, name: str, **labels: str) -> float:
    """A counter's value from the service's /metrics (0 when the series is not there yet)."""
    response = await client.get(f"{url}/metrics")
    assert response.status_code == 200
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = re.compile(rf"^{re.escape(name)}\{{{re.escape(wanted)}\}} (\S+)$", re.MULTILINE)
    found = pattern.search(response.text)
    return float(found.group(1)) if found else 0.0


def admin(college: str) -> dict[str, str]:
    return bearer(f"{college}-admin", "college_admin", college)
