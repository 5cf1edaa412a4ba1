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


async def insert_messages(conn: asyncpg.Connection, messages: Sequence[Message]) -> set[UUID]:
    """Insert those that do not exist yet, in one statement; the ids this call made (the
    others a concurrent replay made)."""
    if not messages:
        return set()
    rows = await conn.fetch(
        "INSERT INTO messages (message_id, college, event_id, recipient_id, kind, category,"
        " priority, subject_id, fields, locale, channels, status, hold_until, created_at,"
        " updated_at, time_zone)"
        " SELECT m.message_id, m.college, m.event_id, m.recipient_id, m.kind, m.category,"
        "  m.priority, m.subject_id, m.fields::jsonb, m.locale,"
        "  string_to_array(m.channels, ','), m.status, m.hold_until, m.created_at,"
        "  m.updated_at, m.time_zone"
        " FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[],"
        "  $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],"
        "  $13::timestamptz[], $14::timestamptz[], $15::timestamptz[], $16::text[])"
        "  AS m(message_id, college, event_id, recipient_id, kind, category, priority,"
        "  subject_id, fields, locale, channels, status, hold_until, created_at, updated_at,"
        "  time_zone)"
        " ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
        [m.message_id for m in messages],
        [m.college for m in messages],
        [m.event_id for m in messages],
        [m.recipient_id for m in messages],
        [m.kind for m in messages],
        [m.category for m in messages],
        [m.priority for m in messages],
        [m.subject_id for m in messages],
        [json.dumps(m.fields, default=str, ensure_ascii=False) for m in messages],
        [m.locale for m in messages],
        [",".join(m.channels) for m in messages],  # channel names hold no comma
        [str(m.status) for m in messages],
        [m.hold_until for m in messages],
        [m.created_at for m in messages],
        [m.updated_at for m in messages],
        [m.time_zone for m in messages],
    )
    return {row["message_id"] for row in rows}


async def set_statuses(
    conn: asyncpg.Connection, statuses: Sequence[tuple[UUID, str]], *, now: datetime
) -> None:
    """Set several messages' statuses in one statement."""
    if not statuses:
        return
    await conn.execute(
        "UPDATE messages m SET status = s.status, updated_at = $3"
        " FROM unnest($1::uuid[], $2::text[]) AS s(message_id, status)"
        " WHERE m.message_id = s.message_id",
        [message_id for message_id, _ in statuses],
        [status for _, status in statuses],
        now,
    )


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
