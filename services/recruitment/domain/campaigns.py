"""Volunteer recruitment campaigns (招募): positions, application window, screening criteria.

A practice base or project states its needs (positions with a headcount and the
skills they require, dates, place); students apply within the window. Positions
that need an interview are special squads (特招服务小队), each led by a squad leader.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from services.recruitment.domain.rules import RuleBroken
from shared.events.recruitment import CampaignClosed, CampaignOpened, CampaignPosition


class CampaignStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Position:
    position_id: str
    title: str
    headcount: int
    required_skills: tuple[str, ...]
    interview_required: bool
    squad_leader_id: str | None = None

    @property
    def is_squad(self) -> bool:
        """A position recruited by interview is a special squad (特招服务小队)."""
        return self.interview_required


@dataclass(frozen=True)
class ScreeningCriteria:
    """Explicit, simple criteria: the position's required skills are always checked too."""

    min_grade_year: int | None
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Campaign:
    college: str
    campaign_id: str
    title: str
    place: str
    starts_on: date
    ends_on: date
    opens_at: datetime
    closes_at: datetime
    positions: tuple[Position, ...]
    screening: ScreeningCriteria
    status: CampaignStatus
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None = None

    def position(self, position_id: str) -> Position | None:
        return next((p for p in self.positions if p.position_id == position_id), None)


def squad_id(campaign_id: str, position_id: str) -> str:
    return f"{campaign_id}:{position_id}"


def campaign_id_taken_broken() -> RuleBroken:
    """Refusal of a second campaign with the same id (found by a check or by the database)."""
    return RuleBroken(
        "campaign_id_taken", field="id", message="a campaign with this id already exists"
    )


def open_campaign(
    *,
    college: str,
    campaign_id: str,
    title: str,
    place: str,
    starts_on: date,
    ends_on: date,
    opens_at: datetime,
    closes_at: datetime,
    positions: tuple[Position, ...],
    screening: ScreeningCriteria,
    campaign_id_taken: bool,
    opened_by: str,
    now: datetime,
) -> tuple[Campaign, CampaignOpened]:
    if campaign_id_taken:
        raise campaign_id_taken_broken()
    if ends_on < starts_on:
        raise RuleBroken(
            field="ends_on",
            rule="campaign_dates_in_order",
            message="the campaign cannot end before it starts",
            invalid=True,
        )
    if closes_at <= opens_at:
        raise RuleBroken(
            field="closes_at",
            rule="application_window_in_order",
            message="the application window must close after it opens",
            invalid=True,
        )
    if closes_at <= now:
        # Opening a campaign nobody can apply to any more is always a mistake.
        raise RuleBroken(
            field="closes_at",
            rule="application_window_already_over",
            message="the application window has already closed",
            invalid=True,
        )
    if not positions:
        raise RuleBroken(
            field="positions",
            rule="at_least_one_position",
            message="a campaign recruits for at least one position",
            invalid=True,
        )
    ids = [p.position_id for p in positions]
    if len(set(ids)) != len(ids):
        raise RuleBroken(
            field="positions",
            rule="position_ids_unique",
            message="two positions share an id",
            invalid=True,
        )
    campaign = Campaign(
        college=college,
        campaign_id=campaign_id,
        title=title,
        place=place,
        starts_on=starts_on,
        ends_on=ends_on,
        opens_at=opens_at,
        closes_at=closes_at,
        positions=positions,
        screening=screening,
        status=CampaignStatus.OPEN,
        opened_by=opened_by,
        opened_at=now,
    )
    event = CampaignOpened(
        college=college,
        campaign_id=campaign_id,
        title=title,
        place=place,
        starts_on=starts_on,
        ends_on=ends_on,
        applications_open_at=opens_at,
        applications_close_at=closes_at,
        positions=[
            CampaignPosition(
                position_id=p.position_id,
                title=p.title,
                headcount=p.headcount,
                required_skills=list(p.required_skills),
                interview_required=p.interview_required,
            )
            for p in positions
        ],
    )
    return campaign, event


def close_campaign(
    campaign: Campaign, *, reason: str, now: datetime
) -> tuple[Campaign, CampaignClosed]:
    if campaign.status is CampaignStatus.CLOSED:
        raise RuleBroken(
            field="campaign_id", rule="campaign_already_closed", message="the campaign is closed"
        )
    closed = replace(campaign, status=CampaignStatus.CLOSED, closed_at=now)
    event = CampaignClosed(
        college=campaign.college, campaign_id=campaign.campaign_id, closed_at=now, reason=reason
    )
    return closed, event


def ensure_taking_applications(campaign: Campaign, *, now: datetime) -> None:
    """Applications are taken only while the campaign is open and inside its window."""
    if campaign.status is CampaignStatus.CLOSED or not (
        campaign.opens_at <= now < campaign.closes_at
    ):
        raise RuleBroken(
            field="campaign_id",
            rule="application_window_closed",
            message="the campaign is not taking applications now",
        )


def ensure_closed_for_decision(campaign: Campaign) -> None:
    """Decisions are made once nobody can apply any more, so the ranking is final."""
    if campaign.status is not CampaignStatus.CLOSED:
        raise RuleBroken(
            field="campaign_id",
            rule="campaign_still_open",
            message="close the campaign before deciding",
        )


def choose_position(campaign: Campaign, position_id: str | None) -> Position:
    """The position applied for; a campaign with a single position needs no choice."""
    if position_id is None:
        if len(campaign.positions) == 1:
            return campaign.positions[0]
        raise RuleBroken(
            field="position_id",
            rule="position_required",
            message="this campaign has several positions: choose one",
            invalid=True,
        )
    position = campaign.position(position_id)
    if position is None:
        raise RuleBroken(
            field="position_id",
            rule="unknown_position",
            message="the campaign has no such position",
            invalid=True,
        )
    return position
