"""Notifications' routing consumers: every event of recruitment, scheduling and evaluation
(and notifications' own escalation events) is remembered in the read models where it
matters, routed to the people it concerns, or counted as unrouted — never a crash.
Inbox (exactly once per consumer) and dead letters are the kernel's.

One consumer per source; the applications' routed events keep their original consumer
(its inbox and offsets carry over: nobody hears twice of an application after an upgrade).
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

RECRUITMENT_ROUTING = EventConsumer(
    "notifications.recruitment-routing",
    handlers=[
        *_handlers(t for t in _topics_of("recruitment") if t != RECRUITMENT_APPLICATIONS),
        *_handlers([RECRUITMENT_APPLICATIONS], routed=False),
    ],
    description="Routes recruitment's events: memberships, project teams, pairings (and the "
    "applications' events no applicant is told of).",
)

SCHEDULING_ROUTING = EventConsumer(
    "notifications.scheduling-routing",
    handlers=_handlers(_topics_of("scheduling")),
    description="Routes scheduling's events: shifts, swaps, duty, meetings, leave, sanctions, "
    "activities, tasks.",
)

EVALUATION_ROUTING = EventConsumer(
    "notifications.evaluation-routing",
    handlers=_handlers(_topics_of("evaluation")),
    description="Routes evaluation's events: reports, reviews, integrity, grades, awards, "
    "defenses, credits, staff assessments.",
)

# Notifications' own escalation events: routed nowhere (counted), offered to webhooks.
# Its delivery outcomes (one per message) are left to their Kafka subscribers.
OWN_EVENTS = EventConsumer(
    "notifications.own-events",
    handlers=_handlers([NOTIFICATIONS_ESCALATIONS]),
    description="Counts notifications' own escalation events as unrouted and offers them to "
    "webhooks.",
)

ROUTING_CONSUMERS: tuple[EventConsumer, ...] = (
    APPLICANT_NOTICES,
    RECRUITMENT_ROUTING,
    SCHEDULING_ROUTING,
    EVALUATION_ROUTING,
    OWN_EVENTS,
)
