"""SQL of messages: made once per (event, recipient, kind), released when held, read by
their recipient and by the college's admins."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.notifications.domain.delivery_records import Message


async def existing_ids(conn: asyncpg.Connection, message_ids: Sequence[UUID]) -> set[UUID]:
    rows = await conn.fetch(
        "SELECT message_id FROM messages WHERE message_id = ANY($1::uuid[])", list(message_ids)
    )
    return {row["message_id"] for row in rows}


async def insert_message(conn: asyncpg.Connection, message: Message) -> bool:
    """Insert unless it exists (a concurrent replay); True when this call made it."""
    made = await conn.fetchval(
        "INSERT INTO messages (message_id, college, event_id, recipient_id, kind, category,"
        " priority, subject_id, fields, locale, channels, status, hold_until, created_at,"
        " updated_at, time_zone)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb,$10,$11,$12,$13,$14,$15,$16)"
        " ON CONFLICT (message_id) DO NOTHING RETURNING true",
        message.message_id,
        message.college,
        message.event_id,
        message.recipient_id,
        message.kind,
        message.category,
        message.priority,
        message.subject_id,
        json.dumps(message.fields, default=str, ensure_ascii=False),
        message.locale,
        list(message.channels),
        message.status,
        message.hold_until,
        message.created_at,
        message.updated_at,
        message.time_zone,
    )
    return bool(made)


async def set_status(
    conn: asyncpg.Connection, message_id: UUID, status: str, *, now: datetime
) -> None:
    await conn.execute(
        "UPDATE messages SET status = $2, updated_at = $3 WHERE message_id = $1",
        message_id,
        status,
        now,
    )


async def claim_held_due(conn: asyncpg.Connection, *, now: datetime, limit: int) -> list[Message]:
    """Held messages whose hold ended, locked for this transaction (other replicas skip)."""
    rows = await conn.fetch(
        "SELECT * FROM messages WHERE status = 'held' AND hold_until <= $1"
        " ORDER BY hold_until LIMIT $2 FOR UPDATE SKIP LOCKED",
        now,
        limit,
    )
    return [message_of(row) for row in rows]


async def message(conn: asyncpg.Connection, *, college: str, message_id: UUID) -> Message | None:
    row = await conn.fetchrow(
        "SELECT * FROM messages WHERE college = $1 AND message_id = $2", college, message_id
    )
    return message_of(row) if row is not None else None


async def messages_of_recipient(
    conn: asyncpg.Connection, *, college: str, recipient_id: str, limit: int, offset: int
) -> list[Message]:
    rows = await conn.fetch(
        "SELECT * FROM messages WHERE college = $1 AND recipient_id = $2"
        " ORDER BY created_at DESC, message_id LIMIT $3 OFFSET $4",
        college,
        recipient_id,
        limit,
        offset,
    )
    return [message_of(row) for row in rows]


def message_of(row: Any) -> Message:
    fields = row["fields"]
    return Message(
        message_id=row["message_id"],
        college=row["college"],
        event_id=row["event_id"],
        recipient_id=row["recipient_id"],
        kind=row["kind"],
        category=row["category"],
        priority=row["priority"],
        subject_id=row["subject_id"],
        fields=json.loads(fields) if isinstance(fields, str) else dict(fields),
        locale=row["locale"],
        channels=tuple(row["channels"]),
        status=row["status"],
        hold_until=row["hold_until"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        time_zone=row["time_zone"],
    )
