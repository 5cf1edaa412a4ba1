"""SQL of the volunteer corps' units (brigades, detachments, specialty groups)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.recruitment.domain.corps import CorpsUnit, UnitFilter
from services.recruitment.domain.paging import Paging

_COLUMNS = (
    "id, college, kind, name, created_at, county, school, specialty, brigade_id, dissolved_at"
)


def _unit(row: asyncpg.Record) -> CorpsUnit:
    return CorpsUnit(**dict(row))


async def insert_unit(conn: asyncpg.Connection, unit: CorpsUnit) -> None:
    await conn.execute(
        f"INSERT INTO corps_units ({_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        unit.id,
        unit.college,
        unit.kind,
        unit.name,
        unit.created_at,
        unit.county,
        unit.school,
        unit.specialty,
        unit.brigade_id,
        unit.dissolved_at,
    )


async def save_unit(conn: asyncpg.Connection, unit: CorpsUnit) -> None:
    await conn.execute(
        "UPDATE corps_units SET name = $3, dissolved_at = $4 WHERE college = $1 AND id = $2",
        unit.college,
        unit.id,
        unit.name,
        unit.dissolved_at,
    )


async def get_unit(
    conn: asyncpg.Connection, *, college: str, unit_id: UUID, for_update: bool = False
) -> CorpsUnit | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM corps_units WHERE college = $1 AND id = $2{lock}",
        college,
        unit_id,
    )
    return _unit(row) if row else None


async def county_has_brigade(conn: asyncpg.Connection, *, college: str, county: str) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM corps_units WHERE college = $1 AND kind = 'brigade' AND county = $2"
        " AND dissolved_at IS NULL",
        college,
        county,
    )
    return found is not None


async def subunits_of(
    conn: asyncpg.Connection, *, college: str, brigade_id: UUID
) -> list[CorpsUnit]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM corps_units WHERE college = $1 AND brigade_id = $2"
        " AND dissolved_at IS NULL",
        college,
        brigade_id,
    )
    return [_unit(row) for row in rows]


async def list_units(
    conn: asyncpg.Connection, *, college: str, where: UnitFilter, paging: Paging
) -> list[CorpsUnit]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM corps_units WHERE college = $1"
        " AND ($2::text IS NULL OR kind = $2) AND ($3::uuid IS NULL OR brigade_id = $3)"
        " AND ($4 OR dissolved_at IS NULL)"
        " ORDER BY created_at, id LIMIT $5 OFFSET $6",
        college,
        where.kind,
        where.brigade_id,
        where.include_dissolved,
        paging.limit,
        paging.offset,
    )
    return [_unit(row) for row in rows]
