"""Volunteer applications and interviews: validate, authorise, call the use case, map errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field

from services.recruitment.api.campaigns import (
    CAMPAIGN,
    MANAGERS,
    Anyone,
    Limit,
    Manager,
    Offset,
    Text,
    refusals,
)
from services.recruitment.api.common import PREFIX, College, Pool
from services.recruitment.domain.applications import VolunteerApplication
from services.recruitment.domain.interviews import InterviewSlot
from services.recruitment.service import applications as service
from services.recruitment.service import interviews as interviews_service
from shared.web.auth import Principal, ensure_college, require_roles
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["applications"])

Student = Annotated[Principal, Depends(require_roles("student"))]
Reader = Annotated[
    Principal,
    Depends(require_roles("student", *MANAGERS)),
]


class ApplicationForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    campaign_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    position_id: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$"
    )
    applicant_name: str = Field(min_length=1, max_length=64)
    motivation: str = Field(min_length=1, max_length=4000)
    skills: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=20
    )
    grade_year: int | None = Field(default=None, ge=1, le=8)
    answers: list[Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=list, max_length=20
    )


class ApplicationView(BaseModel):
    id: UUID
    college: str
    campaign_id: str
    position_id: str | None
    applicant_id: str
    applicant_name: str
    motivation: str
    skills: list[str]
    grade_year: int | None
    status: str
    submitted_at: datetime
    screening_reasons: list[str]
    waitlist_rank: int | None
    decision_reason: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, a: VolunteerApplication) -> ApplicationView:
        return cls(
            id=a.id,
            college=a.college,
            campaign_id=a.campaign_id,
            position_id=a.position_id,
            applicant_id=a.applicant_id,
            applicant_name=a.applicant_name,
            motivation=a.motivation,
            skills=list(a.skills),
            grade_year=a.grade_year,
            status=a.status.value,
            submitted_at=a.submitted_at,
            screening_reasons=list(a.screening_reasons),
            waitlist_rank=a.waitlist_rank,
            decision_reason=a.decision_reason,
            decided_at=a.decided_at,
        )


class ApplicationPage(BaseModel):
    items: list[ApplicationView]
    limit: int
    offset: int


@router.post(
    "/colleges/{college}/applications",
    status_code=status.HTTP_201_CREATED,
    summary="Apply to a volunteer recruitment campaign",
)
async def submit_application(
    college: College, form: ApplicationForm, principal: Student, pool: Pool
) -> ApplicationView:
    ensure_college(principal, college)
    try:
        with refusals():
            async with pool.acquire() as conn, conn.transaction():
                application = await service.submit_volunteer_application(
                    conn,
                    college=college,
                    campaign_id=form.campaign_id,
                    position_id=form.position_id,
                    applicant_id=principal.user_id,
                    applicant_name=form.applicant_name,
                    motivation=form.motivation,
                    skills=tuple(form.skills),
                    grade_year=form.grade_year,
                    answers=tuple(form.answers),
                    now=datetime.now(UTC),
                )
    except asyncpg.UniqueViolationError as race:  # two submissions at the same instant
        raise Problem.conflict(
            "you already have an active application to this campaign",
            field="campaign_id",
            rule="one_active_application_per_campaign",
        ) from race
    return ApplicationView.of(application)


@router.get("/colleges/{college}/applications", summary="Applications: officers all, students own")
async def list_applications(
    college: College,
    principal: Reader,
    pool: Pool,
    campaign_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ApplicationPage:
    ensure_college(principal, college)
    only_own = not principal.has_any(*MANAGERS)
    async with pool.acquire() as conn:
        applications = await service.applications_in(
            conn,
            college=college,
            campaign_id=campaign_id,
            applicant_id=principal.user_id if only_own else None,
            status=status,
            limit=limit,
            offset=offset,
        )
    return ApplicationPage(
        items=[ApplicationView.of(a) for a in applications], limit=limit, offset=offset
    )


@router.get("/colleges/{college}/applications/{application_id}", summary="Read an application")
async def read_application(
    college: College, application_id: UUID, principal: Reader, pool: Pool
) -> ApplicationView:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        application = await service.find_application(
            conn, college=college, application_id=application_id
        )
    only_own = not principal.has_any(*MANAGERS)
    if application is None or (only_own and application.applicant_id != principal.user_id):
        raise Problem.not_found("application")
    return ApplicationView.of(application)


class WithdrawalView(BaseModel):
    withdrawn: ApplicationView
    promoted: ApplicationView | None = Field(
        description="The first on the waitlist, admitted in the place an admitted volunteer freed"
    )


@router.post(
    "/colleges/{college}/applications/{application_id}/withdrawal",
    summary="Withdraw my application (an admitted volunteer's place goes to the waitlist)",
)
async def withdraw_application(
    college: College, application_id: UUID, principal: Student, pool: Pool
) -> WithdrawalView:
    ensure_college(principal, college)
    with refusals():
        async with pool.acquire() as conn, conn.transaction():
            withdrawn, promoted = await service.withdraw_volunteer_application(
                conn,
                college=college,
                application_id=application_id,
                applicant_id=principal.user_id,
                now=datetime.now(UTC),
            )
    return WithdrawalView(
        withdrawn=ApplicationView.of(withdrawn),
        promoted=ApplicationView.of(promoted) if promoted else None,
    )


# --- interviews for special squads (特招服务小队) -----------------------------------


class SlotForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    starts_at: datetime
    ends_at: datetime
    place: Text


class SlotsForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slots: list[SlotForm] = Field(min_length=1, max_length=200)


class SlotView(BaseModel):
    id: UUID
    position_id: str
    starts_at: datetime
    ends_at: datetime
    place: str
    booked: bool
    # Who booked and how they did is for the interviewers only.
    application_id: UUID | None = None
    score: int | None = None
    recommended: bool | None = None

    @classmethod
    def of(cls, s: InterviewSlot, *, interviewer: bool) -> SlotView:
        return cls(
            id=s.id,
            position_id=s.position_id,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            place=s.place,
            booked=s.application_id is not None,
            application_id=s.application_id if interviewer else None,
            score=s.score if interviewer else None,
            recommended=s.recommended if interviewer else None,
        )


class SlotPage(BaseModel):
    items: list[SlotView]
    limit: int
    offset: int


@router.post(
    f"{CAMPAIGN}/positions/{{position_id}}/interview-slots",
    status_code=status.HTTP_201_CREATED,
    summary="Offer interview slots for a special squad",
)
async def offer_slots(
    college: College,
    campaign_id: str,
    position_id: str,
    form: SlotsForm,
    principal: Manager,
    pool: Pool,
) -> list[SlotView]:
    ensure_college(principal, college)
    offers = [interviews_service.SlotOffer(s.starts_at, s.ends_at, s.place) for s in form.slots]
    with refusals():
        async with pool.acquire() as conn, conn.transaction():
            slots = await interviews_service.offer_interview_slots(
                conn,
                college=college,
                campaign_id=campaign_id,
                position_id=position_id,
                offers=offers,
                now=datetime.now(UTC),
            )
    return [SlotView.of(s, interviewer=True) for s in slots]


@router.get(f"{CAMPAIGN}/interview-slots", summary="Interview slots of a campaign")
async def list_slots(
    college: College,
    campaign_id: str,
    principal: Anyone,
    pool: Pool,
    limit: Limit = 50,
    offset: Offset = 0,
) -> SlotPage:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        slots = await interviews_service.slots_of(
            conn, college=college, campaign_id=campaign_id, limit=limit, offset=offset
        )
    interviewer = principal.has_any(*MANAGERS)
    return SlotPage(
        items=[SlotView.of(s, interviewer=interviewer) for s in slots], limit=limit, offset=offset
    )


class BookingForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_id: UUID


@router.post(
    f"{CAMPAIGN}/interview-slots/{{slot_id}}/booking",
    summary="Book an interview slot for my screened-in application",
)
async def book_slot(
    college: College,
    campaign_id: str,
    slot_id: UUID,
    form: BookingForm,
    principal: Student,
    pool: Pool,
) -> SlotView:
    ensure_college(principal, college)
    try:
        with refusals():
            async with pool.acquire() as conn, conn.transaction():
                slot = await interviews_service.book_interview(
                    conn,
                    college=college,
                    campaign_id=campaign_id,
                    slot_id=slot_id,
                    application_id=form.application_id,
                    applicant_id=principal.user_id,
                    now=datetime.now(UTC),
                )
    except asyncpg.UniqueViolationError as race:  # the same application booking twice at once
        raise Problem.conflict(
            "this application already has an interview booked",
            field="application_id",
            rule="one_booking_per_application",
        ) from race
    return SlotView.of(slot, interviewer=False)


class ResultForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=0, le=100)
    recommended: bool


@router.post(
    f"{CAMPAIGN}/interview-slots/{{slot_id}}/result", summary="Record an interview's result"
)
async def record_result(
    college: College,
    campaign_id: str,
    slot_id: UUID,
    form: ResultForm,
    principal: Manager,
    pool: Pool,
) -> SlotView:
    ensure_college(principal, college)
    with refusals():
        async with pool.acquire() as conn, conn.transaction():
            slot = await interviews_service.record_interview_result(
                conn,
                college=college,
                campaign_id=campaign_id,
                slot_id=slot_id,
                score=form.score,
                recommended=form.recommended,
                now=datetime.now(UTC),
            )
    return SlotView.of(slot, interviewer=True)
