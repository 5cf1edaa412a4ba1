"""Campaigns as the API takes and shows them; the field types the other recruitment
(招募) schemas share."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AliasPath, BaseModel, ConfigDict, Field

from services.recruitment.domain.campaigns import Position, ScreeningCriteria
from services.recruitment.schemas.pages import Page
from shared.web.fields import (
    AwareDateTime,
    Identifier,
    Line,
    SaneDate,
    StrictBool,
    StrictInt,
    Text,
)

# Request fields are built on the kernel's field types (shared.web.fields), so input
# PostgreSQL or date arithmetic cannot take is a 422 naming the field, never a 500.
Skill = Annotated[Line, Field(min_length=1, max_length=40)]
Title = Annotated[Line, Field(min_length=1, max_length=200)]
PlaceName = Annotated[Line, Field(min_length=1, max_length=200)]
# Why something was closed or refused: free text, typed in a form, maybe over lines.
Reason = Annotated[Text, Field(min_length=1, max_length=200)]
FORM = ConfigDict(extra="forbid", str_strip_whitespace=True)
VIEW = ConfigDict(from_attributes=True)


class PositionForm(BaseModel):
    model_config = FORM

    id: Identifier
    title: Title
    headcount: StrictInt = Field(ge=1, le=10_000)
    required_skills: list[Skill] = Field(default_factory=list, max_length=20)
    interview_required: StrictBool = False

    def position(self) -> Position:
        return Position(
            self.id,
            self.title,
            self.headcount,
            tuple(self.required_skills),
            self.interview_required,
        )


class ScreeningForm(BaseModel):
    model_config = FORM

    min_grade_year: StrictInt | None = Field(default=None, ge=1, le=8)
    questions: list[Annotated[Text, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list, max_length=20
    )

    def criteria(self) -> ScreeningCriteria:
        return ScreeningCriteria(self.min_grade_year, tuple(self.questions))


class CampaignForm(BaseModel):
    model_config = FORM

    id: Identifier
    title: Title
    place: PlaceName
    starts_on: SaneDate
    ends_on: SaneDate
    opens_at: AwareDateTime
    closes_at: AwareDateTime
    positions: list[PositionForm] = Field(min_length=1, max_length=50)
    screening: ScreeningForm = Field(default_factory=ScreeningForm)


class ClosingForm(BaseModel):
    model_config = FORM

    reason: Reason = "closed by an officer"


class PositionView(BaseModel):
    model_config = VIEW

    id: str = Field(validation_alias="position_id")
    title: str
    headcount: int
    required_skills: list[str]
    interview_required: bool
    squad_leader_id: str | None


class CampaignView(BaseModel):
    model_config = VIEW

    id: str = Field(validation_alias="campaign_id")
    college: str
    title: str
    place: str
    starts_on: date
    ends_on: date
    opens_at: datetime
    closes_at: datetime
    status: str
    positions: list[PositionView]
    min_grade_year: int | None = Field(validation_alias=AliasPath("screening", "min_grade_year"))
    questions: list[str] = Field(validation_alias=AliasPath("screening", "questions"))
    closed_at: datetime | None


class CampaignPage(Page[CampaignView]):
    pass
