"""SQL of dropout cases on the beneficiary register."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from services.recruitment.domain.dropouts import DropoutCase

_COLUMNS = (
    "case_id, college, beneficiary_id, school_id, county, note, reported_by, reported_at,"
    " return_by, returned_at, returned_by"
)


async def insert_case(conn: asyncpg.Connection, case: DropoutCase) -> None:
    await conn.execute(
        f"INSERT INTO dropout_cases ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
        " $10, $11)",
        case.case_id,
        case.college,
        case.beneficiary_id,
        case.school_id,
        case.county,
        case.note,
        case.reported_by,
        case.reported_at,
        case.return_by,
        case.returned_at,
        case.returned_by,
    )


async def open_case(
    conn: asyncpg.Connection, *, college: str, beneficiary_id: UUID
) -> DropoutCase | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM dropout_cases WHERE college = $1 AND beneficiary_id = $2"
        " AND returned_at IS NULL FOR UPDATE",
        college,
        beneficiary_id,
    )
    return None if row is None else DropoutCase(**dict(row))


async def record_return(
    conn: asyncpg.Connection, *, case_id: UUID, returned_at: datetime, returned_by: str
) -> None:
    await conn.execute(
        "UPDATE dropout_cases SET returned_at = $2, returned_by = $3 WHERE case_id = $1",
        case_id,
        returned_at,
        returned_by,
    )


async def cases_of_child(
    conn: asyncpg.Connection, *, college: str, beneficiary_id: UUID
) -> list[DropoutCase]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM dropout_cases WHERE college = $1 AND beneficiary_id = $2"
        " ORDER BY reported_at DESC, case_id",
        college,
        beneficiary_id,
    )
    return [DropoutCase(**dict(row)) for row in rows]
