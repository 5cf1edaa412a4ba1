"""Interview rounds for special squads (特招服务小队): slots offered, booked, results recorded.

A slot seats one applicant; an application holds at most one booking, so no
interviewer is double-booked and no applicant takes two places.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from services.recruitment.domain.applications import ApplicationStatus, VolunteerApplication
from services.recruitment.domain.campaigns import Position
from services.recruitment.domain.rules import RuleBroken
from shared.events.recruitment import InterviewCompleted, InterviewScheduled


@dataclass(frozen=True)
class InterviewSlot:
    id: UUID
    college: str
    campaign_id: str
    position_id: str
    starts_at: datetime
    ends_at: datetime
    place: str
    application_id: UUID | None = None
    applicant_id: str | None = None
    booked_at: datetime | None = None
    score: int | None = None
    recommended: bool | None = None
    completed_at: datetime | None = None

    @property
    def booked(self) -> bool:
        return self.application_id is not None


@dataclass(frozen=True)
class SlotOffer:
    """A slot as interviewers offer it, before the rules have looked at it."""

    starts_at: datetime
    ends_at: datetime
    place: str


def one_booking_per_application_broken() -> RuleBroken:
    """Refusal of a second booking for one application (found by a check or by the database)."""
    return RuleBroken(
        "one_booking_per_application",
        field="application_id",
        message="this application already has an interview booked",
    )


def offer_slot(
    *,
    slot_id: UUID,
    college: str,
    campaign_id: str,
    position: Position,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    now: datetime,
) -> InterviewSlot:
    if not position.interview_required:
        raise RuleBroken(
            field="position_id",
            rule="position_has_no_interview",
            message="this position is filled without interviews",
        )
    if ends_at <= starts_at:
        raise RuleBroken(
            field="ends_at",
            rule="slot_times_in_order",
            message="an interview slot must end after it starts",
            invalid=True,
        )
    if starts_at <= now:
        raise RuleBroken(
            field="starts_at",
            rule="slot_in_the_future",
            message="an interview slot is offered before it starts",
            invalid=True,
        )
    return InterviewSlot(
        id=slot_id,
        college=college,
        campaign_id=campaign_id,
        position_id=position.position_id,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
    )


def book_slot(
    slot: InterviewSlot,
    *,
    application: VolunteerApplication,
    application_has_booking: bool,
    now: datetime,
) -> tuple[InterviewSlot, InterviewScheduled]:
    if application.status is not ApplicationStatus.SCREENED_IN:
        raise RuleBroken(
            field="application_id",
            rule="only_screened_in_applicants_book",
            message="only an application that passed screening books an interview",
        )
    if (application.campaign_id, application.position_id) != (slot.campaign_id, slot.position_id):
        raise RuleBroken(
            field="application_id",
            rule="slot_of_another_position",
            message="this slot interviews for another position",
        )
    if slot.booked:
        raise RuleBroken(
            field="slot_id", rule="no_double_booking", message="this slot is already booked"
        )
    if application_has_booking:
        raise one_booking_per_application_broken()
    if slot.starts_at <= now:
        raise RuleBroken(
            field="slot_id", rule="slot_in_the_past", message="this slot has already started"
        )
    booked = replace(
        slot, application_id=application.id, applicant_id=application.applicant_id, booked_at=now
    )
    event = InterviewScheduled(
        college=slot.college,
        application_id=application.id,
        campaign_id=slot.campaign_id,
        applicant_id=application.applicant_id,
        slot_id=slot.id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        place=slot.place,
    )
    return booked, event


def record_result(
    slot: InterviewSlot, *, score: int, recommended: bool, now: datetime
) -> tuple[InterviewSlot, InterviewCompleted]:
    if slot.application_id is None or slot.applicant_id is None:
        raise RuleBroken(field="slot_id", rule="slot_not_booked", message="nobody booked this slot")
    if slot.completed_at is not None:
        raise RuleBroken(
            field="slot_id",
            rule="interview_already_completed",
            message="this interview's result is already recorded",
        )
    if not 0 <= score <= 100:
        raise RuleBroken(
            field="score",
            rule="score_between_0_and_100",
            message="an interview score is between 0 and 100",
            invalid=True,
        )
    completed = replace(slot, score=score, recommended=recommended, completed_at=now)
    event = InterviewCompleted(
        college=slot.college,
        application_id=slot.application_id,
        campaign_id=slot.campaign_id,
        applicant_id=slot.applicant_id,
        slot_id=slot.id,
        score=score,
        recommended=recommended,
    )
    return completed, event
