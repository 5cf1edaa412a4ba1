"""Grade use cases: the college's scale, a teacher's final grade (the committee's from
the calibrated score, or an override with its reason), recommendations to the university
level; each runs in the one transaction it is handed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

import asyncpg

from services.evaluation.domain import grades as rules
from services.evaluation.domain.grades import CHINESE, LETTERS, GradeScale
from services.evaluation.repository import grades as repository
from services.evaluation.repository.grades import GradeRow, ReportFacts
from services.evaluation.service import SOURCE, credits
from services.evaluation.service.calibrations import report_scores
from shared.events.evaluation import GradeFinalised, ReportRecommended
from shared.messaging.outbox import append_to_outbox
from shared.rules import NotFound, RuleBroken

KINDS = {"chinese": CHINESE, "letters": LETTERS}


def kind_of(scale: GradeScale) -> str:
    return "chinese" if scale.grades == CHINESE else "letters"


async def set_grade_scale(
    conn: asyncpg.Connection,
    *,
    college: str,
    kind: str,
    thresholds: Mapping[str, float],
    by: str,
    now: datetime,
) -> GradeScale:
    """The college's scale: one threshold per grade of the kind, strictly decreasing."""
    grades = KINDS[kind]
    if set(thresholds) != set(grades):
        raise RuleBroken(
            "thresholds_grades",
            field="thresholds",
            message=f"give one threshold for each of {'/'.join(grades)}, and no other",
            invalid=True,
        )
    scale = GradeScale(college, grades, tuple(float(thresholds[g]) for g in grades))
    await repository.save_grade_scale(conn, scale=scale, kind=kind, by=by, now=now)
    return scale


async def grade_scale(conn: asyncpg.Connection, *, college: str) -> GradeScale:
    return await repository.grade_scale(conn, college=college)


async def report_of(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, for_update: bool = False
) -> ReportFacts:
    report = await repository.report_facts(
        conn, college=college, report_id=report_id, for_update=for_update
    )
    if report is None:
        raise NotFound("report", report_id)
    return report


def _gradable(report: ReportFacts) -> None:
    if report.integrity == "misconduct":
        raise RuleBroken(
            "misconduct",
            field="report_id",
            message="misconduct was decided for this report; it gets no grade",
        )
    if report.current_version < 1:
        raise RuleBroken(
            "report_not_submitted", field="report_id", message="the report has not been submitted"
        )


async def committee_score(conn: asyncpg.Connection, *, college: str, report_id: UUID) -> float:
    """The report's calibrated score on 0–100 (the rubric's range mapped onto it)."""
    scores = await report_scores(conn, college=college, report_id=report_id)
    if scores.reviews == 0 or scores.calibrated is None:
        raise RuleBroken(
            "no_submitted_review",
            field="report_id",
            message="the report has no submitted committee review yet",
        )
    low, high = await repository.rubric_range(conn, college=college, season=scores.season)
    share = (scores.calibrated - low) / (high - low)
    return round(min(100.0, max(0.0, 100.0 * share)), 2)


async def finalise_grade(
    conn: asyncpg.Connection,
    *,
    college: str,
    report_id: UUID,
    teacher_id: str,
    grade: str | None,
    override_reason: str | None,
    recommend: bool,
    now: datetime,
) -> GradeRow:
    """The teacher's final grade; emits GradeFinalised, credits the authors of a pass
    (CreditsAwarded) and, when asked, recommends a top grade (ReportRecommended)."""
    report = await report_of(conn, college=college, report_id=report_id, for_update=True)
    if report.integrity == "flagged":
        raise RuleBroken(
            "integrity_flag_open",
            field="report_id",
            message="the report has an open integrity flag; it cannot be graded until decided",
        )
    _gradable(report)
    if await repository.grade_of(conn, college=college, report_id=report_id) is not None:
        raise RuleBroken("grade_final", field="report_id", message="the grade is already final")
    score = await committee_score(conn, college=college, report_id=report_id)
    scale = await repository.grade_scale(conn, college=college)
    final = rules.finalise(
        scale, str(report_id), score, teacher_id, now, grade=grade, reason=override_reason
    )
    row = GradeRow(
        report_id=report_id,
        college=college,
        season=report.season,
        grade=final.grade,
        passed=final.passed,
        committee_grade=final.committee_grade,
        committee_score=score,
        override_reason=final.reason if final.overridden else None,
        teacher_id=teacher_id,
        finalised_at=now,
    )
    if not await repository.insert_grade(conn, row):
        raise RuleBroken("grade_final", field="report_id", message="the grade is already final")
    event = GradeFinalised(
        college=college,
        report_id=report_id,
        season=report.season,
        grade=row.grade,
        passed=row.passed,
        committee_grade=row.committee_grade,
        override_reason=row.override_reason or "",
        teacher_id=teacher_id,
        author_ids=list(report.author_ids),
        finalised_at=now,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    if row.passed:
        await credits.award_for_pass(
            conn,
            college=college,
            report_id=report_id,
            season=report.season,
            author_ids=report.author_ids,
            now=now,
        )
    if recommend:
        await recommend_report(
            conn, college=college, report_id=report_id, teacher_id=teacher_id, now=now
        )
    return await final_grade(conn, college=college, report_id=report_id)


async def recommend_report(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, teacher_id: str, now: datetime
) -> GradeRow:
    """Recommend a report with a final top grade (优 or A); emits ReportRecommended."""
    report = await report_of(conn, college=college, report_id=report_id)
    _gradable(report)
    row = await repository.grade_of(conn, college=college, report_id=report_id)
    if row is None:
        raise RuleBroken(
            "grade_not_final", field="report_id", message="the report has no final grade yet"
        )
    final = rules.FinalGrade(
        str(report_id),
        row.committee_grade,
        row.grade,
        row.teacher_id,
        row.override_reason,
        row.finalised_at,
    )
    rules.recommend(final, teacher_id, now)
    if not await repository.insert_recommendation(
        conn,
        college=college,
        season=report.season,
        report_id=report_id,
        teacher_id=teacher_id,
        now=now,
    ):
        raise RuleBroken(
            "already_recommended", field="report_id", message="the report is already recommended"
        )
    event = ReportRecommended(
        college=college,
        report_id=report_id,
        season=report.season,
        teacher_id=teacher_id,
        recommended_at=now,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return await final_grade(conn, college=college, report_id=report_id)


async def final_grade(conn: asyncpg.Connection, *, college: str, report_id: UUID) -> GradeRow:
    row = await repository.grade_of(conn, college=college, report_id=report_id)
    if row is None:
        raise NotFound("grade", report_id)
    return row


async def grades_of_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[GradeRow]:
    return await repository.grades_of_season(conn, college=college, season=season)
