"""Department intake (纳新): open, apply with ranked choices, assess, publish, explain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from services.recruitment.api.common import PREFIX, College, Pool
from services.recruitment.domain.intake import (
    DEFAULT_MAX_CHOICES,
    Candidate,
    Intake,
    IntakeRuleBroken,
    Outcome,
    department_name,
)
from services.recruitment.service import intake as service
from shared.web.auth import Principal, ensure_college, require_roles
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["intake"])

STAFF = ("officer", "college_admin", "university_admin")
Officer = Annotated[Principal, Depends(require_roles(*STAFF))]
Assessor = Annotated[Principal, Depends(require_roles("teacher", "reviewer", *STAFF))]
Student = Annotated[Principal, Depends(require_roles("student"))]
Anyone = Annotated[Principal, Depends(require_roles("student", "teacher", "reviewer", *STAFF))]
IntakeId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Department = Annotated[str, Field(min_length=1, max_length=40)]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
# Rules that conflict with what already exists answer 409; the rest are bad input (422).
CONFLICT_RULES = {"intake_id_taken", "one_application_per_intake", "intake_already_published"}


class IntakeForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    intake_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    title: str = Field(min_length=1, max_length=200)
    departments: dict[Department, int] = Field(
        min_length=1, max_length=20, description="department code -> capacity (places)"
    )
    max_choices: int | None = Field(
        default=None,
        ge=1,
        le=11,
        description=f"how many departments a candidate may rank (default {DEFAULT_MAX_CHOICES})",
    )


class IntakeView(BaseModel):
    college: str
    intake_id: str
    title: str
    max_choices: int
    departments: dict[str, int]
    department_names: dict[str, str]
    opened_at: datetime
    published_at: datetime | None

    @classmethod
    def of(cls, intake: Intake) -> IntakeView:
        return cls(
            college=intake.college,
            intake_id=intake.id,
            title=intake.title,
            max_choices=intake.max_choices,
            departments=dict(intake.capacities),
            department_names={d: department_name(d) for d in intake.capacities},
            opened_at=intake.opened_at,
            published_at=intake.published_at,
        )


class ApplicationForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64)
    choices: list[Department] = Field(min_length=1, max_length=11, description="best first")


class CandidateView(BaseModel):
    candidate_id: str
    name: str
    choices: list[str]
    applied_at: datetime

    @classmethod
    def of(cls, candidate: Candidate) -> CandidateView:
        return cls(
            candidate_id=candidate.candidate_id,
            name=candidate.name,
            choices=list(candidate.choices),
            applied_at=candidate.applied_at,
        )


class CandidatePage(BaseModel):
    items: list[CandidateView]
    limit: int
    offset: int


class AssessmentForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    communication: int = Field(ge=0, le=100)
    planning: int = Field(ge=0, le=100)


class AssessmentView(BaseModel):
    candidate_id: str
    department: str
    communication: int
    planning: int
    score: float


class OutcomeView(BaseModel):
    candidate_id: str
    department: str | None
    department_name: str | None
    choice_rank: int | None
    explanation: str

    @classmethod
    def of(cls, outcome: Outcome) -> OutcomeView:
        return cls(
            candidate_id=outcome.candidate_id,
            department=outcome.department,
            department_name=department_name(outcome.department) if outcome.department else None,
            choice_rank=outcome.choice_rank,
            explanation=outcome.explanation,
        )


class OutcomePage(BaseModel):
    items: list[OutcomeView]
    limit: int
    offset: int


class PublishedView(BaseModel):
    intake: IntakeView
    admitted_by_department: dict[str, int]
    unplaced: int


def _problem(broken: IntakeRuleBroken) -> Problem:
    if broken.rule in CONFLICT_RULES:
        return Problem.conflict(str(broken), field=broken.field, rule=broken.rule)
    return Problem.invalid(broken.field, broken.rule, str(broken))


@router.post(
    "/colleges/{college}/intakes",
    status_code=status.HTTP_201_CREATED,
    summary="Open a department intake with each department's capacity",
)
async def open_intake(
    college: College, form: IntakeForm, principal: Officer, pool: Pool
) -> IntakeView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            intake = await service.open_intake(
                conn,
                college=college,
                intake_id=form.intake_id,
                title=form.title,
                capacities=form.departments,
                max_choices=form.max_choices,
                now=datetime.now(UTC),
            )
    except IntakeRuleBroken as broken:
        raise _problem(broken) from broken
    except asyncpg.UniqueViolationError as race:
        raise Problem.conflict("intake exists", field="intake_id", rule="intake_id_taken") from race
    return IntakeView.of(intake)


@router.get("/colleges/{college}/intakes/{intake_id}", summary="Read an intake")
async def read_intake(
    college: College, intake_id: IntakeId, principal: Anyone, pool: Pool
) -> IntakeView:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        intake = await service.find_intake(conn, college=college, intake_id=intake_id)
    if intake is None:
        raise Problem.not_found("intake")
    return IntakeView.of(intake)


@router.post(
    "/colleges/{college}/intakes/{intake_id}/applications",
    status_code=status.HTTP_201_CREATED,
    summary="Apply to the intake, ranking departments best first",
)
async def apply(
    college: College, intake_id: IntakeId, form: ApplicationForm, principal: Student, pool: Pool
) -> CandidateView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            candidate = await service.apply(
                conn,
                college=college,
                intake_id=intake_id,
                candidate_id=principal.user_id,
                name=form.name,
                choices=form.choices,
                now=datetime.now(UTC),
            )
    except service.IntakeNotFound as missing:
        raise Problem.not_found("intake") from missing
    except IntakeRuleBroken as broken:
        raise _problem(broken) from broken
    except asyncpg.UniqueViolationError as race:
        raise Problem.conflict(
            "you have already applied to this intake",
            field="candidate_id",
            rule="one_application_per_intake",
        ) from race
    return CandidateView.of(candidate)


@router.get(
    "/colleges/{college}/intakes/{intake_id}/applications",
    summary="The intake's candidates, in order of application",
)
async def list_candidates(
    college: College,
    intake_id: IntakeId,
    principal: Assessor,
    pool: Pool,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CandidatePage:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        found = await service.list_candidates(
            conn, college=college, intake_id=intake_id, limit=limit, offset=offset
        )
    return CandidatePage(items=[CandidateView.of(c) for c in found], limit=limit, offset=offset)


@router.put(
    "/colleges/{college}/intakes/{intake_id}/applications/{candidate_id}/assessments/{department}",
    summary="Score a candidate's communication and planning for one chosen department",
)
async def assess(
    college: College,
    intake_id: IntakeId,
    candidate_id: Annotated[str, Path(min_length=1, max_length=64)],
    department: Annotated[str, Path(min_length=1, max_length=40)],
    form: AssessmentForm,
    principal: Assessor,
    pool: Pool,
) -> AssessmentView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            assessment = await service.assess(
                conn,
                college=college,
                intake_id=intake_id,
                candidate_id=candidate_id,
                department=department,
                communication=form.communication,
                planning=form.planning,
                assessor_id=principal.user_id,
                now=datetime.now(UTC),
            )
    except service.IntakeNotFound as missing:
        raise Problem.not_found(str(missing)) from missing
    except IntakeRuleBroken as broken:
        raise _problem(broken) from broken
    return AssessmentView(
        candidate_id=assessment.candidate_id,
        department=assessment.department,
        communication=assessment.communication,
        planning=assessment.planning,
        score=assessment.score_x2 / 2,
    )


@router.post(
    "/colleges/{college}/intakes/{intake_id}/publish",
    summary="Run the stable matching, admit, and publish the result (once)",
)
async def publish(
    college: College, intake_id: IntakeId, principal: Officer, pool: Pool
) -> PublishedView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            intake, outcomes = await service.publish(
                conn, college=college, intake_id=intake_id, now=datetime.now(UTC)
            )
    except service.IntakeNotFound as missing:
        raise Problem.not_found("intake") from missing
    except IntakeRuleBroken as broken:
        raise _problem(broken) from broken
    counts = dict.fromkeys(intake.capacities, 0)
    for outcome in outcomes:
        if outcome.department is not None:
            counts[outcome.department] += 1
    return PublishedView(
        intake=IntakeView.of(intake),
        admitted_by_department=counts,
        unplaced=sum(1 for o in outcomes if o.department is None),
    )


@router.get(
    "/colleges/{college}/intakes/{intake_id}/results",
    summary="Every candidate's outcome with its explanation",
)
async def results(
    college: College,
    intake_id: IntakeId,
    principal: Officer,
    pool: Pool,
    limit: Limit = 50,
    offset: Offset = 0,
) -> OutcomePage:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        found = await service.list_outcomes(
            conn,
            college=college,
            intake_id=intake_id,
            candidate_id=None,
            limit=limit,
            offset=offset,
        )
    return OutcomePage(items=[OutcomeView.of(o) for o in found], limit=limit, offset=offset)


@router.get(
    "/colleges/{college}/intakes/{intake_id}/results/{candidate_id}",
    summary="One candidate's outcome and why (students: only their own)",
)
async def result_of(
    college: College,
    intake_id: IntakeId,
    candidate_id: Annotated[str, Path(min_length=1, max_length=64)],
    principal: Anyone,
    pool: Pool,
) -> OutcomeView:
    ensure_college(principal, college)
    if not principal.has_any(*STAFF) and principal.user_id != candidate_id:
        raise Problem.not_found("result")  # another candidate's result: not for them to see
    async with pool.acquire() as conn:
        found = await service.list_outcomes(
            conn, college=college, intake_id=intake_id, candidate_id=candidate_id, limit=1, offset=0
        )
    if not found:
        raise Problem.not_found("result")
    return OutcomeView.of(found[0])
