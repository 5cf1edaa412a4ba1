"""SQL of reviews, a reviewer's assigned reports, and what they read of reports and
grades (tables of migrations 0002 and 0005, read only). Assignment runs and the
assignments themselves: repository/review_assignments.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class ReportFacts:
    """What assignment and visibility need of a report."""

    report_id: UUID
    season: str
    title: str
    author_ids: tuple[str, ...]  # the authors and, for a team report, every team member
    advisor_id: str | None
    current_version: int


@dataclass(frozen=True)
class ReviewRow:
    report_id: UUID
    reviewer_id: str
    scores: dict[str, float]
    score: float
    comment: str
    submitted_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None = None  # withdrawn from calibration (a conflict declared)


@dataclass(frozen=True)
class AssignedReport:
    """A reviewer's assigned report: its current text and their own review, if any."""

    report_id: UUID
    season: str
    title: str
    version: int
    body: str
    why: str
    assigned_at: datetime
    review: ReviewRow | None


_REPORT = (
    "SELECT r.report_id, r.season, r.title, r.advisor_id, r.current_version,"
    " ARRAY(SELECT DISTINCT p FROM unnest(r.author_ids || COALESCE(t.member_ids, '{}')"
    "   || CASE WHEN t.leader_id IS NULL THEN '{}'::text[] ELSE ARRAY[t.leader_id] END) p"
    "   ORDER BY p) AS author_ids"
    " FROM reports r LEFT JOIN teams t ON t.team_id = r.team_id"
)


def _facts(row: asyncpg.Record) -> ReportFacts:
    values = dict(row)
    values["author_ids"] = tuple(values["author_ids"])
    return ReportFacts(**values)


async def report_facts(
    conn: asyncpg.Connection, *, college: str, report_id: UUID
) -> ReportFacts | None:
    row = await conn.fetchrow(
        f"{_REPORT} WHERE r.college = $1 AND r.report_id = $2", college, report_id
    )
    return None if row is None else _facts(row)


async def submitted_reports(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[ReportFacts]:
    """The season's reports with at least one version."""
    rows = await conn.fetch(
        f"{_REPORT} WHERE r.college = $1 AND r.season = $2 AND r.current_version >= 1"
        " ORDER BY r.report_id",
        college,
        season,
    )
    return [_facts(row) for row in rows]


# --- reviews ---------------------------------------------------------------------------

_REVIEW = "report_id, reviewer_id, scores, score, comment, submitted_at, updated_at, withdrawn_at"


def _review(row: asyncpg.Record) -> ReviewRow:
    values = dict(row)
    values["scores"] = json.loads(values["scores"])
    return ReviewRow(**values)


async def reviews_of_report(conn: asyncpg.Connection, *, report_id: UUID) -> list[ReviewRow]:
    """Every review of the report, a withdrawn one included (marked)."""
    rows = await conn.fetch(
        f"SELECT {_REVIEW} FROM reviews WHERE report_id = $1 ORDER BY submitted_at, reviewer_id",
        report_id,
    )
    return [_review(row) for row in rows]


async def reviews_of_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[ReviewRow]:
    rows = await conn.fetch(
        f"SELECT {_REVIEW} FROM reviews WHERE college = $1 AND season = $2"
        " AND withdrawn_at IS NULL ORDER BY report_id, reviewer_id",
        college,
        season,
    )
    return [_review(row) for row in rows]


async def any_review(conn: asyncpg.Connection, *, college: str, season: str) -> bool:
    found = await conn.fetchval(
        "SELECT true FROM reviews WHERE college = $1 AND season = $2 LIMIT 1", college, season
    )
    return bool(found)


async def withdraw_review(
    conn: asyncpg.Connection, *, report_id: UUID, reviewer_id: str, reason: str, now: datetime
) -> bool:
    """Withdraw the submitted review from calibration (kept); False when there is none."""
    status = await conn.execute(
        "UPDATE reviews SET withdrawn_at = $3, withdrawn_reason = $4"
        " WHERE report_id = $1 AND reviewer_id = $2 AND withdrawn_at IS NULL",
        report_id,
        reviewer_id,
        now,
        reason,
    )
    return bool(status == "UPDATE 1")


async def upsert_review(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    report_id: UUID,
    reviewer_id: str,
    scores: dict[str, Any],
    score: float,
    comment: str,
    now: datetime,
) -> None:
    """Insert the review, or update it (its first submission time kept)."""
    await conn.execute(
        "INSERT INTO reviews (college, season, report_id, reviewer_id, scores, score, comment,"
        " submitted_at, updated_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $8)"
        " ON CONFLICT (report_id, reviewer_id) DO UPDATE SET scores = EXCLUDED.scores,"
        " score = EXCLUDED.score, comment = EXCLUDED.comment, updated_at = EXCLUDED.updated_at",
        college,
        season,
        report_id,
        reviewer_id,
        json.dumps(scores, ensure_ascii=False),
        score,
        comment,
        now,
    )


async def assigned_reports(
    conn: asyncpg.Connection, *, college: str, reviewer_id: str, season: str | None
) -> list[AssignedReport]:
    rows = await conn.fetch(
        "SELECT a.report_id, r.season, r.title, a.why, a.assigned_at,"
        " COALESCE(v.version, 0) AS version, COALESCE(v.body, '') AS body,"
        " w.scores, w.score, w.comment, w.submitted_at, w.updated_at"
        " FROM review_assignments a JOIN reports r ON r.report_id = a.report_id"
        " LEFT JOIN report_versions v ON v.report_id = r.report_id"
        "   AND v.version = r.current_version"
        " LEFT JOIN reviews w ON w.report_id = a.report_id AND w.reviewer_id = a.reviewer_id"
        " WHERE a.college = $1 AND a.reviewer_id = $2 AND ($3::text IS NULL OR a.season = $3)"
        " AND a.released_at IS NULL"
        " ORDER BY a.assigned_at, a.report_id",
        college,
        reviewer_id,
        season,
    )
    found = []
    for row in rows:
        review = None
        if row["scores"] is not None:
            review = ReviewRow(
                report_id=row["report_id"],
                reviewer_id=reviewer_id,
                scores=json.loads(row["scores"]),
                score=row["score"],
                comment=row["comment"],
                submitted_at=row["submitted_at"],
                updated_at=row["updated_at"],
            )
        found.append(
            AssignedReport(
                report_id=row["report_id"],
                season=row["season"],
                title=row["title"],
                version=row["version"],
                body=row["body"],
                why=row["why"],
                assigned_at=row["assigned_at"],
                review=review,
            )
        )
    return found


# --- the grade (GRADES-AWARDS' table, migration 0005), read only -----------------------


async def grade_finalised_at(conn: asyncpg.Connection, *, report_id: UUID) -> datetime | None:
    """When the report's grade was made final; None while it is not."""
    value: datetime | None = await conn.fetchval(
        "SELECT finalised_at FROM grades WHERE report_id = $1", report_id
    )
    return value


async def awards_granted(conn: asyncpg.Connection, *, college: str, season: str) -> bool:
    """Whether the season's award run has granted its prizes (a 'final' run), with the
    season row held FOR SHARE until commit: an award run (which takes it FOR UPDATE)
    waits for this transaction, so a borderline review never lands after the grant."""
    await conn.execute(
        "SELECT 1 FROM seasons WHERE college = $1 AND season = $2 FOR SHARE", college, season
    )
    found = await conn.fetchval(
        "SELECT true FROM award_runs WHERE college = $1 AND season = $2 AND status = 'final'",
        college,
        season,
    )
    return bool(found)
