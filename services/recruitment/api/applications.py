"""Volunteer applications and special-squad interviews: declare, call the use case, show."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status

from services.recruitment.api.campaigns import CAMPAIGN, MANAGERS, Anyone, Manager
from services.recruitment.api.common import PREFIX, College, Paged
from services.recruitment.domain.applications import ApplicationFilter
from services.recruitment.schemas.applications import (
    ApplicationForm,
    ApplicationPage,
    ApplicationView,
    WithdrawalView,
)
from services.recruitment.schemas.interviews import (
    INTERVIEWER,
    BookingForm,
    ResultForm,
    SlotPage,
    SlotsForm,
    SlotView,
)
from services.recruitment.service import applications as service
from services.recruitment.service import interviews as interviews_service
from shared.web.auth import Principal
from shared.web.dependencies import Now, ReadOnly, Transaction, caller

router = APIRouter(prefix=PREFIX, tags=["applications"])

Student = Annotated[Principal, Depends(caller("student"))]
Reader = Annotated[Principal, Depends(caller("student", *MANAGERS))]
APPLICATION = "/colleges/{college}/applications/{application_id}"


@router.post(
    "/colleges/{college}/applications",
    status_code=status.HTTP_201_CREATED,
    summary="Apply to a volunteer recruitment campaign",
)
async def submit_application(
    college: College, form: ApplicationForm, principal: Student, conn: Transaction, now: Now
) -> ApplicationView:
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
        now=now,
    )
    return ApplicationView.model_validate(application)


@router.get("/colleges/{college}/applications", summary="Applications: officers all, students own")
async def list_applications(
    college: College,
    principal: Reader,
    conn: ReadOnly,
    paging: Paged,
    campaign_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> ApplicationPage:
    where = ApplicationFilter(
        campaign_id=campaign_id, applicant_id=_only_own(principal), status=status
    )
    applications = await service.applications_in(conn, college=college, where=where, paging=paging)
    return ApplicationPage.listing(applications, paging)


@router.get(APPLICATION, summary="Read an application")
async def read_application(
    college: College, application_id: UUID, principal: Reader, conn: ReadOnly
) -> ApplicationView:
    application = await service.application_of(
        conn,
        college=college,
        application_id=application_id,
        applicant_id=_only_own(principal),
    )
    return ApplicationView.model_validate(application)


@router.post(
    f"{APPLICATION}/withdrawal",
    summary="Withdraw my application (an admitted volunteer's place goes to the waitlist)",
)
async def withdraw_application(
    college: College, application_id: UUID, principal: Student, conn: Transaction, now: Now
) -> WithdrawalView:
    withdrawal = await service.withdraw_volunteer_application(
        conn,
        college=college,
        application_id=application_id,
        applicant_id=principal.user_id,
        now=now,
    )
    return WithdrawalView.model_validate(withdrawal)


def _only_own(principal: Principal) -> str | None:
    """Officers read every application of their college; a student only their own."""
    return None if principal.has_any(*MANAGERS) else principal.user_id


# --- interviews for special squads (特招服务小队) -----------------------------------


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
    conn: Transaction,
    now: Now,
) -> list[SlotView]:
    slots = await interviews_service.offer_interview_slots(
        conn,
        college=college,
        campaign_id=campaign_id,
        position_id=position_id,
        offers=form.offers(),
        now=now,
    )
    return [SlotView.model_validate(s, context=INTERVIEWER) for s in slots]


@router.get(f"{CAMPAIGN}/interview-slots", summary="Interview slots of a campaign")
async def list_slots(
    college: College, campaign_id: str, principal: Anyone, conn: ReadOnly, paging: Paged
) -> SlotPage:
    slots = await interviews_service.slots_of(
        conn, college=college, campaign_id=campaign_id, paging=paging
    )
    # Applicants see which slots are taken, not by whom nor how it went.
    seen_by = INTERVIEWER if principal.has_any(*MANAGERS) else None
    return SlotPage.listing([SlotView.model_validate(s, context=seen_by) for s in slots], paging)


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
    conn: Transaction,
    now: Now,
) -> SlotView:
    slot = await interviews_service.book_interview(
        conn,
        college=college,
        campaign_id=campaign_id,
        slot_id=slot_id,
        application_id=form.application_id,
        applicant_id=principal.user_id,
        now=now,
    )
    return SlotView.model_validate(slot)


@router.post(
    f"{CAMPAIGN}/interview-slots/{{slot_id}}/result", summary="Record an interview's result"
)
async def record_result(
    college: College,
    campaign_id: str,
    slot_id: UUID,
    form: ResultForm,
    principal: Manager,
    conn: Transaction,
    now: Now,
) -> SlotView:
    slot = await interviews_service.record_interview_result(
        conn,
        college=college,
        campaign_id=campaign_id,
        slot_id=slot_id,
        score=form.score,
        recommended=form.recommended,
        now=now,
    )
    return SlotView.model_validate(slot, context=INTERVIEWER)
