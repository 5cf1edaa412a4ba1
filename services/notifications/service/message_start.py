"""Putting messages on their way, many in a few statements: each message's notice in the
inbox at once when 'inapp' is on its path (recorded as an in-app delivery), a queued
delivery for its first outside channel. Used by `notify` (one event's recipients), the
release of held messages and the failover of one delivery (service/dispatch_record.py).

Every function runs in the transaction it is handed; the events it returns are for the
caller to write to the outbox in that transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.notifications.domain.delivery import (
    INAPP,
    Rendering,
    dedupe_key,
    delivery_id_for,
    first_outside,
)
from services.notifications.domain.delivery_records import InboxNotice, Message
from services.notifications.repository import deliveries as delivery_rows
from services.notifications.repository import notices as notice_rows
from services.notifications.repository.deliveries import NewDelivery
from shared.events.base import DomainEvent
from shared.events.notifications import MessageDelivered

Started = tuple[Message, Rendering]


async def start_messages(
    conn: asyncpg.Connection, started: Sequence[Started], *, now: datetime
) -> dict[UUID, list[DomainEvent]]:
    """Start each message (its in-app notice, its first outside channel queued) in three
    statements whatever their number; the events to publish, by message id (a message
    whose in-app delivery already existed gets none: nothing is told twice)."""
    rows: list[NewDelivery] = []
    for message, rendered in started:
        if INAPP in message.channels:
            rows.append(_delivery(message, INAPP, rendered.version, "delivered"))
        outside = first_outside(message.channels)
        if outside is not None:
            rows.append(_delivery(message, outside, rendered.version, "queued"))
    made = await delivery_rows.insert_deliveries(conn, rows, now=now)
    in_app = [
        (message, rendered)
        for message, rendered in started
        if delivery_id_for(message.message_id, INAPP) in made
    ]
    return await _put_in_inboxes(conn, in_app, now=now)


async def deliver_in_app(
    conn: asyncpg.Connection, message: Message, rendered: Rendering, *, now: datetime
) -> list[DomainEvent]:
    """The notice (id = the message's), recorded as an in-app delivery; nothing when it
    is already in the inbox."""
    row = _delivery(message, INAPP, rendered.version, "delivered")
    if not await delivery_rows.insert_deliveries(conn, [row], now=now):
        return []
    told = await _put_in_inboxes(conn, [(message, rendered)], now=now)
    return told[message.message_id]


async def queue_delivery(
    conn: asyncpg.Connection, message: Message, channel: str, version: int, *, now: datetime
) -> bool:
    """Queue one outside channel's delivery; False when its dedupe key already exists."""
    row = _delivery(message, channel, version, "queued")
    return bool(await delivery_rows.insert_deliveries(conn, [row], now=now))


def _delivery(message: Message, channel: str, version: int, status: str) -> NewDelivery:
    return NewDelivery(
        delivery_id=delivery_id_for(message.message_id, channel),
        message_id=message.message_id,
        college=message.college,
        channel=channel,
        dedupe_key=dedupe_key(message.event_id, message.recipient_id, channel, version),
        template_version=version,
        status=status,
    )


async def _put_in_inboxes(
    conn: asyncpg.Connection, told: Sequence[Started], *, now: datetime
) -> dict[UUID, list[DomainEvent]]:
    """The notices of messages whose in-app delivery this transaction just recorded."""
    await notice_rows.insert_message_notices(
        conn,
        [
            InboxNotice(
                id=message.message_id,
                college=message.college,
                recipient_id=message.recipient_id,
                kind=message.kind,
                title=rendered.title,
                body=rendered.body,
                subject_id=message.subject_id,
                created_at=now,
                read_at=None,
                priority=message.priority,
                category=message.category,
                message_id=message.message_id,
            )
            for message, rendered in told
        ],
    )
    events: dict[UUID, list[DomainEvent]] = {message.message_id: [] for message, _ in told}
    for message, _ in told:
        events[message.message_id].append(
            MessageDelivered(
                college=message.college,
                message_id=message.message_id,
                recipient_id=message.recipient_id,
                kind=message.kind,
                channel="inapp",
                delivered_at=now,
            )
        )
    return events
