"""Routing an event from another service: remember what it tells (the read models), then
tell the people it concerns through the message pipeline (`notify`), in the one
transaction the consumer hands over. An event type without a route is counted and
skipped; a route that finds nobody to tell is counted too."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import structlog
from prometheus_client import Counter

from services.notifications.domain.route_model import route_event
from services.notifications.domain.routes import routes_for
from services.notifications.service import read_models
from services.notifications.service.messages import notify
from services.notifications.service.webhooks import offer_to_webhooks
from shared.events.base import DomainEvent, Envelope

log = structlog.get_logger(__name__)

UNROUTED = Counter(
    "campusflow_notifications_unrouted_total",
    "Consumed events whose type has no route: nobody is told",
    ["event_type"],
)
UNADDRESSED = Counter(
    "campusflow_notifications_unaddressed_total",
    "Routed events that found nobody to tell (e.g. a team or a next shift not known yet)",
    ["event_type"],
)
ROUTED = Counter(
    "campusflow_notifications_routed_total",
    "Messages made from routed events (one per recipient)",
    ["kind"],
)


async def route(
    conn: asyncpg.Connection, event: DomainEvent, envelope: Envelope, *, now: datetime
) -> int:
    """Remember the event's facts, offer it to the college's webhooks (routed or not) and
    tell whom it concerns; how many people were told."""
    await read_models.fold(conn, event)
    await offer_to_webhooks(
        conn,
        college=event.college,
        event_type=envelope.type,
        event_id=envelope.id,
        occurred_at=envelope.time,
        data=event.model_dump(mode="json"),
        now=now,
    )
    found = routes_for(envelope.type)
    if not found:
        UNROUTED.labels(envelope.type).inc()
        return 0
    told = 0
    for one in found:  # the main route, then any second audience (e.g. school contacts)
        facts = await read_models.facts_for(conn, event, one.needs)
        routed = route_event(one, event, facts)
        if not routed.recipients:
            if one is found[0]:
                UNADDRESSED.labels(envelope.type).inc()
                log.info(
                    "routed event concerns nobody known",
                    event_type=envelope.type,
                    event_id=envelope.id,
                )
            continue
        await notify(
            conn,
            college=event.college,
            event_id=envelope.id,
            kind=routed.kind,
            recipient_ids=routed.recipients,
            fields=routed.fields,
            subject_id=routed.subject_id,
            now=now,
        )
        ROUTED.labels(routed.kind).inc(len(routed.recipients))
        told += len(routed.recipients)
    return told
