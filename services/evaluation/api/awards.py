"""Awards (评奖) and the excellence review (答辩): award runs on calibrated scores with
borderline reports sent for one more review, prizes, excellence applications, defense
scheduling and decisions."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response, status

from services.evaluation.api.common import (
    PREFIX,
    Anyone,
    Chair,
    College,
    Student,
    Teacher,
    is_chair,
)
from services.evaluation.schemas.awards import (
    ApplicationList,
    ApplicationView,
    AwardList,
    AwardRunForm,
    AwardRunView,
    AwardView,
    DecisionForm,
    DefenseList,
    DefenseView,
    ScheduleForm,
)
from services.evaluation.service import awards as service
from services.evaluation.service import defenses as defense_service
from services.evaluation.service import grades as grade_service
from shared.web.dependencies import Now, ReadOnly, Transaction
from shared.web.fields import Identifier
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["awards"])

SeasonPath = Annotated[Identifier, Path(max_length=64)]


@router.post(
    "/seasons/{season}/award-runs",
    status_code=status.HTTP_201_CREATED,
    responses={
        202: {
            "model": AwardRunView,
            "description": "Borderline reports sent for one more review; nothing granted",
        }
    },
    summary="Screen the season's passing reports on calibrated scores and grant the prizes",
)
async def run_awards(
    college: College,
    season: SeasonPath,
    form: AwardRunForm,
    chair: Chair,
    conn: Transaction,
    now: Now,
    response: Response,
) -> AwardRunView:
    run = await service.run_awards(
        conn, college=college, season=season, config=form.config(), by=chair.user_id, now=now
    )
    if run.status == "pending":
        response.status_code = status.HTTP_202_ACCEPTED
    return AwardRunView.of(run)


@router.get("/seasons/{season}/awards", summary="The season's prizes (students: no scores)")
async def awards(college: College, season: SeasonPath, anyone: Anyone, conn: ReadOnly) -> AwardList:
    rows = await service.awards_of_season(conn, college=college, season=season)
    full = is_chair(anyone) or anyone.has_any("teacher")
    return AwardList(
        items=[AwardView.of(r, full=full) for r in rows if full or r.withdrawn_at is None]
    )


@router.post(
    "/reports/{report_id}/excellence-application",
    status_code=status.HTTP_201_CREATED,
    summary="Apply for the excellence review (the report's submitter; eligible in the"
    " season's final award run)",
)
async def apply_for_excellence(
    college: College, report_id: UUID, student: Student, conn: Transaction, now: Now
) -> ApplicationView:
    report = await grade_service.report_of(conn, college=college, report_id=report_id)
    if student.user_id != report.submitter_id:
        raise Problem.forbidden("only the report's submitter applies for the excellence review")
    application = await service.apply_for_excellence(
        conn, college=college, report_id=report_id, applicant_id=student.user_id, now=now
    )
    return ApplicationView.of(application)


@router.get(
    "/seasons/{season}/excellence-applications",
    summary="The season's excellence applications (chair, teacher)",
)
async def applications(
    college: College, season: SeasonPath, teacher: Teacher, conn: ReadOnly
) -> ApplicationList:
    found = await service.applications_of_season(conn, college=college, season=season)
    return ApplicationList(items=[ApplicationView.of(a) for a in found])


@router.post(
    "/seasons/{season}/defenses/schedule",
    status_code=status.HTTP_201_CREATED,
    summary="Schedule the waiting applications' defenses: slots, panels, no member clash",
)
async def schedule_defenses(
    college: College,
    season: SeasonPath,
    form: ScheduleForm,
    chair: Chair,
    conn: Transaction,
    now: Now,
) -> DefenseList:
    plan = await defense_service.schedule(
        conn,
        college=college,
        season=season,
        slots=form.slot_list(),
        members=form.member_list(),
        panel_size=form.panel_size,
        by=chair.user_id,
        now=now,
    )
    return DefenseList(items=[DefenseView.scheduled(d, season) for d in plan])


@router.get(
    "/seasons/{season}/defenses",
    summary="The season's defenses (a student: those of their own reports)",
)
async def defenses(
    college: College, season: SeasonPath, anyone: Anyone, conn: ReadOnly
) -> DefenseList:
    rows = await defense_service.defenses_of_season(conn, college=college, season=season)
    full = is_chair(anyone) or anyone.has_any("teacher")
    if not (full or anyone.has_any("reviewer")):
        mine = set()
        for row in rows:
            report = await grade_service.report_of(
                conn, college=college, report_id=row.defense.report_id
            )
            if anyone.user_id in report.author_ids:
                mine.add(row.defense.defense_id)
        rows = [r for r in rows if r.defense.defense_id in mine]
        full = True  # their own reports: they were told the reason (IntegrityDecided)
    return DefenseList(items=[DefenseView.of(r, reason_shown=full) for r in rows])


@router.post(
    "/defenses/{defense_id}/decision",
    summary="Record the defense's score (0–100) and excellence decision (chair or panel)",
)
async def decide(
    college: College,
    defense_id: UUID,
    form: DecisionForm,
    anyone: Anyone,
    conn: Transaction,
    now: Now,
) -> DefenseView:
    defense = await defense_service.defense_of(conn, college=college, defense_id=defense_id)
    if not is_chair(anyone) and anyone.user_id not in defense.defense.panel_ids:
        raise Problem.forbidden("only the chair or a member of the panel decides a defense")
    row = await defense_service.decide(
        conn,
        college=college,
        defense_id=defense_id,
        score=form.score,
        excellent=form.excellent,
        by=anyone.user_id,
        now=now,
    )
    return DefenseView.of(row, reason_shown=is_chair(anyone))
