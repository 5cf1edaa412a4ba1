"""A student's application to a volunteer recruitment campaign (招募)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from shared.events.recruitment import ApplicationSubmitted


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class ApplicationRuleBroken(ValueError):
    """A recruitment rule refuses the application; `field` and `rule` say which."""

    def __init__(self, *, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


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


def submit_application(
    *,
    application_id: UUID,
    college: str,
    campaign_id: str,
    applicant_id: str,
    applicant_name: str,
    motivation: str,
    skills: tuple[str, ...],
    has_active_application: bool,
    now: datetime,
) -> tuple[VolunteerApplication, ApplicationSubmitted]:
    """One active application per person per campaign."""
    if has_active_application:
        raise ApplicationRuleBroken(
            field="campaign_id",
            rule="one_active_application_per_campaign",
            message="you already have an active application to this campaign",
        )
    if len(set(skills)) != len(skills):
        raise ApplicationRuleBroken(
            field="skills", rule="no_duplicate_skills", message="a skill is listed twice"
        )
    application = VolunteerApplication(
        id=application_id,
        college=college,
        campaign_id=campaign_id,
        applicant_id=applicant_id,
        applicant_name=applicant_name,
        motivation=motivation,
        skills=skills,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=now,
    )
    event = ApplicationSubmitted(
        college=college,
        application_id=application_id,
        campaign_id=campaign_id,
        applicant_id=applicant_id,
        applicant_name=applicant_name,
        submitted_at=now,
    )
    return application, event
