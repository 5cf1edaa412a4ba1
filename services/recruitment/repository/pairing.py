"""SQL of pairings, and what pairing reads of the register and the volunteers."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.recruitment.domain.paging import Paging
from services.recruitment.domain.pairing import (
    ChildToPair,
    Pairing,
    PairingFilter,
    VolunteerToPair,
)

_CHILDREN = """
SELECT b.id, b.school_id, b.county, b.subject_needs,
       ARRAY(SELECT p.volunteer_id FROM pairings p
             WHERE p.college = b.college AND p.beneficiary_id = b.id AND p.ended_at IS NULL
             ORDER BY p.volunteer_id) AS current_volunteers,
       (SELECT p.volunteer_id FROM pairings p
        WHERE p.college = b.college AND p.beneficiary_id = b.id AND p.ended_at IS NOT NULL
          AND p.season_over
        ORDER BY p.ended_at DESC, p.pairing_id LIMIT 1) AS last_volunteer,
       ARRAY(SELECT DISTINCT p.volunteer_id FROM pairings p
             WHERE p.college = b.college AND p.beneficiary_id = b.id
               AND p.ended_at IS NOT NULL AND NOT p.season_over
             ORDER BY p.volunteer_id) AS barred_volunteers
FROM beneficiaries b
WHERE b.college = $1
"""


def _child(row: asyncpg.Record) -> ChildToPair:
    return ChildToPair(
        beneficiary_id=row["id"],
        school_id=row["school_id"],
        county=row["county"],
        subject_needs=tuple(row["subject_needs"]),
        last_volunteer_id=row["last_volunteer"],
        current_volunteer_ids=tuple(row["current_volunteers"]),
        barred_volunteer_ids=tuple(row["barred_volunteers"]),
    )


# The pairing's fields, as _pairing reads them.
_PAIRINGS = (
    "SELECT pairing_id AS id, college, beneficiary_id, volunteer_id, school_id, county, reasons,"
    " manual, run_id, created_by, created_at, ended_at, end_reason, season_over FROM pairings"
)


def _pairing(row: asyncpg.Record) -> Pairing:
    return Pairing(**{**dict(row), "reasons": tuple(row["reasons"])})


async def lock_pairings_of_college(conn: asyncpg.Connection, *, college: str) -> None:
    """Serialise pairing changes per college, so two runs never overfill a volunteer."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"pairing:{college}")


async def children_in_place(
    conn: asyncpg.Connection, *, college: str, school_id: str | None, county: str | None
) -> list[ChildToPair]:
    rows = await conn.fetch(
        _CHILDREN + " AND ($2::text IS NULL OR b.school_id = $2)"
        " AND ($3::text IS NULL OR b.county = $3) ORDER BY b.id",
        college,
        school_id,
        county,
    )
    return [_child(row) for row in rows]


async def child(
    conn: asyncpg.Connection, *, college: str, beneficiary_id: UUID
) -> ChildToPair | None:
    row = await conn.fetchrow(_CHILDREN + " AND b.id = $2", college, beneficiary_id)
    return _child(row) if row else None


async def _loads(
    conn: asyncpg.Connection, college: str, volunteer_id: str | None
) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT volunteer_id, count(*) AS load FROM pairings WHERE college = $1"
        " AND ended_at IS NULL AND ($2::text IS NULL OR volunteer_id = $2) GROUP BY volunteer_id",
        college,
        volunteer_id,
    )
    return {row["volunteer_id"]: row["load"] for row in rows}


async def active_volunteers(
    conn: asyncpg.Connection, *, college: str, volunteer_id: str | None = None
) -> list[VolunteerToPair]:
    """One entry per person: a volunteer enrolled by several campaigns is one helper,
    with all their skills and the most generous load limit any campaign gave."""
    rows = await conn.fetch(
        "SELECT volunteer_id, skills, county, school_id, max_children FROM volunteers"
        " WHERE college = $1 AND active AND ($2::text IS NULL OR volunteer_id = $2)"
        " ORDER BY volunteer_id, campaign_id",
        college,
        volunteer_id,
    )
    loads = await _loads(conn, college, volunteer_id)
    merged: dict[str, VolunteerToPair] = {}
    for row in rows:
        seen = merged.get(row["volunteer_id"])
        if seen is None:
            merged[row["volunteer_id"]] = VolunteerToPair(
                volunteer_id=row["volunteer_id"],
                skills=tuple(dict.fromkeys(row["skills"])),
                county=row["county"],
                school_id=row["school_id"],
                max_children=row["max_children"],
                current_load=loads.get(row["volunteer_id"], 0),
            )
            continue
        merged[row["volunteer_id"]] = VolunteerToPair(
            volunteer_id=seen.volunteer_id,
            skills=tuple(dict.fromkeys((*seen.skills, *row["skills"]))),
            county=seen.county or row["county"],
            school_id=seen.school_id or row["school_id"],
            max_children=max(seen.max_children, row["max_children"]),
            current_load=seen.current_load,
        )
    return list(merged.values())


async def insert_pairings(conn: asyncpg.Connection, pairings: Sequence[Pairing]) -> None:
    await conn.executemany(
        "INSERT INTO pairings (pairing_id, college, beneficiary_id, volunteer_id, school_id,"
        " county, reasons, manual, run_id, created_by, created_at)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
        [
            (
                p.id,
                p.college,
                p.beneficiary_id,
                p.volunteer_id,
                p.school_id,
                p.county,
                list(p.reasons),
                p.manual,
                p.run_id,
                p.created_by,
                p.created_at,
            )
            for p in pairings
        ],
    )


async def pairing(
    conn: asyncpg.Connection, *, college: str, pairing_id: UUID, for_update: bool = False
) -> Pairing | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        _PAIRINGS + " WHERE college = $1 AND pairing_id = $2" + lock, college, pairing_id
    )
    return _pairing(row) if row else None


async def record_end(conn: asyncpg.Connection, ended: Pairing) -> None:
    await conn.execute(
        "UPDATE pairings SET ended_at = $3, end_reason = $4, season_over = $5"
        " WHERE college = $1 AND pairing_id = $2",
        ended.college,
        ended.id,
        ended.ended_at,
        ended.end_reason,
        ended.season_over,
    )


async def active_pairings_of_volunteer(
    conn: asyncpg.Connection, *, college: str, volunteer_id: str
) -> list[Pairing]:
    """The volunteer's active pairings, locked for update, oldest first."""
    rows = await conn.fetch(
        _PAIRINGS + " WHERE college = $1 AND volunteer_id = $2 AND ended_at IS NULL"
        " ORDER BY created_at, pairing_id FOR UPDATE",
        college,
        volunteer_id,
    )
    return [_pairing(row) for row in rows]


async def pairings(
    conn: asyncpg.Connection, *, college: str, where: PairingFilter, paging: Paging
) -> list[Pairing]:
    rows = await conn.fetch(
        _PAIRINGS + " WHERE college = $1"
        " AND ($2::text IS NULL OR school_id = $2) AND ($3::text IS NULL OR county = $3)"
        " AND ($4::text IS NULL OR volunteer_id = $4) AND ($5::uuid IS NULL OR beneficiary_id = $5)"
        " AND ($6::uuid IS NULL OR run_id = $6)"
        " AND ($7::boolean IS NULL OR (ended_at IS NULL) = $7)"
        " ORDER BY created_at DESC, pairing_id LIMIT $8 OFFSET $9",
        college,
        where.school_id,
        where.county,
        where.volunteer_id,
        where.beneficiary_id,
        where.run_id,
        where.active,
        paging.limit,
        paging.offset,
    )
    return [_pairing(row) for row in rows]
