"""Notifications' routing consumers: every event of recruitment, scheduling and evaluation
(and notifications' own escalation events) is remembered in the read models where it
matters, routed to the people it concerns, or counted as unrouted — never a crash.
Inbox (exactly once per consumer) and dead letters are the kernel's.

Two consumers: the applications' routed events keep their original consumer (its inbox
and offsets carry over: nobody hears twice of an application after an upgrade); one
`notifications.routing` reads every other topic.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import asyncpg

from services.notifications.domain.routes import ROUTES
from services.notifications.service.routing import route
from shared.events.base import DomainEvent, Envelope
from shared.events.registry import (
    EVENTS,
    NOTIFICATIONS_ESCALATIONS,
    RECRUITMENT_APPLICATIONS,
    Topic,
)
from shared.messaging.consumer import AnyHandler, EventConsumer, Handler


async def route_one(conn: asyncpg.Connection, event: DomainEvent, envelope: Envelope) -> None:
    await route(conn, event, envelope, now=datetime.now(UTC))


def _handlers(topics: Iterable[Topic], *, routed: bool | None = None) -> list[AnyHandler]:
    """A handler for every registered event type on the topics (with a route or not; or
    only those with one, or only those without)."""
    names = {topic.name for topic in topics}
    return [
        Handler(spec.model, route_one)
        for spec in EVENTS
        if spec.topic.name in names and (routed is None or routed == (spec.type in ROUTES))
    ]


def _topics_of(producer: str) -> list[Topic]:
    seen: dict[str, Topic] = {}
    for spec in EVENTS:
        if spec.topic.producer == producer:
            seen.setdefault(spec.topic.name, spec.topic)
    return list(seen.values())


APPLICANT_NOTICES = EventConsumer(
    "notifications.applicant-notices",
    handlers=_handlers([RECRUITMENT_APPLICATIONS], routed=True),
    description="Tells each applicant of their application: received, interview, result.",
)

# Every other topic of the three sources, and notifications' own escalation events (routed
# nowhere: counted, offered to webhooks). One group: fewer consumers to start, heartbeat
# and rebalance. Notifications' delivery outcomes (one per message) are left to their
# Kafka subscribers.
ROUTING = EventConsumer(
    "notifications.routing",
    handlers=[
        *_handlers(t for t in _topics_of("recruitment") if t != RECRUITMENT_APPLICATIONS),
        *_handlers([RECRUITMENT_APPLICATIONS], routed=False),
        *_handlers(_topics_of("scheduling")),
        *_handlers(_topics_of("evaluation")),
        *_handlers([NOTIFICATIONS_ESCALATIONS]),
    ],
    description="Routes recruitment's (memberships, teams, pairings), scheduling's and "
    "evaluation's events; counts the unrouted ones (the applications' others, notifications' "
    "own escalations).",
)

ROUTING_CONSUMERS: tuple[EventConsumer, ...] = (APPLICANT_NOTICES, ROUTING)
