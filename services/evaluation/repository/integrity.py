"""SQL of similarity results, flags and the committee's integrity decisions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class StoredMatch:
    source_report_id: UUID
    source_version: int
    source_season: str
    containment: float
    passages: list[dict[str, Any]]


async def store_result(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    report_id: UUID,
    version: int,
    containment: float,
    threshold: float,
    flagged: bool,
    characters: int,
    ignored_fingerprints: int,
    matches: Sequence[StoredMatch],
    now: datetime,
) -> None:
    """The check of one version (a re-check of the same version replaces it)."""
    await conn.execute(
        "DELETE FROM similarity_matches WHERE report_id = $1 AND version = $2", report_id, version
    )
    await conn.execute(
        """
        INSERT INTO similarity_results (report_id, version, college, season, containment,
                                        threshold, flagged, characters, ignored_fingerprints,
                                        checked_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT (report_id, version) DO UPDATE
           SET containment = EXCLUDED.containment, threshold = EXCLUDED.threshold,
               flagged = EXCLUDED.flagged, characters = EXCLUDED.characters,
               ignored_fingerprints = EXCLUDED.ignored_fingerprints,
               checked_at = EXCLUDED.checked_at
        """,
        report_id,
        version,
        college,
        season,
        containment,
        threshold,
        flagged,
        characters,
        ignored_fingerprints,
        now,
    )
    if matches:
        await conn.executemany(
            """
            INSERT INTO similarity_matches (report_id, version, source_report_id,
                                            source_version, source_season, containment, passages)
            VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
            """,
            [
                (
                    report_id,
                    version,
                    m.source_report_id,
                    m.source_version,
                    m.source_season,
                    m.containment,
                    json.dumps(m.passages, ensure_ascii=False),
                )
                for m in matches
            ],
        )


async def flag_report(conn: asyncpg.Connection, *, report_id: UUID) -> bool:
    """integrity := 'flagged' unless misconduct was already decided; True if it is flagged."""
    row = await conn.fetchval(
        "UPDATE reports SET integrity = 'flagged'"
        " WHERE report_id = $1 AND integrity <> 'misconduct' RETURNING report_id",
        report_id,
    )
    return row is not None


async def flag_report_from(conn: asyncpg.Connection, *, report_id: UUID, integrity: str) -> bool:
    """integrity := 'flagged' if it is still `integrity` (a re-check's view of it)."""
    row = await conn.fetchval(
        "UPDATE reports SET integrity = 'flagged'"
        " WHERE report_id = $1 AND integrity = $2 RETURNING report_id",
        report_id,
        integrity,
    )
    return row is not None


async def matched_sources(
    conn: asyncpg.Connection, *, report_id: UUID, version: int
) -> set[tuple[UUID, int]]:
    """(source report, source version) of the stored check of this version."""
    rows = await conn.fetch(
        "SELECT source_report_id, source_version FROM similarity_matches"
        " WHERE report_id = $1 AND version = $2",
        report_id,
        version,
    )
    return {(row["source_report_id"], row["source_version"]) for row in rows}


@dataclass(frozen=True)
class ReportToRecheck:
    report_id: UUID
    season: str
    integrity: str
    current_version: int
    body: str | None


async def report_for_recheck(
    conn: asyncpg.Connection, *, college: str, report_id: UUID
) -> ReportToRecheck | None:
    """The report (locked against a new version or a decision) with its current text."""
    row = await conn.fetchrow(
        """
        SELECT r.report_id, r.season, r.integrity, r.current_version, v.body
          FROM reports AS r
          LEFT JOIN report_versions AS v
                 ON v.report_id = r.report_id AND v.version = r.current_version
         WHERE r.college = $1 AND r.report_id = $2
           FOR UPDATE OF r
        """,
        college,
        report_id,
    )
    return None if row is None else ReportToRecheck(**dict(row))


async def season_exists(conn: asyncpg.Connection, *, college: str, season: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM seasons WHERE college = $1 AND season = $2)",
            college,
            season,
        )
    )


async def season_closes_at(
    conn: asyncpg.Connection, *, college: str, season: str
) -> datetime | None:
    found: datetime | None = await conn.fetchval(
        "SELECT closes_at FROM seasons WHERE college = $1 AND season = $2", college, season
    )
    return found


async def submitted_reports(conn: asyncpg.Connection, *, college: str, season: str) -> list[UUID]:
    """The season's reports with at least one version, in a fixed order (locks taken in it)."""
    rows = await conn.fetch(
        "SELECT report_id FROM reports WHERE college = $1 AND season = $2"
        " AND current_version >= 1 ORDER BY report_id",
        college,
        season,
    )
    return [row["report_id"] for row in rows]


