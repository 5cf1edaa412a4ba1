"""Rows for the similarity gate's tests: seasons, reports and versions written straight
into evaluation's tables (as REPORTS' submission writes them), and the gate run on them
in one transaction, as the submission route runs it."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from services.evaluation.service.similarity import GateLimits, gate_submission
from tools.bench.evaluation_similarity_corpus import synthetic_body

T0 = datetime(2026, 9, 7, 2, 0, tzinfo=UTC)
_rng = random.Random()


def unique_college() -> str:
    return f"sim-{uuid4().hex[:10]}"


def unrelated_body(characters: int = 2500) -> str:
    return synthetic_body(random.Random(_rng.getrandbits(64)), characters)


async def new_season(
    conn: asyncpg.Connection,
    college: str,
    season: str,
    *,
    template: str = "",
    threshold: float = 0.08,
    starts: date = date(2026, 9, 7),
) -> None:
    opens = datetime(starts.year, starts.month, starts.day, tzinfo=UTC) - timedelta(hours=8)
    await conn.execute(
        """
        INSERT INTO seasons (college, season, title, term_starts_on, opens_at, closes_at,
                             template_text, similarity_threshold, created_at, updated_at)
        VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $8)
        """,
        college,
        season,
        starts,
        opens,
        opens + timedelta(days=14),
        template,
        threshold,
        T0,
    )


async def new_report(
    conn: asyncpg.Connection,
    college: str,
    season: str,
    authors: list[str],
    *,
    project_class: str | None = None,
    budget_yuan: int | None = None,
) -> UUID:
    """An individual report, or a team report (with its team row) when a class is given."""
    report_id = uuid4()
    team_id = None
    if project_class is not None:
        team_id = uuid4()
        await conn.execute(
            """
            INSERT INTO teams (college, team_id, season, title, leader_id, member_ids,
                               project_class, budget_yuan, approved_at)
            VALUES ($1, $2, $3, '支教调研', $4, $5, $6, $7, $8)
            """,
            college,
            team_id,
            season,
            authors[0],
            authors,
            project_class,
            budget_yuan,
            T0,
        )
    await conn.execute(
        """
        INSERT INTO reports (college, report_id, season, kind, team_id, title, submitter_id,
                             author_ids, project_class, expected_at)
        VALUES ($1, $2, $3, $4, $5, '社会实践报告', $6, $7, $8, $9)
        """,
        college,
        report_id,
        season,
        "team" if team_id else "individual",
        team_id,
        authors[0],
        authors,
        project_class,
        T0,
    )
    return report_id


async def submit(
    conn: asyncpg.Connection,
    college: str,
    season: str,
    report_id: UUID,
    body: str,
    *,
    limits: GateLimits | None = None,
    now: datetime = T0,
) -> int:
    """A new version of the report, gated in the same transaction; returns its number."""
    async with conn.transaction():
        version = await conn.fetchval(
            "UPDATE reports SET current_version = current_version + 1,"
            " first_submitted_at = coalesce(first_submitted_at, $2)"
            " WHERE report_id = $1 RETURNING current_version",
            report_id,
            now,
        )
        submitter = await conn.fetchval(
            "SELECT submitter_id FROM reports WHERE report_id = $1", report_id
        )
        await conn.execute(
            """
            INSERT INTO report_versions (report_id, version, college, submitted_by,
                                         submitted_at, late, source, sha256, body, characters)
            VALUES ($1, $2, $3, $4, $5, false, 'text', $6, $7, $8)
            """,
            report_id,
            version,
            college,
            submitter,
            now,
            hashlib.sha256(body.encode()).hexdigest(),
            body,
            len(body),
        )
        await gate_submission(
            conn,
            college=college,
            season=season,
            report_id=report_id,
            version=version,
            body=body,
            now=now,
            limits=limits,
        )
    return int(version)


async def integrity(conn: asyncpg.Connection, report_id: UUID) -> str:
    return str(await conn.fetchval("SELECT integrity FROM reports WHERE report_id = $1", report_id))


async def result(conn: asyncpg.Connection, report_id: UUID, version: int) -> asyncpg.Record:
    return await conn.fetchrow(
        "SELECT * FROM similarity_results WHERE report_id = $1 AND version = $2",
        report_id,
        version,
    )


async def matches(conn: asyncpg.Connection, report_id: UUID, version: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM similarity_matches WHERE report_id = $1 AND version = $2"
        " ORDER BY containment DESC",
        report_id,
        version,
    )


async def flagged_events(conn: asyncpg.Connection, report_id: UUID) -> int:
    """SimilarityFlagged rows the gate wrote to the outbox for this report."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE message_key = $1"
            " AND headers->>'ce_type' = 'campusflow.evaluation.similarity.flagged.v1'",
            str(report_id).encode(),
        )
    )
