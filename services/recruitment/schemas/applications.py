"""Volunteer applications as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from services.recruitment.schemas.campaigns import FORM, VIEW, Skill
from services.recruitment.schemas.pages import Page
from shared.web.fields import Identifier, Line, StrictInt, Text


class ApplicationForm(BaseModel):
    model_config = FORM

    campaign_id: Identifier
    position_id: Identifier | None = None
    applicant_name: Line = Field(min_length=1, max_length=64)
    motivation: Text = Field(min_length=1, max_length=4000)
    skills: list[Skill] = Field(default_factory=list, max_length=20)
    grade_year: StrictInt | None = Field(default=None, ge=1, le=8)
    answers: list[Annotated[Text, Field(max_length=2000)]] = Field(
        default_factory=list, max_length=20
    )


class ApplicationView(BaseModel):
    model_config = VIEW

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


class ApplicationPage(Page[ApplicationView]):
    pass


class WithdrawalView(BaseModel):
    model_config = VIEW

    withdrawn: ApplicationView
    promoted: ApplicationView | None = Field(
        description="The first on the waitlist, admitted in the place an admitted volunteer freed"
    )
