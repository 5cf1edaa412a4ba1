"""Recruitment's project teams folded into the `teams` read model, in whatever order
their facts arrive, and the ONE report each registered-and-approved (never rejected)
team owes, with its ReportExpected.

The report needs its season's row: a team approved before the chair created its season
gets its report when the season is created (seasons.put_season calls
`expect_reports_of_season`). Both paths take the season's advisory lock first, so
whichever commits second sees the other's rows; the reports' unique team_id makes a
replay (or a race) insert nothing and emit nothing.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.evaluation.domain.reports import Season, Team, expected_event, team_report
from services.evaluation.repository import reports as report_repository
from services.evaluation.repository import seasons as season_repository
from services.evaluation.repository import teams as repository
from services.evaluation.service import SOURCE
from shared.events.recruitment import (
    ProjectTeamApproved,
    ProjectTeamRegistered,
    ProjectTeamRejected,
)
from shared.messaging.outbox import append_to_outbox
from shared.rules import RuleBroken


async def team_registered(
    conn: asyncpg.Connection, *, event: ProjectTeamRegistered, now: datetime
) -> None:
    team = await repository.record_registration(
        conn,
        college=event.college,
        team_id=event.team_id,
        season=event.season,
        title=event.title,
        leader_id=event.leader_id,
        member_ids=list(event.member_ids),
        advisor_id=event.advisor_id,
        registered_at=event.registered_at,
    )
    await _expect_if_due(conn, _of_college(team, event.team_id, event.college), now=now)


async def team_approved(
    conn: asyncpg.Connection, *, event: ProjectTeamApproved, now: datetime
) -> None:
    team = await repository.record_approval(
        conn,
        college=event.college,
        team_id=event.team_id,
        season=event.season,
        project_class=event.project_class,
        budget_yuan=event.budget_yuan,
        approved_at=event.approved_at,
    )
    await _expect_if_due(conn, _of_college(team, event.team_id, event.college), now=now)


async def team_rejected(
    conn: asyncpg.Connection, *, event: ProjectTeamRejected, now: datetime
) -> None:
    team = await repository.record_rejection(
        conn,
        college=event.college,
        team_id=event.team_id,
        season=event.season,
        rejected_at=event.rejected_at,
    )
    _of_college(team, event.team_id, event.college)


def _of_college(team: Team | None, team_id: UUID, college: str) -> Team:
    if team is None:
        raise RuleBroken(
            "team_of_another_college",
            field="team_id",
            message=f"team {team_id} is already known in another college than {college}",
        )
    return team


async def _expect_if_due(conn: asyncpg.Connection, team: Team, *, now: datetime) -> None:
    if not team.report_due or team.season is None:
        return
    await season_repository.lock_season_key(conn, college=team.college, season=team.season)
    season = await season_repository.get_season(conn, college=team.college, season=team.season)
    if season is None:
        return  # expected when the chair creates the season
    await _expect(conn, team, season, now=now)


async def expect_reports_of_season(
    conn: asyncpg.Connection, *, season: Season, now: datetime
) -> int:
    """Reports for the season's approved teams that have none yet (caller holds the
    season's lock). Returns how many were expected."""
    owing = await repository.teams_owing_reports(conn, college=season.college, season=season.season)
    expected = 0
    for team in owing:
        expected += await _expect(conn, team, season, now=now)
    return expected


async def _expect(conn: asyncpg.Connection, team: Team, season: Season, *, now: datetime) -> int:
    report = team_report(team, report_id=uuid4(), now=now)
    if not await report_repository.insert_report(conn, report):
        return 0  # the team already has its report: a replay
    await append_to_outbox(conn, [expected_event(report, season)], source=SOURCE, now=now)
    return 1
