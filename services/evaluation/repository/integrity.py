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
