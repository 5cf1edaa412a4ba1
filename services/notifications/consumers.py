"""Notifications' event consumers: validate, call the use case (inbox and DLT are the kernel's)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from services.notifications import service
from shared.events.base import DomainEvent, Envelope
from shared.events.recruitment import ApplicationSubmitted
from shared.events.registry import RECRUITMENT_APPLICATIONS
from shared.messaging.consumer import EventConsumer
from shared.messaging.failures import PermanentFailure


async def on_application_submitted(
    conn: asyncpg.Connection, event: DomainEvent, envelope: Envelope
) -> None:
    if not isinstance(event, ApplicationSubmitted):
        raise PermanentFailure(f"expected ApplicationSubmitted, got {type(event).__name__}")
    await service.notify_application_received(
        conn, event=event, event_id=envelope.id, now=datetime.now(UTC)
    )


APPLICANT_NOTICES = EventConsumer(
    name="notifications.applicant-notices",
    topics=(RECRUITMENT_APPLICATIONS.name,),
    handlers={ApplicationSubmitted.event_type: on_application_submitted},
    description="Tells each applicant their volunteer application was received.",
)

CONSUMERS: tuple[EventConsumer, ...] = (APPLICANT_NOTICES,)
