"""SQL of enrolled volunteers: a table the pairing capability reads (a contract)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.recruitment.domain.selection import Place, Volunteer
from services.recruitment.repository.records import record_to


async def enrol(conn: asyncpg.Connection, volunteers: Sequence[Volunteer]) -> None:
    # A person who withdrew and was admitted again in the same campaign comes back active.
    await conn.executemany(
        "INSERT INTO volunteers (college, volunteer_id, campaign_id, application_id, name,"
        " skills, county, school_id, max_children, enrolled_at, active)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"
        " ON CONFLICT (college, campaign_id, volunteer_id) DO UPDATE SET"
        " application_id = EXCLUDED.application_id, name = EXCLUDED.name,"
        " skills = EXCLUDED.skills, county = EXCLUDED.county, school_id = EXCLUDED.school_id,"
        " max_children = EXCLUDED.max_children, enrolled_at = EXCLUDED.enrolled_at,"
        " active = EXCLUDED.active",
        [
            (
                v.college,
                v.volunteer_id,
                v.campaign_id,
                v.application_id,
                v.name,
                list(v.skills),
                v.county,
                v.school_id,
                v.max_children,
                v.enrolled_at,
                v.active,
            )
            for v in volunteers
        ],
    )


async def deactivate(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, application_id: UUID
) -> Place:
    """The volunteer withdrew; returns where they served and their load limit, so a
    successor can take the place."""
    row = await conn.fetchrow(
        "UPDATE volunteers SET active = false"
        " WHERE college = $1 AND campaign_id = $2 AND application_id = $3"
        " RETURNING county, school_id, max_children",
        college,
        campaign_id,
        application_id,
    )
    return record_to(Place, row) if row else Place()


async def list_volunteers(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, limit: int, offset: int
) -> list[Volunteer]:
    # `limit` and `offset` rather than a Paging: the pairing tests read this contract table
    # through this function as it is.
    rows = await conn.fetch(
        "SELECT * FROM volunteers WHERE college = $1 AND campaign_id = $2"
        " ORDER BY enrolled_at, volunteer_id LIMIT $3 OFFSET $4",
        college,
        campaign_id,
        limit,
        offset,
    )
    return [record_to(Volunteer, r) for r in rows]
