"""SQL of report seasons."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from services.evaluation.domain.reports import Season

_COLUMNS = """college, season, title, term_starts_on, opens_at, closes_at, template_text,
    similarity_threshold, created_at, updated_at"""


def _season(row: asyncpg.Record) -> Season:
    return Season(**dict(row))


async def lock_season_key(conn: asyncpg.Connection, *, college: str, season: str) -> None:
    """Serialises a season's creation with the team reports expected in it: whichever of
    the two commits second sees the other, so no approved team goes without its report."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock("
        "hashtextextended('evaluation.season/' || $1 || '/' || $2, 0))",
        college,
        season,
    )


async def upsert_season(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    title: str,
    term_starts_on: date,
    opens_at: datetime,
    closes_at: datetime,
    template_text: str,
    similarity_threshold: float,
    now: datetime,
) -> tuple[Season, bool]:
    """The season as stored, and whether it was created by this call."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO seasons ({_COLUMNS})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
        ON CONFLICT (college, season) DO UPDATE SET
            title = EXCLUDED.title, term_starts_on = EXCLUDED.term_starts_on,
            opens_at = EXCLUDED.opens_at, closes_at = EXCLUDED.closes_at,
            template_text = EXCLUDED.template_text,
            similarity_threshold = EXCLUDED.similarity_threshold,
            updated_at = EXCLUDED.updated_at
        RETURNING {_COLUMNS}, (xmax = 0) AS created
        """,
        college,
        season,
        title,
        term_starts_on,
        opens_at,
        closes_at,
        template_text,
        similarity_threshold,
        now,
    )
    values = dict(row)
    created = bool(values.pop("created"))
    return Season(**values), created


async def get_season(conn: asyncpg.Connection, *, college: str, season: str) -> Season | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM seasons WHERE college = $1 AND season = $2", college, season
    )
    return _season(row) if row is not None else None


async def list_seasons(
    conn: asyncpg.Connection, *, college: str, limit: int, offset: int
) -> list[Season]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM seasons WHERE college = $1
            ORDER BY term_starts_on DESC, season LIMIT $2 OFFSET $3""",
        college,
        limit,
        offset,
    )
    return [_season(row) for row in rows]
