"""All SQL of the notifications service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.notifications.domain.delivery_records import InboxNotice
from services.notifications.domain.notices import Notice, NoticeKind


async def insert_notices(conn: asyncpg.Connection, notices: Sequence[Notice]) -> None:
    await conn.executemany(
        "INSERT INTO notices (id, college, recipient_id, kind, title, body, subject_id, created_at)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        [
            (
                n.id,
                n.college,
                n.recipient_id,
                n.kind.value,
                n.title,
                n.body,
                n.subject_id,
                n.created_at,
            )
            for n in notices
        ],
    )


async def notices_for(
    conn: asyncpg.Connection, *, college: str, recipient_id: str, limit: int, offset: int
) -> list[Notice]:
    rows = await conn.fetch(
        "SELECT * FROM notices WHERE college = $1 AND recipient_id = $2"
        " ORDER BY created_at DESC, id LIMIT $3 OFFSET $4",
        college,
        recipient_id,
        limit,
        offset,
    )
    return [
        Notice(
            id=row["id"],
            college=row["college"],
            recipient_id=row["recipient_id"],
            kind=NoticeKind(row["kind"]),
            title=row["title"],
            body=row["body"],
            subject_id=row["subject_id"],
            created_at=row["created_at"],
        )
        for row in rows
    ]


async def count_notices(conn: asyncpg.Connection, *, college: str, subject_id: str) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM notices WHERE college = $1 AND subject_id = $2",
            college,
            subject_id,
        )
    )


# --- the in-app inbox of the message pipeline ---------------------------------------


async def insert_message_notice(conn: asyncpg.Connection, notice: InboxNotice) -> bool:
    """The notice of a message (its id is the message's); False when it is already there."""
    made = await conn.fetchval(
        "INSERT INTO notices (id, college, recipient_id, kind, title, body, subject_id,"
        " created_at, message_id, priority, category) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"
        " ON CONFLICT DO NOTHING RETURNING true",
        notice.id,
        notice.college,
        notice.recipient_id,
        notice.kind,
        notice.title,
        notice.body,
        notice.subject_id,
        notice.created_at,
        notice.message_id,
        notice.priority,
        notice.category,
    )
    return bool(made)


async def insert_message_notices(
    conn: asyncpg.Connection, notices: Sequence[InboxNotice]
) -> set[UUID]:
    """`insert_message_notice` for many in one statement; the ids this call wrote."""
    if not notices:
        return set()
    rows = await conn.fetch(
        "INSERT INTO notices (id, college, recipient_id, kind, title, body, subject_id,"
        " created_at, message_id, priority, category)"
        " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],"
        "  $6::text[], $7::text[], $8::timestamptz[], $9::uuid[], $10::text[], $11::text[])"
        " ON CONFLICT DO NOTHING RETURNING id",
        [n.id for n in notices],
        [n.college for n in notices],
        [n.recipient_id for n in notices],
        [n.kind for n in notices],
        [n.title for n in notices],
        [n.body for n in notices],
        [n.subject_id for n in notices],
        [n.created_at for n in notices],
        [n.message_id for n in notices],
        [n.priority for n in notices],
        [n.category for n in notices],
    )
    return {row["id"] for row in rows}


async def inbox(
    conn: asyncpg.Connection,
    *,
    college: str,
    recipient_id: str,
    limit: int,
    offset: int,
    unread_only: bool = False,
) -> list[InboxNotice]:
    """A person's notices, newest first (optionally only the unread ones)."""
    rows = await conn.fetch(
        "SELECT * FROM notices WHERE college = $1 AND recipient_id = $2"
        " AND ($5 = false OR read_at IS NULL)"
        " ORDER BY created_at DESC, id LIMIT $3 OFFSET $4",
        college,
        recipient_id,
        limit,
        offset,
        unread_only,
    )
    return [inbox_notice_of(row) for row in rows]


async def unread_counts(
    conn: asyncpg.Connection, *, college: str, recipient_id: str
) -> tuple[int, int]:
    """(unread, of which critical) in a person's inbox."""
    row = await conn.fetchrow(
        "SELECT count(*) AS unread, count(*) FILTER (WHERE priority = 'critical') AS critical"
        " FROM notices WHERE college = $1 AND recipient_id = $2 AND read_at IS NULL",
        college,
        recipient_id,
    )
    assert row is not None
    return int(row["unread"]), int(row["critical"])


async def mark_read(
    conn: asyncpg.Connection, *, college: str, recipient_id: str, notice_id: UUID, now: datetime
) -> InboxNotice | None:
    """Mark one of the person's notices read (kept as first read); None if not theirs."""
    row = await conn.fetchrow(
        "UPDATE notices SET read_at = COALESCE(read_at, $4)"
        " WHERE college = $1 AND recipient_id = $2 AND id = $3 RETURNING *",
        college,
        recipient_id,
        notice_id,
        now,
    )
    return inbox_notice_of(row) if row is not None else None


async def mark_all_read(
    conn: asyncpg.Connection, *, college: str, recipient_id: str, now: datetime
) -> int:
    marked = await conn.fetchval(
        "WITH marked AS (UPDATE notices SET read_at = $3"
        " WHERE college = $1 AND recipient_id = $2 AND read_at IS NULL RETURNING 1)"
        " SELECT count(*) FROM marked",
        college,
        recipient_id,
        now,
    )
    return int(marked)


def inbox_notice_of(row: Any) -> InboxNotice:
    return InboxNotice(
        id=row["id"],
        college=row["college"],
        recipient_id=row["recipient_id"],
        kind=row["kind"],
        title=row["title"],
        body=row["body"],
        subject_id=row["subject_id"],
        created_at=row["created_at"],
        read_at=row["read_at"],
        priority=row["priority"],
        category=row["category"],
        message_id=row["message_id"],
    )
