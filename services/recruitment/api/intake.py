"""Department intake (纳新): open, apply with ranked choices, assess, publish, explain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from services.recruitment.api.common import PREFIX, College, Paged
from services.recruitment.domain.rules import NotFound
from services.recruitment.schemas.intake import (
    AssessmentForm,
    AssessmentView,
    CandidateForm,
    CandidatePage,
    CandidateView,
    IntakeForm,
    IntakeView,
    OutcomePage,
    OutcomeView,
    PublishedView,
)
from services.recruitment.service import intake as service
from shared.web.auth import ROLES, Principal
from shared.web.dependencies import Now, ReadOnly, Transaction, caller

router = APIRouter(prefix=PREFIX, tags=["intake"])

STAFF = ("officer", "college_admin", "university_admin")
Officer = Annotated[Principal, Depends(caller(*STAFF))]
Assessor = Annotated[Principal, Depends(caller("teacher", "reviewer", *STAFF))]
Student = Annotated[Principal, Depends(caller("student"))]
Anyone = Annotated[Principal, Depends(caller(*ROLES))]
IntakeId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
CandidateId = Annotated[str, Path(min_length=1, max_length=64)]
INTAKE = "/colleges/{college}/intakes/{intake_id}"


@router.post(
    "/colleges/{college}/intakes",
    status_code=status.HTTP_201_CREATED,
    summary="Open a department intake with each department's capacity",
)
async def open_intake(
    college: College, form: IntakeForm, principal: Officer, conn: Transaction, now: Now
) -> IntakeView:
    intake = await service.open_intake(
        conn,
        college=college,
        intake_id=form.intake_id,
        title=form.title,
        capacities=form.departments,
        max_choices=form.max_choices,
        now=now,
    )
    return IntakeView.model_validate(intake)


@router.get(INTAKE, summary="Read an intake")
async def read_intake(
    college: College, intake_id: IntakeId, principal: Anyone, conn: ReadOnly
) -> IntakeView:
    intake = await service.intake_of(conn, college=college, intake_id=intake_id)
    return IntakeView.model_validate(intake)


@router.post(
    f"{INTAKE}/applications",
    status_code=status.HTTP_201_CREATED,
    summary="Apply to the intake, ranking departments best first",
)
async def apply(
    college: College,
    intake_id: IntakeId,
    form: CandidateForm,
    principal: Student,
    conn: Transaction,
    now: Now,
) -> CandidateView:
    candidate = await service.apply(
        conn,
        college=college,
        intake_id=intake_id,
        candidate_id=principal.user_id,
        name=form.name,
        choices=form.choices,
        now=now,
    )
    return CandidateView.model_validate(candidate)


@router.get(f"{INTAKE}/applications", summary="The intake's candidates, in order of application")
async def list_candidates(
    college: College, intake_id: IntakeId, principal: Assessor, conn: ReadOnly, paging: Paged
) -> CandidatePage:
    candidates = await service.list_candidates(
        conn, college=college, intake_id=intake_id, paging=paging
    )
    return CandidatePage.listing(candidates, paging)


@router.put(
    f"{INTAKE}/applications/{{candidate_id}}/assessments/{{department}}",
    summary="Score a candidate's communication and planning for one chosen department",
)
async def assess(
    college: College,
    intake_id: IntakeId,
    candidate_id: CandidateId,
    department: Annotated[str, Path(min_length=1, max_length=40)],
    form: AssessmentForm,
    principal: Assessor,
    conn: Transaction,
    now: Now,
) -> AssessmentView:
    assessment = await service.assess(
        conn,
        college=college,
        intake_id=intake_id,
        candidate_id=candidate_id,
        department=department,
        communication=form.communication,
        planning=form.planning,
        assessor_id=principal.user_id,
        now=now,
    )
    return AssessmentView.model_validate(assessment)


@router.post(
    f"{INTAKE}/publish", summary="Run the stable matching, admit, and publish the result (once)"
)
async def publish(
    college: College, intake_id: IntakeId, principal: Officer, conn: Transaction, now: Now
) -> PublishedView:
    publication = await service.publish(conn, college=college, intake_id=intake_id, now=now)
    return PublishedView.model_validate(publication)


@router.get(f"{INTAKE}/results", summary="Every candidate's outcome with its explanation")
async def results(
    college: College, intake_id: IntakeId, principal: Officer, conn: ReadOnly, paging: Paged
) -> OutcomePage:
    outcomes = await service.list_outcomes(
        conn, college=college, intake_id=intake_id, paging=paging
    )
    return OutcomePage.listing(outcomes, paging)


@router.get(
    f"{INTAKE}/results/{{candidate_id}}",
    summary="One candidate's outcome and why (students: only their own)",
)
async def result_of(
    college: College,
    intake_id: IntakeId,
    candidate_id: CandidateId,
    principal: Anyone,
    conn: ReadOnly,
) -> OutcomeView:
    if not principal.has_any(*STAFF) and principal.user_id != candidate_id:
        raise NotFound("result", candidate_id)  # another candidate's: not theirs to see
    outcome = await service.outcome_of(
        conn, college=college, intake_id=intake_id, candidate_id=candidate_id
    )
    return OutcomeView.model_validate(outcome)
