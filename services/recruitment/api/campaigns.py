"""Recruitment campaigns (招募): open, close, screen, decide, squads, volunteers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from services.recruitment.api.common import PREFIX, College, Paged
from services.recruitment.schemas.campaigns import (
    CampaignForm,
    CampaignPage,
    CampaignView,
    ClosingForm,
    PositionView,
)
from services.recruitment.schemas.selection import (
    DecisionForm,
    DecisionView,
    ScreeningView,
    SquadLeaderForm,
    VolunteerPage,
)
from services.recruitment.service import campaigns as service
from services.recruitment.service import selection as selection_service
from shared.web.auth import ROLES, Principal
from shared.web.dependencies import Now, ReadOnly, Transaction, caller

router = APIRouter(prefix=PREFIX, tags=["campaigns"])

MANAGERS = ("officer", "college_admin", "university_admin")
Manager = Annotated[Principal, Depends(caller(*MANAGERS))]
Anyone = Annotated[Principal, Depends(caller(*ROLES))]
CAMPAIGN = "/colleges/{college}/campaigns/{campaign_id}"


@router.post(
    "/colleges/{college}/campaigns",
    status_code=status.HTTP_201_CREATED,
    summary="Open a volunteer recruitment campaign",
)
async def open_campaign(
    college: College, form: CampaignForm, principal: Manager, conn: Transaction, now: Now
) -> CampaignView:
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
        positions=tuple(p.position() for p in form.positions),
        screening=form.screening.criteria(),
        opened_by=principal.user_id,
        now=now,
    )
    return CampaignView.model_validate(campaign)


@router.get("/colleges/{college}/campaigns", summary="Campaigns of a college, newest first")
async def list_campaigns(
    college: College, principal: Anyone, conn: ReadOnly, paging: Paged
) -> CampaignPage:
    campaigns = await service.campaigns_of(conn, college=college, paging=paging)
    return CampaignPage.listing(campaigns, paging)


@router.get(CAMPAIGN, summary="Read a campaign")
async def read_campaign(
    college: College, campaign_id: str, principal: Anyone, conn: ReadOnly
) -> CampaignView:
    campaign = await service.campaign_of(conn, college=college, campaign_id=campaign_id)
    return CampaignView.model_validate(campaign)


@router.post(f"{CAMPAIGN}/closing", summary="Stop taking applications")
async def close_campaign(
    college: College,
    campaign_id: str,
    form: ClosingForm,
    principal: Manager,
    conn: Transaction,
    now: Now,
) -> CampaignView:
    campaign = await service.close_volunteer_campaign(
        conn, college=college, campaign_id=campaign_id, reason=form.reason, now=now
    )
    return CampaignView.model_validate(campaign)


@router.post(f"{CAMPAIGN}/screening", summary="Screen every unscreened application by criteria")
async def screen_applications(
    college: College, campaign_id: str, principal: Manager, conn: Transaction, now: Now
) -> ScreeningView:
    tally = await selection_service.screen_campaign(
        conn, college=college, campaign_id=campaign_id, now=now
    )
    return ScreeningView.model_validate(tally)


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
    conn: Transaction,
    now: Now,
) -> DecisionView:
    outcome = await selection_service.decide(
        conn,
        college=college,
        campaign_id=campaign_id,
        position_id=position_id,
        rejections=form.reasons(),
        places=form.places_by_application(),
        now=now,
    )
    return DecisionView.model_validate(outcome)


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
    conn: Transaction,
) -> PositionView:
    position = await selection_service.appoint_squad_leader(
        conn,
        college=college,
        campaign_id=campaign_id,
        position_id=position_id,
        application_id=form.application_id,
    )
    return PositionView.model_validate(position)


@router.get(f"{CAMPAIGN}/volunteers", summary="Volunteers enrolled by the campaign")
async def list_volunteers(
    college: College, campaign_id: str, principal: Manager, conn: ReadOnly, paging: Paged
) -> VolunteerPage:
    volunteers = await selection_service.volunteers_of(
        conn, college=college, campaign_id=campaign_id, paging=paging
    )
    return VolunteerPage.listing(volunteers, paging)
