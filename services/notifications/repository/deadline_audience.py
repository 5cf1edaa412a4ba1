"""SQL of the application deadlines' audience: the college's volunteer pool and who
applied to which campaign (migration 0011). Every write is an upsert or a no-op when
repeated, so a replayed event changes nothing."""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def lock_college(conn: asyncpg.Connection, *, college: str) -> None:
    """One change of a college's deadline audience at a time (until the transaction ends):
    a campaign opening and a person joining, or applying, on two replicas at once both see
    the other's effect, whichever commits first."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        f"notifications.application-audience|{college}",
    )


async def join_pool(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    source: str,
    source_id: str,
    since: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO application_reminder_pool (college, person_id, source, source_id, since)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        college,
        person_id,
        source,
        source_id,
        since,
    )


async def leave_pool(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    source: str,
    source_id: str,
    ended_at: datetime,
) -> None:
    """The row ends (made ended if its start was never seen)."""
    await conn.execute(
        "INSERT INTO application_reminder_pool"
        " (college, person_id, source, source_id, since, ended_at)"
        " VALUES ($1, $2, $3, $4, $5, $5)"
        " ON CONFLICT (college, person_id, source, source_id) DO UPDATE"
        " SET ended_at = COALESCE(application_reminder_pool.ended_at, EXCLUDED.ended_at)",
        college,
        person_id,
        source,
        source_id,
        ended_at,
    )


async def in_pool(conn: asyncpg.Connection, *, college: str, person_id: str) -> bool:
    found = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM application_reminder_pool"
        " WHERE college = $1 AND person_id = $2 AND ended_at IS NULL)",
        college,
        person_id,
    )
    return bool(found)


async def pool(conn: asyncpg.Connection, *, college: str) -> list[str]:
    """Everyone in the college's volunteer pool now."""
    rows = await conn.fetch(
        "SELECT DISTINCT person_id FROM application_reminder_pool"
        " WHERE college = $1 AND ended_at IS NULL ORDER BY person_id",
        college,
    )
    return [row["person_id"] for row in rows]


async def applicants(conn: asyncpg.Connection, *, college: str, campaign_id: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT person_id FROM campaign_applicants WHERE college = $1 AND campaign_id = $2",
        college,
        campaign_id,
    )
    return {row["person_id"] for row in rows}


async def record_applicant(
    conn: asyncpg.Connection,
    *,
    college: str,
    campaign_id: str,
    person_id: str,
    applied_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO campaign_applicants (college, campaign_id, person_id, applied_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        college,
        campaign_id,
        person_id,
        applied_at,
    )


async def has_applied(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, person_id: str
) -> bool:
    found = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM campaign_applicants"
        " WHERE college = $1 AND campaign_id = $2 AND person_id = $3)",
        college,
        campaign_id,
        person_id,
    )
    return bool(found)
