"""Campaigns as the API takes and shows them; the field types the other recruitment
(招募) schemas share."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AliasPath, BaseModel, ConfigDict, Field

from services.recruitment.domain.campaigns import Position, ScreeningCriteria
from services.recruitment.schemas.pages import Page

Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Skill = Annotated[str, Field(min_length=1, max_length=40)]
Text = Annotated[str, Field(min_length=1, max_length=200)]
FORM = ConfigDict(extra="forbid", str_strip_whitespace=True)
VIEW = ConfigDict(from_attributes=True)


class PositionForm(BaseModel):
    model_config = FORM

    id: Slug
    title: Text
    headcount: int = Field(ge=1, le=10_000)
    required_skills: list[Skill] = Field(default_factory=list, max_length=20)
    interview_required: bool = False

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

    min_grade_year: int | None = Field(default=None, ge=1, le=8)
    questions: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list, max_length=20
    )

    def criteria(self) -> ScreeningCriteria:
        return ScreeningCriteria(self.min_grade_year, tuple(self.questions))


class CampaignForm(BaseModel):
    model_config = FORM

    id: Slug
    title: Text
    place: Text
    starts_on: date
    ends_on: date
    opens_at: datetime
    closes_at: datetime
    positions: list[PositionForm] = Field(min_length=1, max_length=50)
    screening: ScreeningForm = Field(default_factory=ScreeningForm)


class ClosingForm(BaseModel):
    model_config = FORM

    reason: Text = "closed by an officer"


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
