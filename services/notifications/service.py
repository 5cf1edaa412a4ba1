"""Notification use cases; each runs in the one transaction it is handed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from services.notifications import repository
from services.notifications.domain.notices import Notice, application_received
from shared.events.recruitment import ApplicationSubmitted


async def notify_application_received(
    conn: asyncpg.Connection, *, event: ApplicationSubmitted, event_id: UUID, now: datetime
) -> Notice:
    notice = application_received(event, event_id=event_id, now=now)
    await repository.insert_notice(conn, notice)
    return notice


async def notices_of(
    conn: asyncpg.Connection, *, college: str, recipient_id: str, limit: int, offset: int
) -> list[Notice]:
    return await repository.notices_for(
        conn, college=college, recipient_id=recipient_id, limit=limit, offset=offset
    )
