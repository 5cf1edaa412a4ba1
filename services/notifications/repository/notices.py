"""All SQL of the notifications service."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

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
