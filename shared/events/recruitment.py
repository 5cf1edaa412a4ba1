"""Events the recruitment service publishes."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from shared.events.base import DomainEvent


class ApplicationSubmitted(DomainEvent):
    """A student applied to a volunteer recruitment campaign."""

    event_type = "campusflow.recruitment.application.submitted.v1"
    key_field = "application_id"

    application_id: UUID
    campaign_id: str = Field(min_length=1, max_length=64)
    applicant_id: str = Field(min_length=1, max_length=64)
    applicant_name: str = Field(min_length=1, max_length=64)
    submitted_at: datetime
