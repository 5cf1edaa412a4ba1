"""SQL of recruitment campaigns and their positions."""

from __future__ import annotations

import asyncpg

from services.recruitment.domain.campaigns import (
    Campaign,
    CampaignStatus,
    Position,
    ScreeningCriteria,
    campaign_id_taken_broken,
)
from services.recruitment.domain.paging import Paging
from services.recruitment.repository.records import record_to, unique_violation_means


def _campaign(row: asyncpg.Record, positions: list[asyncpg.Record]) -> Campaign:
    return record_to(
        Campaign,
        row,
        campaign_id=row["id"],
        positions=tuple(record_to(Position, p) for p in positions),
        screening=ScreeningCriteria(
            min_grade_year=row["min_grade_year"], questions=tuple(row["questions"])
        ),
        status=CampaignStatus(row["status"]),
    )


async def campaign_exists(conn: asyncpg.Connection, *, college: str, campaign_id: str) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM campaigns WHERE college = $1 AND id = $2", college, campaign_id
    )
    return found is not None


async def insert_campaign(conn: asyncpg.Connection, campaign: Campaign) -> None:
    # The same id opened twice at the same moment: the second waited for the first.
    with unique_violation_means("campaigns_pkey", campaign_id_taken_broken()):
        await conn.execute(
            "INSERT INTO campaigns (college, id, title, place, starts_on, ends_on, opens_at,"
            " closes_at, min_grade_year, questions, status, opened_by, opened_at)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
            campaign.college,
            campaign.campaign_id,
            campaign.title,
            campaign.place,
            campaign.starts_on,
            campaign.ends_on,
            campaign.opens_at,
            campaign.closes_at,
            campaign.screening.min_grade_year,
            list(campaign.screening.questions),
            campaign.status.value,
            campaign.opened_by,
            campaign.opened_at,
        )
    await conn.executemany(
        "INSERT INTO campaign_positions (college, campaign_id, position_id, ordinal, title,"
        " headcount, required_skills, interview_required) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        [
            (
                campaign.college,
                campaign.campaign_id,
                p.position_id,
                ordinal,
                p.title,
                p.headcount,
                list(p.required_skills),
                p.interview_required,
            )
            for ordinal, p in enumerate(campaign.positions)
        ],
    )


async def get_campaign(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, for_update: bool = False
) -> Campaign | None:
    # FOR UPDATE serialises the use cases that decide, withdraw and promote within a campaign.
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT * FROM campaigns WHERE college = $1 AND id = $2{lock}", college, campaign_id
    )
    if row is None:
        return None
    positions = await conn.fetch(
        "SELECT * FROM campaign_positions WHERE college = $1 AND campaign_id = $2 ORDER BY ordinal",
        college,
        campaign_id,
    )
    return _campaign(row, positions)


async def list_campaigns(
    conn: asyncpg.Connection, *, college: str, paging: Paging
) -> list[Campaign]:
    rows = await conn.fetch(
        "SELECT * FROM campaigns WHERE college = $1 ORDER BY opened_at DESC, id LIMIT $2 OFFSET $3",
        college,
        paging.limit,
        paging.offset,
    )
    if not rows:
        return []
    positions = await conn.fetch(
        "SELECT * FROM campaign_positions WHERE college = $1 AND campaign_id = ANY($2::text[])"
        " ORDER BY ordinal",
        college,
        [r["id"] for r in rows],
    )
    by_campaign: dict[str, list[asyncpg.Record]] = {}
    for p in positions:
        by_campaign.setdefault(p["campaign_id"], []).append(p)
    return [_campaign(r, by_campaign.get(r["id"], [])) for r in rows]


async def mark_closed(conn: asyncpg.Connection, campaign: Campaign) -> None:
    await conn.execute(
        "UPDATE campaigns SET status = $3, closed_at = $4 WHERE college = $1 AND id = $2",
        campaign.college,
        campaign.campaign_id,
        campaign.status.value,
        campaign.closed_at,
    )


async def set_squad_leader(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, position: Position
) -> None:
    await conn.execute(
        "UPDATE campaign_positions SET squad_leader_id = $4"
        " WHERE college = $1 AND campaign_id = $2 AND position_id = $3",
        college,
        campaign_id,
        position.position_id,
        position.squad_leader_id,
    )
