"""Report seasons: the chair creates or updates one (window, template, threshold); a
season's creation also expects the reports of teams approved before it existed."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.evaluation.domain.reports import Season, SeasonPlan
from services.evaluation.domain.submission_window import window_of
from services.evaluation.repository import seasons as repository
from services.evaluation.service import team_reports
from services.evaluation.service.integrity import SEASON_RECHECK, recheck_key
from shared.paging import Paging
from shared.rules import NotFound
from shared.timers import schedule


async def put_season(
    conn: asyncpg.Connection, *, college: str, season: str, plan: SeasonPlan, now: datetime
) -> tuple[Season, bool]:
    """Create or update; returns the season and whether it was created. Teams of the
    season already approved get their report (and ReportExpected) now."""
    window = window_of(plan.term_starts_on, opens_at=plan.opens_at, closes_at=plan.closes_at)
    await repository.lock_season_key(conn, college=college, season=season)
    before = await repository.get_season(conn, college=college, season=season)
    stored, created = await repository.upsert_season(
        conn,
        college=college,
        season=season,
        title=plan.title,
        term_starts_on=plan.term_starts_on,
        opens_at=window.opens_at,
        closes_at=window.closes_at,
        template_text=plan.template_text,
        similarity_threshold=plan.similarity_threshold,
        now=now,
    )
    await team_reports.expect_reports_of_season(conn, season=stored, now=now)
    if before is None or before.closes_at != stored.closes_at:
        await schedule(
            conn,
            kind=SEASON_RECHECK,
            key=recheck_key(college, season),
            due_at=stored.closes_at,
            payload={"college": college, "season": season},
        )
    return stored, created


async def season_of(conn: asyncpg.Connection, *, college: str, season: str) -> Season:
    found = await repository.get_season(conn, college=college, season=season)
    if found is None:
        raise NotFound("season", season)
    return found


async def list_seasons(conn: asyncpg.Connection, *, college: str, paging: Paging) -> list[Season]:
    return await repository.list_seasons(
        conn, college=college, limit=paging.limit, offset=paging.offset
    )
