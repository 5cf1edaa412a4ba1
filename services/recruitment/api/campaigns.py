"""Recruitment campaigns (招募): open, close, screen, interview slots, decide, squads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field

from services.recruitment.api.common import PREFIX, College, Pool
from services.recruitment.domain.campaigns import (
    Campaign,
    Position,
    RecruitmentRuleBroken,
    ScreeningCriteria,
)
from services.recruitment.domain.selection import (
    DEFAULT_MAX_CHILDREN,
    MAX_CHILDREN_LIMIT,
    Place,
    Volunteer,
)
from services.recruitment.service import campaigns as service
from services.recruitment.service import selection as selection_service
from shared.web.auth import ROLES, Principal, ensure_college, require_roles
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["campaigns"])

MANAGERS = ("officer", "college_admin", "university_admin")
Manager = Annotated[Principal, Depends(require_roles(*MANAGERS))]
Anyone = Annotated[Principal, Depends(require_roles(*ROLES))]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Skill = Annotated[str, Field(min_length=1, max_length=40)]
Text = Annotated[str, Field(min_length=1, max_length=200)]
CAMPAIGN = "/colleges/{college}/campaigns/{campaign_id}"


def refusal(broken: RecruitmentRuleBroken) -> Problem:
    """Rules about the input answer 422, rules about the current state 409."""
    if broken.invalid:
        return Problem.invalid(broken.field, broken.rule, str(broken))
    return Problem.conflict(str(broken), field=broken.field, rule=broken.rule)


@contextmanager
def refusals() -> Iterator[None]:
    """Broken rules and missing things become problem+json answers."""
    try:
        yield
    except service.NotFound as missing:
        raise Problem.not_found(missing.what) from missing
    except RecruitmentRuleBroken as broken:
        raise refusal(broken) from broken


class PositionForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Slug
    title: Text
    headcount: int = Field(ge=1, le=10_000)
    required_skills: list[Skill] = Field(default_factory=list, max_length=20)
    interview_required: bool = False


class ScreeningForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    min_grade_year: int | None = Field(default=None, ge=1, le=8)
    questions: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list, max_length=20
    )


class CampaignForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Slug
    title: Text
    place: Text
    starts_on: date
    ends_on: date
    opens_at: datetime
    closes_at: datetime
    positions: list[PositionForm] = Field(min_length=1, max_length=50)
    screening: ScreeningForm = Field(default_factory=ScreeningForm)


class PositionView(BaseModel):
    id: str
    title: str
    headcount: int
    required_skills: list[str]
    interview_required: bool
    squad_leader_id: str | None

    @classmethod
    def of(cls, p: Position) -> PositionView:
        return cls(
            id=p.position_id,
            title=p.title,
            headcount=p.headcount,
            required_skills=list(p.required_skills),
            interview_required=p.interview_required,
            squad_leader_id=p.squad_leader_id,
        )


class CampaignView(BaseModel):
    id: str
    college: str
    title: str
    place: str
    starts_on: date
    ends_on: date
    opens_at: datetime
    closes_at: datetime
    status: str
    positions: list[PositionView]
    min_grade_year: int | None
    questions: list[str]
    closed_at: datetime | None

    @classmethod
    def of(cls, c: Campaign) -> CampaignView:
        return cls(
            id=c.campaign_id,
            college=c.college,
            title=c.title,
            place=c.place,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            opens_at=c.opens_at,
            closes_at=c.closes_at,
            status=c.status.value,
            positions=[PositionView.of(p) for p in c.positions],
            min_grade_year=c.screening.min_grade_year,
            questions=list(c.screening.questions),
            closed_at=c.closed_at,
        )


class CampaignPage(BaseModel):
    items: list[CampaignView]
    limit: int
    offset: int


@router.post(
    "/colleges/{college}/campaigns",
    status_code=status.HTTP_201_CREATED,
    summary="Open a volunteer recruitment campaign",
)
async def open_campaign(
    college: College, form: CampaignForm, principal: Manager, pool: Pool
) -> CampaignView:
    ensure_college(principal, college)
    positions = tuple(
        Position(
            position_id=p.id,
            title=p.title,
            headcount=p.headcount,
            required_skills=tuple(p.required_skills),
            interview_required=p.interview_required,
        )
        for p in form.positions
    )
    with refusals():
        async with pool.acquire() as conn, conn.transaction():
            campaign = await service.open_volunteer_campaign(
                conn,
                college=college,
                campaign_id=form.id,
                title=form.title,
                place=form.place,
                starts_on=form.starts_on,
                ends_on=form.ends_on,
                opens_at=form.opens_at,
                closes_at=form.closes_at,
                positions=positions,
                screening=ScreeningCriteria(
                    min_grade_year=form.screening.min_grade_year,
                    questions=tuple(form.screening.questions),
                ),
                opened_by=principal.user_id,
                now=datetime.now(UTC),
            )
    return CampaignView.of(campaign)


@router.get("/colleges/{college}/campaigns", summary="Campaigns of a college, newest first")
async def list_campaigns(
    college: College, principal: Anyone, pool: Pool, limit: Limit = 50, offset: Offset = 0
) -> CampaignPage:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        campaigns = await service.campaigns_of(conn, college=college, limit=limit, offset=offset)
    return CampaignPage(items=[CampaignView.of(c) for c in campaigns], limit=limit, offset=offset)


@router.get(CAMPAIGN, summary="Read a campaign")
async def read_campaign(
    college: College, campaign_id: str, principal: Anyone, pool: Pool
) -> CampaignView:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        campaign = await service.find_campaign(conn, college=college, campaign_id=campaign_id)
    if campaign is None:
        raise Problem.not_found("campaign")
    return CampaignView.of(campaign)


class ClosingForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Text = "closed by an officer"


@router.post(f"{CAMPAIGN}/closing", summary="Stop taking applications")
async def close_campaign(
    college: College, campaign_id: str, form: ClosingForm, principal: Manager, pool: Pool
) -> CampaignView:
    ensure_college(principal, college)
    with refusals():
        async with pool.acquire() as conn, conn.transaction():
            campaign = await service.close_volunteer_campaign(
                conn,
                college=college,
                campaign_id=campaign_id,
                reason=form.reason,
                now=datetime.now(UTC),
            )
    return CampaignView.of(campaign)


class ScreeningView(BaseModel):
    passed: int
    screened_out: int


@router.post(f"{CAMPAIGN}/screening", summary="Screen every unscreened application by criteria")
async def screen_applications(
    college: College, campaign_id: str, principal: Manager, pool: Pool
) -> ScreeningView:
    ensure_college(principal, college)
    with refusals():
        async with pool.acquire() as conn, conn.transaction():
            passed, out = await selection_service.screen_campaign(
                conn, college=college, campaign_id=campaign_id, now=datetime.now(UTC)
            )
    return ScreeningView(passed=passed, screened_out=out)


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    application_id: UUID
    reason: Text


class Placement(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    application_id: UUID
    county: Text | None = None
    school_id: Slug | None = None
    max_children: int = Field(
        default=DEFAULT_MAX_CHILDREN,
        ge=1,
        le=MAX_CHILDREN_LIMIT,
        description="How many children the volunteer may be paired with",
    )


class DecisionForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rejections: list[Rejection] = Field(default_factory=list, max_length=10_000)
    places: list[Placement] = Field(default_factory=list, max_length=10_000)


class WaitlistEntry(BaseModel):
    application_id: UUID
    rank: int


class RejectionView(BaseModel):
    application_id: UUID
    reason: str


class DecisionView(BaseModel):
    admitted: list[UUID]
    waitlisted: list[WaitlistEntry]
    rejected: list[RejectionView]


@router.post(
    f"{CAMPAIGN}/positions/{{position_id}}/decision",
    summary="Admit up to the headcount in rank order, waitlist the rest, reject with reasons",
)
async def decide_position(
    college: College,
    campaign_id: str,
    position_id: str,
    form: DecisionForm,
    principal: Manager,
    pool: Pool,
) -> DecisionView:
    ensure_college(principal, college)
    with refusals():
        async with pool.acquire() as conn, conn.transaction():
            outcome = await selection_service.decide(
                conn,
                college=college,
                campaign_id=campaign_id,
                position_id=position_id,
                rejections={r.application_id: r.reason for r in form.rejections},
                places={
                    p.application_id: Place(
                        county=p.county, school_id=p.school_id, max_children=p.max_children
                    )
                    for p in form.places
                },
                now=datetime.now(UTC),
            )
    apps = outcome.applications
    return DecisionView(
        admitted=[a.id for a in apps if a.status == "admitted"],
        waitlisted=[
            WaitlistEntry(application_id=a.id, rank=a.waitlist_rank or 0)
            for a in apps
            if a.status == "waitlisted"
        ],
        rejected=[
            RejectionView(application_id=a.id, reason=a.decision_reason or "")
            for a in apps
            if a.status == "rejected"
        ],
    )


class SquadLeaderForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_id: UUID


@router.put(
    f"{CAMPAIGN}/positions/{{position_id}}/squad-leader",
    summary="Name the squad leader among the admitted",
)
async def appoint_squad_leader(
    college: College,
    campaign_id: str,
    position_id: str,
    form: SquadLeaderForm,
    principal: Manager,
    pool: Pool,
) -> PositionView:
    ensure_college(principal, college)
    with refusals():
        async with pool.acquire() as conn, conn.transaction():
            position = await selection_service.appoint_squad_leader(
                conn,
                college=college,
                campaign_id=campaign_id,
                position_id=position_id,
                application_id=form.application_id,
            )
    return PositionView.of(position)


class VolunteerView(BaseModel):
    volunteer_id: str
    application_id: UUID
    name: str
    skills: list[str]
    county: str | None
    school_id: str | None
    max_children: int
    enrolled_at: datetime
    active: bool

    @classmethod
    def of(cls, v: Volunteer) -> VolunteerView:
        return cls(
            volunteer_id=v.volunteer_id,
            application_id=v.application_id,
            name=v.name,
            skills=list(v.skills),
            county=v.county,
            school_id=v.school_id,
            max_children=v.max_children,
            enrolled_at=v.enrolled_at,
            active=v.active,
        )


class VolunteerPage(BaseModel):
    items: list[VolunteerView]
    limit: int
    offset: int


@router.get(f"{CAMPAIGN}/volunteers", summary="Volunteers enrolled by the campaign")
async def list_volunteers(
    college: College,
    campaign_id: str,
    principal: Manager,
    pool: Pool,
    limit: Limit = 50,
    offset: Offset = 0,
) -> VolunteerPage:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        volunteers = await selection_service.volunteers_of(
            conn, college=college, campaign_id=campaign_id, limit=limit, offset=offset
        )
    return VolunteerPage(
        items=[VolunteerView.of(v) for v in volunteers], limit=limit, offset=offset
    )
