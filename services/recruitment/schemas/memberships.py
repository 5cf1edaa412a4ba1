"""Memberships and the sanctions received for them (attendance, dismissal), as shown."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.recruitment.schemas.pages import Page
from shared.web.fields import Text


class MembershipView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    college: str
    person_id: str
    organisation_kind: str
    organisation_id: str
    role: str
    how_started: str
    started_at: datetime
    active: bool
    how_ended: str | None
    end_reason: str | None
    ended_at: datetime | None


class MembershipPage(Page[MembershipView]):
    pass


class SanctionView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sanction_id: UUID
    organisation_kind: str
    organisation_id: str
    sanction: str
    reason: str
    term: str
    imposed_at: datetime
    effect: str
    membership_id: UUID | None
    # A dismissal annulled in evaluation: when, and what the annulment did here.
    annulled_at: datetime | None = None
    annulment_effect: str | None = None
    restored_membership_id: UUID | None = None


class SanctionPage(Page[SanctionView]):
    pass


class EndForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    how: Literal["withdrawn", "expelled"]
    reason: Text = Field(min_length=1, max_length=500)
