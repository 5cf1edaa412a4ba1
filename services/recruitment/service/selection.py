"""Screening, decisions and squads; each use case runs in the one transaction it is handed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

import asyncpg

from services.recruitment.domain.campaigns import Campaign, Position
from services.recruitment.domain.paging import Paging
from services.recruitment.domain.rules import NotFound, RuleBroken
from services.recruitment.domain.selection import (
    Outcome,
    Place,
    ScreeningTally,
    Volunteer,
    decide_position,
    name_squad_leader,
    screen,
)
from services.recruitment.repository import applications as applications_repository
from services.recruitment.repository import campaigns as campaigns_repository
from services.recruitment.repository import interviews as interviews_repository
from services.recruitment.repository import volunteers as volunteers_repository
from services.recruitment.service import SOURCE
from services.recruitment.service.campaigns import campaign_of
from shared.events.base import DomainEvent
from shared.messaging.outbox import append_to_outbox


async def screen_campaign(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, now: datetime
) -> ScreeningTally:
    """Screen every application not yet screened."""
    campaign = await campaign_of(conn, college=college, campaign_id=campaign_id, for_update=True)
    pending = await applications_repository.submitted_applications(
        conn, college=college, campaign_id=campaign_id
    )
    results = [screen(application, campaign=campaign, now=now) for application in pending]
    await applications_repository.save_progress(conn, [a for a, _ in results])
    events: list[DomainEvent] = [e for _, e in results]
    await append_to_outbox(conn, events, source=SOURCE, now=now)
    passed = sum(1 for _, e in results if e.passed)
    return ScreeningTally(passed=passed, screened_out=len(results) - passed)


async def decide(
    conn: asyncpg.Connection,
    *,
    college: str,
    campaign_id: str,
    position_id: str,
    rejections: Mapping[UUID, str],
    places: Mapping[UUID, Place],
    now: datetime,
) -> Outcome:
    campaign = await campaign_of(conn, college=college, campaign_id=campaign_id, for_update=True)
    position = _position(campaign, position_id)
    applications = await applications_repository.applications_of_position(
        conn, college=college, campaign_id=campaign_id, position_id=position_id
    )
    outcome = decide_position(
        campaign=campaign,
        position=position,
        applications=applications,
        interviews=await interviews_repository.results_of_position(
            conn, college=college, campaign_id=campaign_id, position_id=position_id
        ),
        rejections=rejections,
        places=places,
        now=now,
    )
    await applications_repository.save_progress(conn, outcome.applications)
    await volunteers_repository.enrol(conn, outcome.volunteers)
    await append_to_outbox(conn, outcome.events, source=SOURCE, now=now)
    return outcome


async def appoint_squad_leader(
    conn: asyncpg.Connection,
    *,
    college: str,
    campaign_id: str,
    position_id: str,
    application_id: UUID,
) -> Position:
    campaign = await campaign_of(conn, college=college, campaign_id=campaign_id, for_update=True)
    position = _position(campaign, position_id)
    leader = await applications_repository.get_application(
        conn, college=college, application_id=application_id
    )
    if leader is None or leader.campaign_id != campaign_id:
        raise RuleBroken(
            field="application_id",
            rule="squad_leader_must_be_admitted",
            message="the squad leader must be admitted to this squad",
        )
    led = name_squad_leader(position, leader=leader)
    await campaigns_repository.set_squad_leader(
        conn, college=college, campaign_id=campaign_id, position=led
    )
    return led


async def volunteers_of(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, paging: Paging
) -> list[Volunteer]:
    return await volunteers_repository.list_volunteers(
        conn, college=college, campaign_id=campaign_id, limit=paging.limit, offset=paging.offset
    )


def _position(campaign: Campaign, position_id: str) -> Position:
    position = campaign.position(position_id)
    if position is None:
        raise NotFound("position", position_id)
    return position
