"""Teacher review (终审): the college's grade scale, final grades (the committee's from
the calibrated score, or an override with its reason), recommendations."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path

from services.evaluation.api.common import PREFIX, Anyone, Chair, College, Teacher, is_chair
from services.evaluation.schemas.grades import (
    GradeForm,
    GradeList,
    GradeScaleForm,
    GradeScaleView,
    GradeView,
    scale_view,
)
from services.evaluation.service import grades as service
from shared.rules import NotFound
from shared.web.dependencies import Now, ReadOnly, Transaction
from shared.web.fields import Identifier

router = APIRouter(prefix=PREFIX, tags=["grades"])

SeasonPath = Annotated[Identifier, Path(max_length=64)]


def _kind(kind: str) -> Literal["chinese", "letters"]:
    return "chinese" if kind == "chinese" else "letters"


@router.put("/grade-scale", summary="Set the college's grade scale (优良中及格 or A–D)")
async def set_grade_scale(
    college: College, form: GradeScaleForm, chair: Chair, conn: Transaction, now: Now
) -> GradeScaleView:
    scale = await service.set_grade_scale(
        conn,
        college=college,
        kind=form.kind,
        thresholds=form.thresholds,
        by=chair.user_id,
        now=now,
    )
    return scale_view(scale, form.kind)


@router.get("/grade-scale", summary="The college's grade scale (the default without one)")
async def grade_scale(college: College, anyone: Anyone, conn: ReadOnly) -> GradeScaleView:
    scale = await service.grade_scale(conn, college=college)
    return scale_view(scale, _kind(service.kind_of(scale)))


@router.post(
    "/reports/{report_id}/grade",
    summary="Finalise a report's grade: confirm the committee's or override it with a reason",
)
async def finalise_grade(
    college: College,
    report_id: UUID,
    form: GradeForm,
    teacher: Teacher,
    conn: Transaction,
    now: Now,
) -> GradeView:
    row = await service.finalise_grade(
        conn,
        college=college,
        report_id=report_id,
        teacher_id=teacher.user_id,
        grade=form.grade,
        override_reason=form.override_reason,
        recommend=form.recommend,
        now=now,
    )
    return GradeView.of(row)


@router.post(
    "/reports/{report_id}/recommendation",
    summary="Recommend a report with a top final grade (优 or A) to the university level",
)
async def recommend(
    college: College, report_id: UUID, teacher: Teacher, conn: Transaction, now: Now
) -> GradeView:
    row = await service.recommend_report(
        conn, college=college, report_id=report_id, teacher_id=teacher.user_id, now=now
    )
    return GradeView.of(row)


@router.get(
    "/reports/{report_id}/grade",
    summary="A report's final grade (a student: only of a report they author)",
)
async def grade(college: College, report_id: UUID, anyone: Anyone, conn: ReadOnly) -> GradeView:
    staff = is_chair(anyone) or anyone.has_any("teacher")
    if not staff:
        report = await service.report_of(conn, college=college, report_id=report_id)
        if anyone.user_id not in report.author_ids:  # never revealed to one who may not read it
            raise NotFound("report", report_id)
    row = await service.final_grade(conn, college=college, report_id=report_id)
    return GradeView.of(row, full=staff)


@router.get("/seasons/{season}/grades", summary="The season's final grades (chair, teacher)")
async def season_grades(
    college: College, season: SeasonPath, teacher: Teacher, conn: ReadOnly
) -> GradeList:
    rows = await service.grades_of_season(conn, college=college, season=season)
    return GradeList(items=[GradeView.of(row) for row in rows])
