"""SQL of review assignment runs and review assignments (migration 0005's tables): who
holds which report, why, and which were released by a declared conflict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class AssignmentRow:
    report_id: UUID
    reviewer_id: str
    why: str
    assigned_at: datetime


@dataclass(frozen=True)
class ReleasedAssignment:
    """An assignment released because its reviewer declared a conflict (kept as a record)."""

    report_id: UUID
    reviewer_id: str
    why: str
    assigned_at: datetime
    released_at: datetime
    released_by: str
    released_for: UUID  # the declared conflict


async def has_run(conn: asyncpg.Connection, *, college: str, season: str) -> bool:
    found = await conn.fetchval(
        "SELECT true FROM assignment_runs WHERE college = $1 AND season = $2 LIMIT 1",
        college,
        season,
    )
    return bool(found)


async def insert_run(
    conn: asyncpg.Connection,
    *,
    run_id: UUID,
    college: str,
    season: str,
    run_by: str,
    ran_at: datetime,
    reports: int,
    assignments: int,
    load_spread: int,
) -> None:
    await conn.execute(
        "INSERT INTO assignment_runs (run_id, college, season, run_by, ran_at, reports,"
        " assignments, load_spread) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        run_id,
        college,
        season,
        run_by,
        ran_at,
        reports,
        assignments,
        load_spread,
    )


async def assignments_of_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[AssignmentRow]:
    rows = await conn.fetch(
        "SELECT report_id, reviewer_id, why, assigned_at FROM review_assignments"
        " WHERE college = $1 AND season = $2 AND released_at IS NULL"
        " ORDER BY report_id, reviewer_id",
        college,
        season,
    )
    return [AssignmentRow(**dict(row)) for row in rows]


async def assignments_of_report(
    conn: asyncpg.Connection, *, report_id: UUID
) -> list[AssignmentRow]:
    rows = await conn.fetch(
        "SELECT report_id, reviewer_id, why, assigned_at FROM review_assignments"
        " WHERE report_id = $1 AND released_at IS NULL ORDER BY assigned_at, reviewer_id",
        report_id,
    )
    return [AssignmentRow(**dict(row)) for row in rows]


async def insert_assignments(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    pairs: Sequence[tuple[UUID, str]],
    why: str,
    run_id: UUID | None,
    now: datetime,
) -> None:
    await conn.executemany(
        "INSERT INTO review_assignments (college, season, report_id, reviewer_id, why, run_id,"
        " assigned_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [(college, season, report_id, reviewer, why, run_id, now) for report_id, reviewer in pairs],
    )


async def insert_replacement(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    report_id: UUID,
    reviewer_id: str,
    conflict_id: UUID,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO review_assignments (college, season, report_id, reviewer_id, why,"
        " replaces_conflict, assigned_at) VALUES ($1, $2, $3, $4, 'conflict_replacement', $5, $6)",
        college,
        season,
        report_id,
        reviewer_id,
        conflict_id,
        now,
    )


async def release_assignment(
    conn: asyncpg.Connection,
    *,
    report_id: UUID,
    reviewer_id: str,
    conflict_id: UUID,
    released_by: str,
    now: datetime,
) -> bool:
    """Mark the held assignment released by the conflict; False when it was not held."""
    status = await conn.execute(
        "UPDATE review_assignments SET released_at = $3, released_by = $4, released_for = $5"
        " WHERE report_id = $1 AND reviewer_id = $2 AND released_at IS NULL",
        report_id,
        reviewer_id,
        now,
        released_by,
        conflict_id,
    )
    return bool(status == "UPDATE 1")


async def released_of_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[ReleasedAssignment]:
    rows = await conn.fetch(
        "SELECT report_id, reviewer_id, why, assigned_at, released_at, released_by, released_for"
        " FROM review_assignments WHERE college = $1 AND season = $2 AND released_at IS NOT NULL"
        " ORDER BY released_at, report_id, reviewer_id",
        college,
        season,
    )
    return [ReleasedAssignment(**dict(row)) for row in rows]


async def hold_assignment(
    conn: asyncpg.Connection, *, report_id: UUID, reviewer_id: str
) -> str | None:
    """Lock the held assignment until commit (a conflict releasing it waits, or is waited
    for and then seen); its `why` ('initial', 'borderline', ...), None when not held."""
    found: str | None = await conn.fetchval(
        "SELECT why FROM review_assignments WHERE report_id = $1 AND reviewer_id = $2"
        " AND released_at IS NULL FOR UPDATE",
        report_id,
        reviewer_id,
    )
    return found


async def is_assigned(conn: asyncpg.Connection, *, report_id: UUID, reviewer_id: str) -> bool:
    found = await conn.fetchval(
        "SELECT true FROM review_assignments WHERE report_id = $1 AND reviewer_id = $2"
        " AND released_at IS NULL",
        report_id,
        reviewer_id,
    )
    return bool(found)
