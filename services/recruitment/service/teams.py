"""Project-team use cases; each runs in the one transaction it is handed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID, uuid4

import asyncpg

from services.recruitment.domain.paging import Paging
from services.recruitment.domain.rules import NotFound, RuleBroken
from services.recruitment.domain.teams import (
    ProjectClass,
    ProjectSeason,
    ProjectTeam,
    TeamFilter,
    approve_team,
    one_project_per_season_broken,
    one_season_per_name_broken,
    open_season,
    register_team,
    reject_team,
    season_opened,
)
from services.recruitment.repository import teams as repository
from services.recruitment.service import SOURCE
from shared.messaging.outbox import append_to_outbox


def _lost_the_race() -> RuleBroken:
    """A registration that lost a student to another team whose name it cannot give: the
    winner was rejected meanwhile, or the database chose this one as a deadlock victim."""
    return RuleBroken(
        field="member_ids",
        rule="one_project_per_season",
        message="another team took one of these students at the same moment",
    )


async def open_project_season(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    title: str,
    opens_on: date,
    closes_on: date,
    opened_by: str,
    now: datetime,
) -> ProjectSeason:
    opened = open_season(
        college=college,
        season=season,
        title=title,
        opens_on=opens_on,
        closes_on=closes_on,
        opened_by=opened_by,
        season_exists=await repository.get_season(conn, college=college, season=season) is not None,
        now=now,
    )
    try:
        async with conn.transaction():  # a savepoint: a lost race leaves the caller usable
            await repository.insert_season(conn, opened)
    except asyncpg.UniqueViolationError as race:
        raise one_season_per_name_broken(season) from race
    await append_to_outbox(conn, [season_opened(opened)], source=SOURCE, now=now)
    return opened


async def find_season(conn: asyncpg.Connection, *, college: str, season: str) -> ProjectSeason:
    found = await repository.get_season(conn, college=college, season=season)
    if found is None:
        raise NotFound("season", season)
    return found


async def seasons_of(
    conn: asyncpg.Connection, *, college: str, paging: Paging
) -> list[ProjectSeason]:
    return await repository.list_seasons(conn, college=college, paging=paging)


async def register_project_team(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    title: str,
    summary: str,
    leader_id: str,
    member_ids: Sequence[str],
    advisor_ids: Sequence[str],
    now: datetime,
    team_id: UUID | None = None,
) -> ProjectTeam:
    found = await find_season(conn, college=college, season=season)
    team, event = register_team(
        team_id=team_id or uuid4(),
        season=found,
        title=title,
        summary=summary,
        leader_id=leader_id,
        member_ids=member_ids,
        advisor_ids=advisor_ids,
        teams_of_members=await repository.teams_of_students(
            conn, college=college, season=season, student_ids=member_ids
        ),
        now=now,
    )
    await repository.insert_team(conn, team)
    try:
        async with conn.transaction():  # savepoint, so the winner can be named below
            await repository.take_seats(conn, team)
    except asyncpg.UniqueViolationError as race:
        # Another team took one of these students after our check: it has committed by
        # now (the insert waited for it), so we can say which team won.
        holders = await repository.teams_of_students(
            conn, college=college, season=season, student_ids=member_ids
        )
        for student_id, other in sorted(holders.items()):
            raise one_project_per_season_broken(student_id, other) from race
        raise _lost_the_race() from race  # the winner was rejected meanwhile: may retry
    except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as race:
        # Seats are taken in a fixed order, so this should not happen; if the database
        # still picks us as the victim, the other registration wins: a conflict, not a 500.
        raise _lost_the_race() from race
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return team


async def find_team(
    conn: asyncpg.Connection, *, college: str, team_id: UUID, for_update: bool = False
) -> ProjectTeam:
    team = await repository.get_team(conn, college=college, team_id=team_id, for_update=for_update)
    if team is None:
        raise NotFound("project team", team_id)
    return team


async def approve_project_team(
    conn: asyncpg.Connection,
    *,
    college: str,
    team_id: UUID,
    project_class: ProjectClass,
    budget_yuan: int | None,
    reviewer_id: str,
    now: datetime,
) -> ProjectTeam:
    team, event = approve_team(
        team=await find_team(conn, college=college, team_id=team_id, for_update=True),
        project_class=project_class,
        budget_yuan=budget_yuan,
        reviewer_id=reviewer_id,
        now=now,
    )
    await repository.record_decision(conn, team)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return team


async def reject_project_team(
    conn: asyncpg.Connection,
    *,
    college: str,
    team_id: UUID,
    reason: str,
    reviewer_id: str,
    now: datetime,
) -> ProjectTeam:
    team, event = reject_team(
        team=await find_team(conn, college=college, team_id=team_id, for_update=True),
        reason=reason,
        reviewer_id=reviewer_id,
        now=now,
    )
    await repository.record_decision(conn, team)
    # A rejected project frees its students to join another team this season.
    await repository.give_back_seats(conn, team_id=team.id)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return team


async def teams_of_season(
    conn: asyncpg.Connection, *, college: str, season: str, where: TeamFilter, paging: Paging
) -> list[ProjectTeam]:
    await find_season(conn, college=college, season=season)
    return await repository.list_teams(
        conn, college=college, season=season, where=where, paging=paging
    )
