"""A student's application to a volunteer recruitment campaign (招募)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from services.recruitment.domain.campaigns import (
    Campaign,
    choose_position,
    ensure_taking_applications,
)
from services.recruitment.domain.rules import RuleBroken
from shared.events.recruitment import ApplicationSubmitted, ApplicationWithdrawn


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    SCREENED_IN = "screened_in"
    SCREENED_OUT = "screened_out"
    ADMITTED = "admitted"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


# Until decided the applicant may change their mind; an admitted volunteer may
# still withdraw (their place goes to the waitlist), a rejected one has nothing to leave.
WITHDRAWABLE = frozenset(
    {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.SCREENED_IN,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.ADMITTED,
    }
)


@dataclass(frozen=True)
class VolunteerApplication:
    id: UUID
    college: str
    campaign_id: str
    applicant_id: str
    applicant_name: str
    motivation: str
    skills: tuple[str, ...]
    status: ApplicationStatus
    submitted_at: datetime
    position_id: str | None = None
    grade_year: int | None = None
    answers: tuple[str, ...] = ()
    screening_reasons: tuple[str, ...] = ()
    waitlist_rank: int | None = None
    decision_reason: str | None = None
    decided_at: datetime | None = None
    withdrawn_at: datetime | None = None


@dataclass(frozen=True)
class ApplicationFilter:
    """Which applications of a college to list; None matches any."""

    campaign_id: str | None = None
    applicant_id: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Withdrawal:
    """A withdrawn application and whoever took the place it freed, if anyone."""

    withdrawn: VolunteerApplication
    promoted: VolunteerApplication | None = None


def one_active_application_broken() -> RuleBroken:
    """Refusal of a second active application (found by a check or by the database)."""
    return RuleBroken(
        "one_active_application_per_campaign",
        field="campaign_id",
        message="you already have an active application to this campaign",
    )


def submit_application(
    *,
    application_id: UUID,
    campaign: Campaign,
    position_id: str | None,
    applicant_id: str,
    applicant_name: str,
    motivation: str,
    skills: tuple[str, ...],
    grade_year: int | None = None,
    answers: tuple[str, ...] = (),
    has_active_application: bool,
    now: datetime,
) -> tuple[VolunteerApplication, ApplicationSubmitted]:
    """One active application per person per campaign, only while the window is open."""
    ensure_taking_applications(campaign, now=now)
    if has_active_application:
        raise one_active_application_broken()
    if len(set(skills)) != len(skills):
        raise RuleBroken(
            field="skills",
            rule="no_duplicate_skills",
            message="a skill is listed twice",
            invalid=True,
        )
    if len(answers) > len(campaign.screening.questions):
        raise RuleBroken(
            field="answers",
            rule="one_answer_per_question",
            message="more answers than the campaign has screening questions",
            invalid=True,
        )
    position = choose_position(campaign, position_id)
    application = VolunteerApplication(
        id=application_id,
        college=campaign.college,
        campaign_id=campaign.campaign_id,
        position_id=position.position_id,
        applicant_id=applicant_id,
        applicant_name=applicant_name,
        motivation=motivation,
        skills=skills,
        grade_year=grade_year,
        answers=answers,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=now,
    )
    event = ApplicationSubmitted(
        college=campaign.college,
        application_id=application_id,
        campaign_id=campaign.campaign_id,
        applicant_id=applicant_id,
        applicant_name=applicant_name,
        submitted_at=now,
        position_id=position.position_id,
        campaign_title=campaign.title,
    )
    return application, event


def withdraw_application(
    application: VolunteerApplication, *, now: datetime
) -> tuple[VolunteerApplication, ApplicationWithdrawn]:
    """Withdrawal is allowed until a negative decision; an admitted volunteer frees a place."""
    if application.status not in WITHDRAWABLE:
        raise RuleBroken(
            field="application_id",
            rule="withdrawal_only_until_decided",
            message=f"an application that is {application.status.value} cannot be withdrawn",
        )
    was_admitted = application.status is ApplicationStatus.ADMITTED
    withdrawn = replace(application, status=ApplicationStatus.WITHDRAWN, withdrawn_at=now)
    event = ApplicationWithdrawn(
        college=application.college,
        application_id=application.id,
        campaign_id=application.campaign_id,
        applicant_id=application.applicant_id,
        withdrawn_at=now,
        was_admitted=was_admitted,
    )
    return withdrawn, event
