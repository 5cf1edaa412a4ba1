"""Committee review (初审): class rosters, reviewers, conflicts, the rubric, the assignment
run, reviews with who sees what, and the calibration view."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, status

from services.evaluation.api.common import (
    PREFIX,
    Anyone,
    Chair,
    College,
    Reviewer,
    Settings,
    Teacher,
    is_chair,
)
from services.evaluation.schemas.reviews import (
    AssignedReportList,
    AssignmentRunView,
    CalibrationView,
    ClassRosterForm,
    ClassRosterView,
    ConflictForm,
    ConflictList,
    ConflictView,
    DeclaredConflictView,
    OneMoreView,
    ReportReviewsView,
    ReviewerForm,
    ReviewerList,
    ReviewerView,
    ReviewForm,
    ReviewView,
    RubricForm,
    RubricView,
    SeasonAssignmentsView,
    rubric_view,
)
from services.evaluation.service import assignments as assignment_service
from services.evaluation.service import calibrations as calibration_service
from services.evaluation.service import review_conflicts as conflict_service
from services.evaluation.service import reviews as service
from shared.web.dependencies import Now, ReadOnly, Transaction
from shared.web.fields import Identifier
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["reviews"])

SeasonPath = Annotated[Identifier, Path(max_length=64)]
PersonPath = Annotated[Identifier, Path(max_length=64)]
SEASON = "/seasons/{season}"
REPORT = "/reports/{report_id}"


@router.put("/classes/{class_id}", summary="Set a class roster (for same-class conflicts)")
async def set_class_roster(
    college: College,
    class_id: Annotated[Identifier, Path(max_length=64)],
    form: ClassRosterForm,
    chair: Chair,
    conn: Transaction,
    now: Now,
) -> ClassRosterView:
    members = await service.set_class_roster(
        conn, college=college, class_id=class_id, member_ids=form.member_ids, now=now
    )
    return ClassRosterView(class_id=class_id, member_ids=members)


@router.get("/classes/{class_id}", summary="A class roster")
async def class_roster(
    college: College,
    class_id: Annotated[Identifier, Path(max_length=64)],
    chair: Chair,
    conn: ReadOnly,
) -> ClassRosterView:
    members = await service.class_roster(conn, college=college, class_id=class_id)
    return ClassRosterView(class_id=class_id, member_ids=members)


@router.put(
    f"{SEASON}/reviewers/{{reviewer_id}}",
    summary="Add a committee reviewer to the season, or change their load, class or activity",
)
async def set_reviewer(
    college: College,
    season: SeasonPath,
    reviewer_id: PersonPath,
    form: ReviewerForm,
    chair: Chair,
    settings: Settings,
    conn: Transaction,
    now: Now,
) -> ReviewerView:
    found = await service.set_reviewer(
        conn,
        college=college,
        season=season,
        reviewer_id=reviewer_id,
        load=settings.default_reviewer_load if form.load is None else form.load,
        class_id=form.class_id,
        active=form.active,
        set_by=chair.user_id,
        now=now,
    )
    return ReviewerView.model_validate(found)


@router.get(f"{SEASON}/reviewers", summary="The season's committee reviewers with their loads")
async def reviewers(
    college: College, season: SeasonPath, chair: Chair, conn: ReadOnly
) -> ReviewerList:
    found = await service.reviewers_of(conn, college=college, season=season)
    return ReviewerList(items=[ReviewerView.model_validate(r) for r in found])


@router.post(
    f"{SEASON}/conflicts",
    status_code=status.HTTP_201_CREATED,
    summary="Declare a conflict of interest (a reviewer for themself, the chair for anyone);"
    " a held report is released and one replacement appointed",
)
async def declare_conflict(
    college: College,
    season: SeasonPath,
    form: ConflictForm,
    reviewer: Reviewer,
    conn: Transaction,
    now: Now,
) -> DeclaredConflictView:
    reviewer_id = form.reviewer_id or reviewer.user_id
    if reviewer_id != reviewer.user_id and not is_chair(reviewer):
        raise Problem.forbidden("a reviewer declares conflicts only for themself")
    found = await conflict_service.declare_conflict(
        conn,
        college=college,
        season=season,
        reviewer_id=reviewer_id,
        report_id=form.report_id,
        person_id=form.person_id,
        reason=form.reason,
        declared_by=reviewer.user_id,
        now=now,
    )
    return DeclaredConflictView.of(found)


@router.get(f"{SEASON}/conflicts", summary="Declared conflicts (the chair: all; a reviewer: own)")
async def conflicts(
    college: College, season: SeasonPath, reviewer: Reviewer, conn: ReadOnly
) -> ConflictList:
    found = await service.conflicts_of(
        conn,
        college=college,
        season=season,
        reviewer_id=None if is_chair(reviewer) else reviewer.user_id,
    )
    return ConflictList(items=[ConflictView.model_validate(c) for c in found])


@router.put(f"{SEASON}/rubric", summary="Set the season's rubric and reviews per report")
async def set_rubric(
    college: College,
    season: SeasonPath,
    form: RubricForm,
    chair: Chair,
    settings: Settings,
    conn: Transaction,
    now: Now,
) -> RubricView:
    found = await service.set_rubric(
        conn,
        college=college,
        season=season,
        criteria=[c.model_dump() for c in form.criteria],
        low=form.min_score,
        high=form.max_score,
        reviews_per_report=(
            settings.default_reviews_per_report
            if form.reviews_per_report is None
            else form.reviews_per_report
        ),
        set_by=chair.user_id,
        now=now,
    )
    return rubric_view(found)


@router.get(f"{SEASON}/rubric", summary="The season's rubric")
async def rubric(
    college: College, season: SeasonPath, anyone: Anyone, conn: ReadOnly
) -> RubricView:
    return rubric_view(await service.rubric_of(conn, college=college, season=season))


@router.post(
    f"{SEASON}/assignment-runs",
    status_code=status.HTTP_201_CREATED,
    summary="Assign reviewers to every submitted report still below the minimum",
)
async def run_assignment(
    college: College, season: SeasonPath, chair: Chair, conn: Transaction, now: Now
) -> AssignmentRunView:
    run = await assignment_service.run_assignment(
        conn, college=college, season=season, run_by=chair.user_id, now=now
    )
    return AssignmentRunView.of(run)


@router.get(
    f"{SEASON}/assignments", summary="The season's assignments and reports below the minimum"
)
async def season_assignments(
    college: College, season: SeasonPath, chair: Chair, conn: ReadOnly
) -> SeasonAssignmentsView:
    found = await assignment_service.season_assignments(conn, college=college, season=season)
    return SeasonAssignmentsView.of(found)


@router.post(
    f"{REPORT}/reviewers/one-more",
    summary="One more eligible reviewer for a (borderline) report; reviewer_id null if none left",
)
async def assign_one_more(
    college: College, report_id: UUID, chair: Chair, conn: Transaction, now: Now
) -> OneMoreView:
    reviewer_id = await assignment_service.assign_one_more(
        conn, college=college, report_id=report_id, now=now
    )
    return OneMoreView(report_id=report_id, reviewer_id=reviewer_id)


@router.get("/me/reviews", summary="The caller's assigned reports with their text and own review")
async def my_reviews(
    college: College,
    reviewer: Reviewer,
    conn: ReadOnly,
    season: Annotated[Identifier | None, Query(max_length=64)] = None,
) -> AssignedReportList:
    found = await service.my_assigned_reports(
        conn, college=college, reviewer_id=reviewer.user_id, season=season
    )
    return AssignedReportList.of(found)


@router.get(f"{REPORT}/reviews", summary="A report's reviews, as far as the caller may see them")
async def report_reviews(
    college: College, report_id: UUID, anyone: Anyone, conn: ReadOnly
) -> ReportReviewsView:
    found = await service.reviews_for(
        conn,
        college=college,
        report_id=report_id,
        viewer_id=anyone.user_id,
        chair=is_chair(anyone),
        teacher=anyone.has_any("teacher"),
    )
    return ReportReviewsView.of(found)


@router.put(
    f"{REPORT}/reviews/mine", summary="Submit (or update) one's review of an assigned report"
)
async def submit_review(
    college: College,
    report_id: UUID,
    form: ReviewForm,
    reviewer: Reviewer,
    conn: Transaction,
    now: Now,
) -> ReviewView:
    found = await service.submit_review(
        conn,
        college=college,
        report_id=report_id,
        reviewer_id=reviewer.user_id,
        scores=form.scores,
        comment=form.comment,
        now=now,
    )
    return ReviewView.model_validate(found)


@router.get(
    f"{SEASON}/calibration",
    summary="Per report: raw mean, calibrated score and interval; per reviewer: estimated bias",
)
async def calibration(
    college: College, season: SeasonPath, teacher: Teacher, conn: ReadOnly
) -> CalibrationView:
    found = await calibration_service.calibration_of(conn, college=college, season=season)
    return CalibrationView.of(season, found)
