"""Notification use cases; each runs in the one transaction it is handed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.notifications.domain.notices import (
    Notice,
    SelectionResult,
    application_received,
    selection_result,
)
from services.notifications.repository import notices as repository
from shared.events.base import Envelope
from shared.events.recruitment import ApplicationSubmitted

# The events a notice is made from; the consumer hands over no other.
NoticeEvent = ApplicationSubmitted | SelectionResult


def notice_for(event: NoticeEvent, *, event_id: UUID, now: datetime) -> Notice:
    """The notice an event gives its person."""
    if isinstance(event, ApplicationSubmitted):
        return application_received(event, event_id=event_id, now=now)
    return selection_result(event, event_id=event_id, now=now)


async def record_notices(
    conn: asyncpg.Connection,
    *,
    events: Sequence[tuple[NoticeEvent, Envelope]],
    now: datetime,
) -> list[Notice]:
    """One notice per event, written in one statement."""
    notices = [notice_for(event, event_id=envelope.id, now=now) for event, envelope in events]
    await repository.insert_notices(conn, notices)
    return notices


async def notices_of(
    conn: asyncpg.Connection, *, college: str, recipient_id: str, limit: int, offset: int
) -> list[Notice]:
    return await repository.notices_for(
        conn, college=college, recipient_id=recipient_id, limit=limit, offset=offset
    )
