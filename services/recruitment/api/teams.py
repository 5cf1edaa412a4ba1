"""Summer social-practice project teams: seasons, registration, review, listing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from services.recruitment.api.common import PREFIX, College, Pool
from services.recruitment.domain.teams import (
    ProjectClass,
    ProjectSeason,
    ProjectTeam,
    TeamConflict,
    TeamRuleBroken,
    TeamStatus,
)
from services.recruitment.service import teams as service
from shared.web.auth import Principal, ensure_college, require_roles
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["project-teams"])

SEASON_PATTERN = r"^[A-Za-z0-9_.:-]{1,32}$"
PERSON_PATTERN = r"^[A-Za-z0-9_.:@-]{1,64}$"
# Roles that see every team of their college: the committee and the administration.
SEES_ALL = ("officer", "reviewer", "college_admin", "university_admin")

Committee = Annotated[
    Principal, Depends(require_roles("officer", "college_admin", "university_admin"))
]
Reviewer = Annotated[
    Principal, Depends(require_roles("reviewer", "college_admin", "university_admin"))
]
Student = Annotated[Principal, Depends(require_roles("student"))]
Anyone = Annotated[
    Principal,
    Depends(
        require_roles(
            "student", "officer", "teacher", "reviewer", "college_admin", "university_admin"
        )
    ),
]
Season = Annotated[str, Path(pattern=SEASON_PATTERN, description="Season code, e.g. 2026-summer")]
PersonId = Annotated[str, Field(pattern=PERSON_PATTERN)]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


class SeasonForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    season: str = Field(pattern=SEASON_PATTERN, examples=["2026-summer"])
    title: str = Field(min_length=1, max_length=200, examples=["2026年暑期社会实践"])
    opens_on: date = Field(description="First day of the window (Asia/Shanghai)")
    closes_on: date = Field(description="Last day of the window, inclusive (Asia/Shanghai)")


class SeasonView(BaseModel):
    college: str
    season: str
    title: str
    opens_on: date
    closes_on: date
    opened_by: str
    opened_at: datetime

    @classmethod
    def of(cls, season: ProjectSeason) -> SeasonView:
        return cls(
            college=season.college,
            season=season.season,
            title=season.title,
            opens_on=season.opens_on,
            closes_on=season.closes_on,
            opened_by=season.opened_by,
            opened_at=season.opened_at,
        )


class SeasonPage(BaseModel):
    items: list[SeasonView]
    limit: int
    offset: int


class TeamForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=4000)
    # Sizes are checked by the domain (team_size, one_advisor); these caps only bound input.
    member_ids: list[PersonId] = Field(
        max_length=50, description="The team's 3–10 students, the leader (the caller) included"
    )
    advisor_ids: list[PersonId] = Field(
        max_length=10, description="Exactly one advisor teacher, by id"
    )


class TeamView(BaseModel):
    id: UUID
    college: str
    season: str
    title: str
    summary: str
    leader_id: str
    member_ids: list[str]
    advisor_id: str
    status: TeamStatus
    registered_at: datetime
    project_class: ProjectClass | None
    budget_yuan: int | None
    rejection_reason: str | None
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, team: ProjectTeam) -> TeamView:
        return cls(
            id=team.id,
            college=team.college,
            season=team.season,
            title=team.title,
            summary=team.summary,
            leader_id=team.leader_id,
            member_ids=list(team.member_ids),
            advisor_id=team.advisor_id,
            status=team.status,
            registered_at=team.registered_at,
            project_class=team.project_class,
            budget_yuan=team.budget_yuan,
            rejection_reason=team.rejection_reason,
            decided_by=team.decided_by,
            decided_at=team.decided_at,
        )


class TeamPage(BaseModel):
    items: list[TeamView]
    limit: int
    offset: int


class ApprovalForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_class: Literal["I", "II"] = Field(description="I: college-funded; II: self-funded")
    budget_yuan: int | None = Field(
        default=None, le=10_000_000, description="Required (> 0) for Class I; absent for II"
    )


class RejectionForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(max_length=2000)


def _refused(broken: TeamRuleBroken) -> Problem:
    if isinstance(broken, TeamConflict):
        return Problem.conflict(str(broken), field=broken.field, rule=broken.rule)
    return Problem.invalid(broken.field, broken.rule, str(broken))


def _may_see(principal: Principal, team: ProjectTeam) -> bool:
    if principal.has_any(*SEES_ALL):
        return True
    is_member = principal.has_any("student") and principal.user_id in team.member_ids
    advises = principal.has_any("teacher") and principal.user_id == team.advisor_id
    return is_member or advises


@router.post(
    "/colleges/{college}/project-seasons",
    status_code=status.HTTP_201_CREATED,
    summary="Open a social-practice season with its application window",
)
async def open_season(
    college: College, form: SeasonForm, principal: Committee, pool: Pool
) -> SeasonView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            season = await service.open_project_season(
                conn,
                college=college,
                season=form.season,
                title=form.title,
                opens_on=form.opens_on,
                closes_on=form.closes_on,
                opened_by=principal.user_id,
                now=datetime.now(UTC),
            )
    except TeamRuleBroken as broken:
        raise _refused(broken) from broken
    return SeasonView.of(season)


@router.get("/colleges/{college}/project-seasons", summary="Seasons of the college, newest first")
async def list_seasons(
    college: College, principal: Anyone, pool: Pool, limit: Limit = 50, offset: Offset = 0
) -> SeasonPage:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        seasons = await service.seasons_of(conn, college=college, limit=limit, offset=offset)
    return SeasonPage(items=[SeasonView.of(s) for s in seasons], limit=limit, offset=offset)


@router.get("/colleges/{college}/project-seasons/{season}", summary="Read a season")
async def read_season(
    college: College, season: Season, principal: Anyone, pool: Pool
) -> SeasonView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn:
            found = await service.find_season(conn, college=college, season=season)
    except service.UnknownSeason as missing:
        raise Problem.not_found("season") from missing
    return SeasonView.of(found)


@router.post(
    "/colleges/{college}/project-seasons/{season}/teams",
    status_code=status.HTTP_201_CREATED,
    summary="Register a project team (the caller is its student leader)",
)
async def register_team(
    college: College, season: Season, form: TeamForm, principal: Student, pool: Pool
) -> TeamView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            team = await service.register_project_team(
                conn,
                college=college,
                season=season,
                title=form.title,
                summary=form.summary,
                leader_id=principal.user_id,
                member_ids=form.member_ids,
                advisor_ids=form.advisor_ids,
                now=datetime.now(UTC),
            )
    except service.UnknownSeason as missing:
        raise Problem.not_found("season") from missing
    except TeamRuleBroken as broken:
        raise _refused(broken) from broken
    return TeamView.of(team)


@router.get(
    "/colleges/{college}/project-seasons/{season}/teams",
    summary="Teams of a season: all for the committee, one's own for students and advisors",
)
async def list_teams(
    college: College,
    season: Season,
    principal: Anyone,
    pool: Pool,
    team_status: Annotated[TeamStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> TeamPage:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn:
            teams = await service.teams_of_season(
                conn,
                college=college,
                season=season,
                status=team_status,
                sees_all=principal.has_any(*SEES_ALL),
                member_id=principal.user_id if principal.has_any("student") else None,
                advisor_id=principal.user_id if principal.has_any("teacher") else None,
                limit=limit,
                offset=offset,
            )
    except service.UnknownSeason as missing:
        raise Problem.not_found("season") from missing
    return TeamPage(items=[TeamView.of(t) for t in teams], limit=limit, offset=offset)


@router.get("/colleges/{college}/project-teams/{team_id}", summary="Read a project team")
async def read_team(college: College, team_id: UUID, principal: Anyone, pool: Pool) -> TeamView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn:
            team = await service.find_team(conn, college=college, team_id=team_id)
    except service.UnknownTeam as missing:
        raise Problem.not_found("project team") from missing
    if not _may_see(principal, team):  # not 403: do not confirm the team exists
        raise Problem.not_found("project team")
    return TeamView.of(team)


@router.post(
    "/colleges/{college}/project-teams/{team_id}/approval",
    summary="Approve a pending team as Class I (college-funded, budget) or Class II",
)
async def approve_team(
    college: College, team_id: UUID, form: ApprovalForm, principal: Reviewer, pool: Pool
) -> TeamView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            team = await service.approve_project_team(
                conn,
                college=college,
                team_id=team_id,
                project_class=ProjectClass(form.project_class),
                budget_yuan=form.budget_yuan,
                reviewer_id=principal.user_id,
                now=datetime.now(UTC),
            )
    except service.UnknownTeam as missing:
        raise Problem.not_found("project team") from missing
    except TeamRuleBroken as broken:
        raise _refused(broken) from broken
    return TeamView.of(team)


@router.post(
    "/colleges/{college}/project-teams/{team_id}/rejection",
    summary="Reject a pending team, with the reason",
)
async def reject_team(
    college: College, team_id: UUID, form: RejectionForm, principal: Reviewer, pool: Pool
) -> TeamView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            team = await service.reject_project_team(
                conn,
                college=college,
                team_id=team_id,
                reason=form.reason,
                reviewer_id=principal.user_id,
                now=datetime.now(UTC),
            )
    except service.UnknownTeam as missing:
        raise Problem.not_found("project team") from missing
    except TeamRuleBroken as broken:
        raise _refused(broken) from broken
    return TeamView.of(team)
