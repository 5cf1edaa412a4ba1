"""SQL of the access log of children's contact cards: append and read, never change."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from services.recruitment.domain.beneficiaries import AccessFilter, CardAccess
from services.recruitment.domain.paging import Paging


def _access(row: asyncpg.Record) -> CardAccess:
    # The table's columns are the access's fields.
    return CardAccess(**{**dict(row), "reader_roles": tuple(row["reader_roles"])})


async def record_access(
    conn: asyncpg.Connection,
    *,
    college: str,
    beneficiary_id: UUID,
    reader_id: str,
    reader_roles: frozenset[str],
    reader_college: str | None,
    action: str,
    purpose: str,
    at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO beneficiary_access_log (college, beneficiary_id, reader_id, reader_roles,"
        " reader_college, action, purpose, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        college,
        beneficiary_id,
        reader_id,
        sorted(reader_roles),
        reader_college,
        action,
        purpose,
        at,
    )


async def list_access(
    conn: asyncpg.Connection, *, college: str, where: AccessFilter, paging: Paging
) -> list[CardAccess]:
    rows = await conn.fetch(
        "SELECT * FROM beneficiary_access_log WHERE college = $1"
        " AND ($2::uuid IS NULL OR beneficiary_id = $2) AND ($3::text IS NULL OR reader_id = $3)"
        " ORDER BY at DESC, id DESC LIMIT $4 OFFSET $5",
        college,
        where.beneficiary_id,
        where.reader_id,
        paging.limit,
        paging.offset,
    )
    return [_access(row) for row in rows]
