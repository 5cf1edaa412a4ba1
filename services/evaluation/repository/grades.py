"""SQL of grade scales, final grades and recommendations, and the report facts they read
(the `reports` table of migration 0002: read only here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.evaluation.domain.grades import CHINESE, LETTERS, GradeScale


@dataclass(frozen=True)
class ReportFacts:
    """What grading and awards need of a report."""

    report_id: UUID
    college: str
    season: str
    title: str
    submitter_id: str
    author_ids: tuple[str, ...]
    advisor_id: str | None
    integrity: str
    current_version: int


@dataclass(frozen=True)
class GradeRow:
    report_id: UUID
    college: str
    season: str
    grade: str
    passed: bool
    committee_grade: str
    committee_score: float
    override_reason: str | None
    teacher_id: str
    finalised_at: datetime
    recommended_at: datetime | None = None


def _facts(row: asyncpg.Record) -> ReportFacts:
    return ReportFacts(
        report_id=row["report_id"],
        college=row["college"],
        season=row["season"],
        title=row["title"],
        submitter_id=row["submitter_id"],
        author_ids=tuple(row["author_ids"]),
        advisor_id=row["advisor_id"],
        integrity=row["integrity"],
        current_version=row["current_version"],
    )


_REPORT = (
    "SELECT report_id, college, season, title, submitter_id, author_ids, advisor_id,"
    " integrity, current_version FROM reports"
)


async def report_facts(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, for_update: bool = False
) -> ReportFacts | None:
    """The report of this college (None when unknown or of another college); FOR SHARE
    with `for_update` so the integrity decision cannot change under a grade."""
    lock = " FOR SHARE" if for_update else ""
    row = await conn.fetchrow(
        f"{_REPORT} WHERE college = $1 AND report_id = $2{lock}", college, report_id
    )
    return None if row is None else _facts(row)


async def reports_of_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[ReportFacts]:
    rows = await conn.fetch(
        f"{_REPORT} WHERE college = $1 AND season = $2 ORDER BY report_id", college, season
    )
    return [_facts(row) for row in rows]


async def season_exists(conn: asyncpg.Connection, *, college: str, season: str) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM seasons WHERE college = $1 AND season = $2", college, season
    )
    return found is not None


# --- grade scales ----------------------------------------------------------------------

DEFAULT_THRESHOLDS = (90.0, 80.0, 70.0, 60.0)


def default_scale(college: str) -> GradeScale:
    return GradeScale(college, CHINESE, DEFAULT_THRESHOLDS)


async def grade_scale(conn: asyncpg.Connection, *, college: str) -> GradeScale:
    """The college's scale, or the default 优>=90/良>=80/中>=70/及格>=60."""
    row = await conn.fetchrow(
        "SELECT grades, thresholds FROM grade_scales WHERE college = $1", college
    )
    if row is None:
        return default_scale(college)
    grades = tuple(row["grades"])
    return GradeScale(college, CHINESE if grades == CHINESE else LETTERS, tuple(row["thresholds"]))


async def save_grade_scale(
    conn: asyncpg.Connection, *, scale: GradeScale, kind: str, by: str, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO grade_scales (college, kind, grades, thresholds, updated_by, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (college) DO UPDATE SET"
        " kind = EXCLUDED.kind, grades = EXCLUDED.grades, thresholds = EXCLUDED.thresholds,"
        " updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at",
        scale.college_id,
        kind,
        list(scale.grades),
        list(scale.thresholds),
        by,
        now,
    )


# --- grades and recommendations ---------------------------------------------------------

_GRADE = (
    "SELECT g.report_id, g.college, g.season, g.grade, g.passed, g.committee_grade,"
    " g.committee_score, g.override_reason, g.teacher_id, g.finalised_at,"
    " r.recommended_at FROM grades g LEFT JOIN recommendations r USING (report_id)"
)


async def grade_of(conn: asyncpg.Connection, *, college: str, report_id: UUID) -> GradeRow | None:
    row = await conn.fetchrow(
        f"{_GRADE} WHERE g.college = $1 AND g.report_id = $2", college, report_id
    )
    return None if row is None else GradeRow(**dict(row))


async def grades_of_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[GradeRow]:
    rows = await conn.fetch(
        f"{_GRADE} WHERE g.college = $1 AND g.season = $2 ORDER BY g.finalised_at, g.report_id",
        college,
        season,
    )
    return [GradeRow(**dict(row)) for row in rows]


async def insert_grade(conn: asyncpg.Connection, grade: GradeRow) -> bool:
    """False when the report already has a final grade (nothing written)."""
    inserted = await conn.fetchval(
        "INSERT INTO grades (report_id, college, season, grade, passed, committee_grade,"
        " committee_score, override_reason, teacher_id, finalised_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (report_id) DO NOTHING RETURNING true",
        grade.report_id,
        grade.college,
        grade.season,
        grade.grade,
        grade.passed,
        grade.committee_grade,
        grade.committee_score,
        grade.override_reason,
        grade.teacher_id,
        grade.finalised_at,
    )
    return bool(inserted)


async def insert_recommendation(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    report_id: UUID,
    teacher_id: str,
    now: datetime,
) -> bool:
    """False when the report was already recommended."""
    inserted = await conn.fetchval(
        "INSERT INTO recommendations (report_id, college, season, teacher_id, recommended_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (report_id) DO NOTHING RETURNING true",
        report_id,
        college,
        season,
        teacher_id,
        now,
    )
    return bool(inserted)


async def rubric_range(
    conn: asyncpg.Connection, *, college: str, season: str
) -> tuple[float, float]:
    """The season's rubric score range (REVIEWS' `rubrics`, read only); 0–100 without one."""
    row = await conn.fetchrow(
        "SELECT low, high FROM rubrics WHERE college = $1 AND season = $2", college, season
    )
    return (0.0, 100.0) if row is None else (float(row["low"]), float(row["high"]))
