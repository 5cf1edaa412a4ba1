"""Campaign use cases; each runs in the one transaction it is handed."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from services.recruitment.domain.campaigns import (
    Campaign,
    Position,
    ScreeningCriteria,
    close_campaign,
    open_campaign,
)
from services.recruitment.domain.paging import Paging
from services.recruitment.domain.rules import NotFound
from services.recruitment.repository import campaigns as repository
from services.recruitment.service import SOURCE
from shared.messaging.outbox import append_to_outbox


async def open_volunteer_campaign(
    conn: asyncpg.Connection,
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
    opened_by: str,
    now: datetime,
) -> Campaign:
    campaign, event = open_campaign(
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
        campaign_id_taken=await repository.campaign_exists(
            conn, college=college, campaign_id=campaign_id
        ),
        opened_by=opened_by,
        now=now,
    )
    await repository.insert_campaign(conn, campaign)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return campaign


async def close_volunteer_campaign(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, reason: str, now: datetime
) -> Campaign:
    campaign = await campaign_of(conn, college=college, campaign_id=campaign_id, for_update=True)
    closed, event = close_campaign(campaign, reason=reason, now=now)
    await repository.mark_closed(conn, closed)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return closed


async def campaign_of(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, for_update: bool = False
) -> Campaign:
    """The college's campaign; `for_update` locks it against the other use cases that change
    what it holds (decisions, withdrawals, promotions)."""
    campaign = await repository.get_campaign(
        conn, college=college, campaign_id=campaign_id, for_update=for_update
    )
    if campaign is None:
        raise NotFound("campaign", campaign_id)
    return campaign


async def campaigns_of(conn: asyncpg.Connection, *, college: str, paging: Paging) -> list[Campaign]:
    return await repository.list_campaigns(conn, college=college, paging=paging)
