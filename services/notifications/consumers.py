"""Notifications' event consumers: validate, call the use case (inbox and DLT are the kernel's)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg

from services.notifications.service import notices as service
from shared.events.base import Envelope
from shared.events.recruitment import (
    ApplicantAdmitted,
    ApplicantPromoted,
    ApplicantRejected,
    ApplicantWaitlisted,
    ApplicationSubmitted,
)
from shared.messaging.consumer import BatchHandler, EventConsumer


async def record_notices(
    conn: asyncpg.Connection, events: Sequence[tuple[service.NoticeEvent, Envelope]]
) -> None:
    await service.record_notices(conn, events=events, now=datetime.now(UTC))


APPLICANT_NOTICES = EventConsumer(
    "notifications.applicant-notices",
    batch_handlers=[
        BatchHandler(ApplicationSubmitted, record_notices),
        BatchHandler(ApplicantAdmitted, record_notices),
        BatchHandler(ApplicantWaitlisted, record_notices),
        BatchHandler(ApplicantRejected, record_notices),
        BatchHandler(ApplicantPromoted, record_notices),
    ],
    description="Tells each applicant their application was received, and the selection result.",
)

CONSUMERS: tuple[EventConsumer, ...] = (APPLICANT_NOTICES,)
