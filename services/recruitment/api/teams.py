"""Summer social-practice project teams: seasons, registration, review, listing."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, status

from services.recruitment.api.common import PREFIX, Paged
from services.recruitment.domain.rules import NotFound
from services.recruitment.domain.teams import ProjectClass, TeamFilter, TeamStatus, may_see
from services.recruitment.schemas.teams import (
    SEASON_PATTERN,
    ApprovalForm,
    RejectionForm,
    SeasonForm,
    SeasonPage,
    SeasonView,
    TeamForm,
    TeamPage,
    TeamView,
)
from services.recruitment.service import teams as service
from shared.web.auth import ROLES, Principal
from shared.web.dependencies import College, Now, ReadOnly, Transaction, caller

router = APIRouter(prefix=PREFIX, tags=["project-teams"])

Committee = Annotated[Principal, Depends(caller("officer", "college_admin", "university_admin"))]
Reviewer = Annotated[Principal, Depends(caller("reviewer", "college_admin", "university_admin"))]
Student = Annotated[Principal, Depends(caller("student"))]
Anyone = Annotated[Principal, Depends(caller(*ROLES))]
Season = Annotated[str, Path(pattern=SEASON_PATTERN, description="Season code, e.g. 2026-summer")]


@router.post(
    "/colleges/{college}/project-seasons",
    status_code=status.HTTP_201_CREATED,
    summary="Open a social-practice season with its application window",
)
async def open_season(
    college: College, form: SeasonForm, principal: Committee, conn: Transaction, now: Now
) -> SeasonView:
    season = await service.open_project_season(
        conn,
        college=college,
        season=form.season,
        title=form.title,
        opens_on=form.opens_on,
        closes_on=form.closes_on,
        opened_by=principal.user_id,
        now=now,
    )
    return SeasonView.model_validate(season)


@router.get("/colleges/{college}/project-seasons", summary="Seasons of the college, newest first")
async def list_seasons(
    college: College, principal: Anyone, conn: ReadOnly, paging: Paged
) -> SeasonPage:
    seasons = await service.seasons_of(conn, college=college, paging=paging)
    return SeasonPage.listing(seasons, paging)


@router.get("/colleges/{college}/project-seasons/{season}", summary="Read a season")
async def read_season(
    college: College, season: Season, principal: Anyone, conn: ReadOnly
) -> SeasonView:
    return SeasonView.model_validate(
        await service.find_season(conn, college=college, season=season)
    )


@router.post(
    "/colleges/{college}/project-seasons/{season}/teams",
    status_code=status.HTTP_201_CREATED,
    summary="Register a project team (the caller is its student leader)",
)
async def register_team(
    college: College,
    season: Season,
    form: TeamForm,
    principal: Student,
    conn: Transaction,
    now: Now,
) -> TeamView:
    team = await service.register_project_team(
        conn,
        college=college,
        season=season,
        title=form.title,
        summary=form.summary,
        leader_id=principal.user_id,
        member_ids=form.member_ids,
        advisor_ids=form.advisor_ids,
        now=now,
    )
    return TeamView.model_validate(team)


@router.get(
    "/colleges/{college}/project-seasons/{season}/teams",
    summary="Teams of a season: all for the committee, one's own for students and advisors",
)
async def list_teams(
    college: College,
    season: Season,
    principal: Anyone,
    conn: ReadOnly,
    paging: Paged,
    team_status: Annotated[TeamStatus | None, Query(alias="status")] = None,
) -> TeamPage:
    where = TeamFilter.for_reader(
        user_id=principal.user_id, roles=principal.roles, status=team_status
    )
    teams = await service.teams_of_season(
        conn, college=college, season=season, where=where, paging=paging
    )
    return TeamPage.listing(teams, paging)


@router.get("/colleges/{college}/project-teams/{team_id}", summary="Read a project team")
async def read_team(college: College, team_id: UUID, principal: Anyone, conn: ReadOnly) -> TeamView:
    team = await service.find_team(conn, college=college, team_id=team_id)
    if not may_see(team, user_id=principal.user_id, roles=principal.roles):
        raise NotFound("project team", team_id)  # not 403: do not confirm the team exists
    return TeamView.model_validate(team)


@router.post(
    "/colleges/{college}/project-teams/{team_id}/approval",
    summary="Approve a pending team as Class I (college-funded, budget) or Class II",
)
async def approve_team(
    college: College,
    team_id: UUID,
    form: ApprovalForm,
    principal: Reviewer,
    conn: Transaction,
    now: Now,
) -> TeamView:
    team = await service.approve_project_team(
        conn,
        college=college,
        team_id=team_id,
        project_class=ProjectClass(form.project_class),
        budget_yuan=form.budget_yuan,
        reviewer_id=principal.user_id,
        now=now,
    )
    return TeamView.model_validate(team)


@router.post(
    "/colleges/{college}/project-teams/{team_id}/rejection",
    summary="Reject a pending team, with the reason",
)
async def reject_team(
    college: College,
    team_id: UUID,
    form: RejectionForm,
    principal: Reviewer,
    conn: Transaction,
    now: Now,
) -> TeamView:
    team = await service.reject_project_team(
        conn,
        college=college,
        team_id=team_id,
        reason=form.reason,
        reviewer_id=principal.user_id,
        now=now,
    )
    return TeamView.model_validate(team)
