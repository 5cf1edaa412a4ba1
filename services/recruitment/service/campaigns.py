"""Campaign use cases; each runs in the one transaction it is handed."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from services.recruitment.domain.campaigns import (
    Campaign,
    Position,
    RecruitmentRuleBroken,
    ScreeningCriteria,
    close_campaign,
    open_campaign,
)
from services.recruitment.repository import campaigns as repository
from services.recruitment.service import SOURCE
from shared.messaging.outbox import append_to_outbox


class NotFound(LookupError):
    """The thing asked for does not exist in this college (or is not the caller's)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what


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
    try:
        await repository.insert_campaign(conn, campaign)
    except asyncpg.UniqueViolationError as race:
        if race.table_name != "campaigns":
            raise
        # The same id opened twice at the same moment: the second waited for the first.
        raise RecruitmentRuleBroken(
            field="id", rule="campaign_id_taken", message="a campaign with this id already exists"
        ) from race
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return campaign


async def close_volunteer_campaign(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, reason: str, now: datetime
) -> Campaign:
    campaign = await campaign_for_update(conn, college=college, campaign_id=campaign_id)
    closed, event = close_campaign(campaign, reason=reason, now=now)
    await repository.mark_closed(conn, closed)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return closed


async def campaign_for_update(
    conn: asyncpg.Connection, *, college: str, campaign_id: str
) -> Campaign:
    campaign = await repository.get_campaign(
        conn, college=college, campaign_id=campaign_id, for_update=True
    )
    if campaign is None:
        raise NotFound("campaign")
    return campaign


async def find_campaign(
    conn: asyncpg.Connection, *, college: str, campaign_id: str
) -> Campaign | None:
    return await repository.get_campaign(conn, college=college, campaign_id=campaign_id)


async def campaigns_of(
    conn: asyncpg.Connection, *, college: str, limit: int, offset: int
) -> list[Campaign]:
    return await repository.list_campaigns(conn, college=college, limit=limit, offset=offset)
