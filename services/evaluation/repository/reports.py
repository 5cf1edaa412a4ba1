"""SQL of expected reports and their submitted versions (files kept in PostgreSQL), and
what submission reads of the grades table (migration 0005, read only)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from services.evaluation.domain.reports import Report, ReportVersion, Submission

_REPORT = """college, report_id, season, kind, team_id, title, submitter_id, author_ids,
    advisor_id, project_class, expected_at, current_version, first_submitted_at, late, integrity"""
_VERSION = """report_id, version, college, submitted_by, submitted_at, late, source, filename,
    sha256, characters"""


def _report(row: asyncpg.Record) -> Report:
    return Report(**dict(row))


def _version(row: asyncpg.Record) -> ReportVersion:
    return ReportVersion(**dict(row))


async def insert_report(conn: asyncpg.Connection, report: Report) -> bool:
    """False when the team already has its report or the student already has this
    season's individual requirement (nothing written)."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO reports ({_REPORT})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        ON CONFLICT DO NOTHING
        RETURNING report_id
        """,
        report.college,
        report.report_id,
        report.season,
        report.kind,
        report.team_id,
        report.title,
        report.submitter_id,
        report.author_ids,
        report.advisor_id,
        report.project_class,
        report.expected_at,
        report.current_version,
        report.first_submitted_at,
        report.late,
        report.integrity,
    )
    return row is not None


async def get_report(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, for_update: bool = False
) -> Report | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_REPORT} FROM reports WHERE college = $1 AND report_id = $2{lock}",
        college,
        report_id,
    )
    return _report(row) if row is not None else None


async def find_reports(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str | None,
    author_id: str | None,
    limit: int,
    offset: int,
) -> list[Report]:
    rows = await conn.fetch(
        f"""
        SELECT {_REPORT} FROM reports
        WHERE college = $1 AND ($2::text IS NULL OR season = $2)
          AND ($3::text IS NULL OR author_ids @> ARRAY[$3::text])
        ORDER BY season, expected_at, report_id
        LIMIT $4 OFFSET $5
        """,
        college,
        season,
        author_id,
        limit,
        offset,
    )
    return [_report(row) for row in rows]


async def insert_version(
    conn: asyncpg.Connection, version: ReportVersion, submission: Submission
) -> None:
    await conn.execute(
        f"""
        INSERT INTO report_versions ({_VERSION}, file, body)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        """,
        version.report_id,
        version.version,
        version.college,
        version.submitted_by,
        version.submitted_at,
        version.late,
        version.source,
        version.filename,
        version.sha256,
        version.characters,
        submission.file,
        submission.body,
    )


async def record_submitted(
    conn: asyncpg.Connection, *, report_id: UUID, version: int, late: bool, at: datetime
) -> Report:
    """The report's current version moves on; once any version came late it stays flagged."""
    row = await conn.fetchrow(
        f"""
        UPDATE reports SET current_version = $2,
            first_submitted_at = COALESCE(first_submitted_at, $4), late = late OR $3
        WHERE report_id = $1
        RETURNING {_REPORT}
        """,
        report_id,
        version,
        late,
        at,
    )
    return _report(row)


async def list_versions(conn: asyncpg.Connection, *, report_id: UUID) -> list[ReportVersion]:
    rows = await conn.fetch(
        f"SELECT {_VERSION} FROM report_versions WHERE report_id = $1 ORDER BY version",
        report_id,
    )
    return [_version(row) for row in rows]


async def get_version_content(
    conn: asyncpg.Connection, *, report_id: UUID, version: int
) -> tuple[ReportVersion, str, bytes | None] | None:
    """One version with its text and its original file (None for a text submission)."""
    row = await conn.fetchrow(
        f"""SELECT {_VERSION}, body, file FROM report_versions
            WHERE report_id = $1 AND version = $2""",
        report_id,
        version,
    )
    if row is None:
        return None
    values = dict(row)
    body, file = values.pop("body"), values.pop("file")
    return ReportVersion(**values), body, file


async def grade_is_final(conn: asyncpg.Connection, *, report_id: UUID) -> bool:
    """Whether the report has a final grade (GRADES-AWARDS' table, read only)."""
    found = await conn.fetchval("SELECT true FROM grades WHERE report_id = $1", report_id)
    return bool(found)