@dataclass(frozen=True)
class ReportUnderDecision:
    report_id: UUID
    season: str
    kind: str
    team_id: UUID | None
    project_class: str | None
    integrity: str
    current_version: int
    budget_yuan: int | None


async def report_for_decision(
    conn: asyncpg.Connection, *, college: str, report_id: UUID
) -> ReportUnderDecision | None:
    """The report (locked) with its team's budget."""
    row = await conn.fetchrow(
        """
        SELECT r.report_id, r.season, r.kind, r.team_id, r.project_class, r.integrity,
               r.current_version, t.budget_yuan
          FROM reports AS r LEFT JOIN teams AS t ON t.team_id = r.team_id
         WHERE r.college = $1 AND r.report_id = $2
           FOR UPDATE OF r
        """,
        college,
        report_id,
    )
    return None if row is None else ReportUnderDecision(**dict(row))


async def record_decision(
    conn: asyncpg.Connection,
    *,
    decision_id: UUID,
    college: str,
    report_id: UUID,
    version: int,
    decision: str,
    decided_by: str,
    reason: str,
    now: datetime,
) -> None:
    await conn.execute(
        "UPDATE reports SET integrity = $2 WHERE report_id = $1 AND integrity = 'flagged'",
        report_id,
        decision,
    )
    await conn.execute(
        """
        INSERT INTO integrity_decisions (decision_id, report_id, college, version, decision,
                                         decided_by, reason, decided_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """,
        decision_id,
        report_id,
        college,
        version,
        decision,
        decided_by,
        reason,
        now,
    )


async def report_integrity(
    conn: asyncpg.Connection, *, college: str, report_id: UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT report_id, season, title, integrity, current_version FROM reports"
        " WHERE college = $1 AND report_id = $2",
        college,
        report_id,
    )


async def checked_result(
    conn: asyncpg.Connection, *, report_id: UUID, version: int | None
) -> asyncpg.Record | None:
    """A version's check (the latest checked one when `version` is None)."""
    return await conn.fetchrow(
        """
        SELECT version, containment, threshold, flagged, characters, ignored_fingerprints,
               checked_at
          FROM similarity_results
         WHERE report_id = $1 AND ($2::integer IS NULL OR version = $2)
         ORDER BY version DESC LIMIT 1
        """,
        report_id,
        version,
    )


async def matches_of(
    conn: asyncpg.Connection, *, report_id: UUID, version: int
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """
            SELECT m.source_report_id, m.source_version, m.source_season, m.containment,
                   m.passages, r.title AS source_title
              FROM similarity_matches AS m JOIN reports AS r ON r.report_id = m.source_report_id
             WHERE m.report_id = $1 AND m.version = $2
             ORDER BY m.containment DESC, m.source_report_id
            """,
            report_id,
            version,
        )
    )


async def decisions_of(conn: asyncpg.Connection, *, report_id: UUID) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT decision_id, version, decision, decided_by, reason, decided_at"
            " FROM integrity_decisions WHERE report_id = $1 ORDER BY decided_at, decision_id",
            report_id,
        )
    )


async def open_flags(
    conn: asyncpg.Connection, *, college: str, season: str, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """Reports of the season waiting for a decision, with their latest check."""
    rows = await conn.fetch(
        """
        SELECT r.report_id, r.title, r.kind, r.team_id, r.project_class, r.author_ids,
               s.version, s.containment, s.threshold, s.checked_at AS flagged_at,
               coalesce((SELECT jsonb_agg(jsonb_build_object(
                                 'report_id', m.source_report_id,
                                 'season', m.source_season,
                                 'containment', m.containment,
                                 'passages', jsonb_array_length(m.passages))
                                 ORDER BY m.containment DESC)
                           FROM similarity_matches AS m
                          WHERE m.report_id = s.report_id AND m.version = s.version),
                        '[]'::jsonb) AS sources
          FROM reports AS r
          JOIN LATERAL (SELECT * FROM similarity_results AS x
                         WHERE x.report_id = r.report_id AND x.flagged
                         ORDER BY x.version DESC LIMIT 1) AS s ON true
         WHERE r.college = $1 AND r.season = $2 AND r.integrity = 'flagged'
         ORDER BY s.containment DESC, r.report_id
         LIMIT $3 OFFSET $4
        """,
        college,
        season,
        limit,
        offset,
    )
    total = await conn.fetchval(
        "SELECT count(*) FROM reports WHERE college = $1 AND season = $2 AND integrity = 'flagged'",
        college,
        season,
    )
    return list(rows), int(total)
