"""Notifications' event consumers: validate, call the use case (inbox and DLT are the kernel's)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg

from services.notifications.service import notices as service
from shared.events.base import DomainEvent, Envelope
from shared.events.recruitment import (
    ApplicantAdmitted,
    ApplicantPromoted,
    ApplicantRejected,
    ApplicantWaitlisted,
    ApplicationSubmitted,
)
from shared.events.registry import RECRUITMENT_APPLICATIONS
from shared.messaging.consumer import EventConsumer


async def record_notices(
    conn: asyncpg.Connection, events: Sequence[tuple[DomainEvent, Envelope]]
) -> None:
    await service.record_notices(conn, events=events, now=datetime.now(UTC))


APPLICANT_NOTICES = EventConsumer(
    name="notifications.applicant-notices",
    topics=(RECRUITMENT_APPLICATIONS.name,),
    handlers={},
    batch_handlers=dict.fromkeys(
        (
            ApplicationSubmitted.event_type,
            ApplicantAdmitted.event_type,
            ApplicantWaitlisted.event_type,
            ApplicantRejected.event_type,
            ApplicantPromoted.event_type,
        ),
        record_notices,
    ),
    description="Tells each applicant their application was received, and the selection result.",
)

CONSUMERS: tuple[EventConsumer, ...] = (APPLICANT_NOTICES,)
