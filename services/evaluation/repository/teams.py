"""SQL of the project-team read model folded from recruitment's facts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from services.evaluation.domain.reports import Team

_COLUMNS = """college, team_id, season, title, leader_id, member_ids, advisor_id, registered_at,
    project_class, budget_yuan, approved_at, rejected_at"""


def _team(row: asyncpg.Record) -> Team:
    return Team(**dict(row))


async def _fold(
    conn: asyncpg.Connection, *, college: str, team_id: UUID, values: dict[str, object]
) -> Team | None:
    """Fills what the team row does not know yet (the first fact of each kind wins, so a
    replay changes nothing). None when the team id belongs to another college."""
    columns = ["college", "team_id", *values]
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    updates = ", ".join(f"{c} = COALESCE(teams.{c}, EXCLUDED.{c})" for c in values)
    row = await conn.fetchrow(
        f"""
        INSERT INTO teams ({", ".join(columns)}, updated_at)
        VALUES ({placeholders}, now())
        ON CONFLICT (team_id) DO UPDATE SET {updates}, updated_at = now()
            WHERE teams.college = EXCLUDED.college
        RETURNING {_COLUMNS}
        """,
        college,
        team_id,
        *values.values(),
    )
    return _team(row) if row is not None else None


async def record_registration(
    conn: asyncpg.Connection,
    *,
    college: str,
    team_id: UUID,
    season: str,
    title: str,
    leader_id: str,
    member_ids: list[str],
    advisor_id: str,
    registered_at: datetime,
) -> Team | None:
    return await _fold(
        conn,
        college=college,
        team_id=team_id,
        values={
            "season": season,
            "title": title,
            "leader_id": leader_id,
            "member_ids": member_ids,
            "advisor_id": advisor_id,
            "registered_at": registered_at,
        },
    )


async def record_approval(
    conn: asyncpg.Connection,
    *,
    college: str,
    team_id: UUID,
    season: str,
    project_class: str,
    budget_yuan: int | None,
    approved_at: datetime,
) -> Team | None:
    return await _fold(
        conn,
        college=college,
        team_id=team_id,
        values={
            "season": season,
            "project_class": project_class,
            "budget_yuan": budget_yuan,
            "approved_at": approved_at,
        },
    )


async def record_rejection(
    conn: asyncpg.Connection, *, college: str, team_id: UUID, season: str, rejected_at: datetime
) -> Team | None:
    return await _fold(
        conn,
        college=college,
        team_id=team_id,
        values={"season": season, "rejected_at": rejected_at},
    )


async def teams_owing_reports(conn: asyncpg.Connection, *, college: str, season: str) -> list[Team]:
    """Registered, approved, never-rejected teams of the season that have no report yet."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM teams t
        WHERE t.college = $1 AND t.season = $2 AND t.registered_at IS NOT NULL
          AND t.approved_at IS NOT NULL AND t.rejected_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.team_id = t.team_id)
        ORDER BY t.registered_at, t.team_id
        """,
        college,
        season,
    )
    return [_team(row) for row in rows]
