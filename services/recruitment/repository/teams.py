"""SQL of project seasons, project teams and their seats (one per student per season)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.recruitment.domain.paging import Paging
from services.recruitment.domain.teams import (
    OtherTeam,
    ProjectClass,
    ProjectSeason,
    ProjectTeam,
    TeamFilter,
    TeamStatus,
)


def _season(row: asyncpg.Record) -> ProjectSeason:
    return ProjectSeason(**dict(row))  # the table's columns are the season's fields


def _team(row: asyncpg.Record) -> ProjectTeam:
    project_class = row["project_class"]
    return ProjectTeam(
        **{
            **dict(row),
            "member_ids": tuple(row["member_ids"]),
            "status": TeamStatus(row["status"]),
            "project_class": ProjectClass(project_class) if project_class else None,
        }
    )


async def get_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> ProjectSeason | None:
    row = await conn.fetchrow(
        "SELECT * FROM project_seasons WHERE college = $1 AND season = $2", college, season
    )
    return _season(row) if row else None


async def insert_season(conn: asyncpg.Connection, season: ProjectSeason) -> None:
    await conn.execute(
        "INSERT INTO project_seasons (college, season, title, opens_on, closes_on, opened_by,"
        " opened_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        season.college,
        season.season,
        season.title,
        season.opens_on,
        season.closes_on,
        season.opened_by,
        season.opened_at,
    )


async def list_seasons(
    conn: asyncpg.Connection, *, college: str, paging: Paging
) -> list[ProjectSeason]:
    rows = await conn.fetch(
        "SELECT * FROM project_seasons WHERE college = $1"
        " ORDER BY opens_on DESC, season LIMIT $2 OFFSET $3",
        college,
        paging.limit,
        paging.offset,
    )
    return [_season(row) for row in rows]


async def teams_of_students(
    conn: asyncpg.Connection, *, college: str, season: str, student_ids: Sequence[str]
) -> dict[str, OtherTeam]:
    rows = await conn.fetch(
        "SELECT s.student_id, t.id, t.title FROM project_team_seats s"
        " JOIN project_teams t ON t.id = s.team_id"
        " WHERE s.college = $1 AND s.season = $2 AND s.student_id = ANY($3::text[])",
        college,
        season,
        list(student_ids),
    )
    return {row["student_id"]: OtherTeam(team_id=row["id"], title=row["title"]) for row in rows}


async def insert_team(conn: asyncpg.Connection, team: ProjectTeam) -> None:
    await conn.execute(
        "INSERT INTO project_teams (id, college, season, title, summary, leader_id, member_ids,"
        " advisor_id, status, registered_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        team.id,
        team.college,
        team.season,
        team.title,
        team.summary,
        team.leader_id,
        list(team.member_ids),
        team.advisor_id,
        team.status.value,
        team.registered_at,
    )


async def take_seats(conn: asyncpg.Connection, team: ProjectTeam) -> None:
    """Raises UniqueViolationError when a student already holds a seat this season.

    Seats are taken in student-id order, whatever order the team listed them in, so
    two teams sharing students wait on each other in the same order: one waits for
    the other instead of each holding a seat the other needs (a deadlock).
    """
    await conn.executemany(
        "INSERT INTO project_team_seats (college, season, student_id, team_id)"
        " VALUES ($1,$2,$3,$4)",
        [(team.college, team.season, student, team.id) for student in sorted(team.member_ids)],
    )


async def give_back_seats(conn: asyncpg.Connection, *, team_id: UUID) -> None:
    await conn.execute("DELETE FROM project_team_seats WHERE team_id = $1", team_id)


async def get_team(
    conn: asyncpg.Connection, *, college: str, team_id: UUID, for_update: bool = False
) -> ProjectTeam | None:
    # FOR UPDATE serialises two reviewers deciding the same team at once.
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT * FROM project_teams WHERE college = $1 AND id = $2{lock}", college, team_id
    )
    return _team(row) if row else None


async def record_decision(conn: asyncpg.Connection, team: ProjectTeam) -> None:
    await conn.execute(
        "UPDATE project_teams SET status = $2, project_class = $3, budget_yuan = $4,"
        " rejection_reason = $5, decided_by = $6, decided_at = $7 WHERE id = $1",
        team.id,
        team.status.value,
        team.project_class.value if team.project_class else None,
        team.budget_yuan,
        team.rejection_reason,
        team.decided_by,
        team.decided_at,
    )


async def list_teams(
    conn: asyncpg.Connection, *, college: str, season: str, where: TeamFilter, paging: Paging
) -> list[ProjectTeam]:
    """Teams of a season; unless `where.everyone`, only those the person is in or advises."""
    rows = await conn.fetch(
        "SELECT * FROM project_teams WHERE college = $1 AND season = $2"
        " AND ($3::text IS NULL OR status = $3)"
        " AND ($4::boolean OR ($5::text IS NOT NULL AND member_ids @> ARRAY[$5::text])"
        "      OR ($6::text IS NOT NULL AND advisor_id = $6))"
        " ORDER BY registered_at, id LIMIT $7 OFFSET $8",
        college,
        season,
        where.status.value if where.status else None,
        where.everyone,
        where.member_id,
        where.advisor_id,
        paging.limit,
        paging.offset,
    )
    return [_team(row) for row in rows]
