"""Campaign use cases; each runs in the one transaction it is handed."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from services.recruitment.domain.campaigns import (
    Campaign,
    CampaignStatus,
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
from shared.timers import DueAction, cancel, schedule

# The durable timer that closes a campaign when its application window ends.
CLOSE_CAMPAIGN = "campaign.close"
WINDOW_OVER = "the application window is over"


def closing_key(college: str, campaign_id: str) -> str:
    return f"{college}/{campaign_id}"


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
    await schedule(
        conn,
        kind=CLOSE_CAMPAIGN,
        key=closing_key(college, campaign_id),
        due_at=closes_at,
        payload={"college": college, "campaign_id": campaign_id},
    )
    return campaign


async def close_volunteer_campaign(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, reason: str, now: datetime
) -> Campaign:
    # The timer first: a timer firing now holds its row, then the campaign; taking them in
    # the same order waits for it instead of deadlocking (then the campaign is closed).
    await cancel(conn, kind=CLOSE_CAMPAIGN, key=closing_key(college, campaign_id))
    campaign = await campaign_of(conn, college=college, campaign_id=campaign_id, for_update=True)
    return await _close(conn, campaign, reason=reason, now=now)


async def close_when_window_ends(
    conn: asyncpg.Connection, action: DueAction, now: datetime
) -> None:
    """The CLOSE_CAMPAIGN timer: close the campaign if nobody has closed it yet."""
    campaign = await repository.get_campaign(
        conn,
        college=action.payload["college"],
        campaign_id=action.payload["campaign_id"],
        for_update=True,
    )
    if campaign is None or campaign.status is CampaignStatus.CLOSED:
        return
    await _close(conn, campaign, reason=WINDOW_OVER, now=now)


async def _close(
    conn: asyncpg.Connection, campaign: Campaign, *, reason: str, now: datetime
) -> Campaign:
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
