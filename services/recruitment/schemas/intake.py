"""Department intake (纳新) as the API takes and shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, computed_field

from services.recruitment.domain.intake import DEFAULT_MAX_CHOICES
from services.recruitment.domain.intake import department_name as name_of
from services.recruitment.schemas.campaigns import FORM, VIEW, Title
from services.recruitment.schemas.pages import Page
from shared.web.fields import Identifier, Line, StrictInt

Department = Annotated[Line, Field(min_length=1, max_length=40)]
# The domain refuses a capacity under one (capacity_at_least_one); the upper bound only
# keeps the number within PostgreSQL's int, as a position's headcount is.
Capacity = Annotated[StrictInt, Field(le=10_000)]


class IntakeForm(BaseModel):
    model_config = FORM

    intake_id: Identifier
    title: Title
    departments: dict[Department, Capacity] = Field(
        min_length=1, max_length=20, description="department code -> capacity (places)"
    )
    max_choices: StrictInt | None = Field(
        default=None,
        ge=1,
        le=11,
        description=f"how many departments a candidate may rank (default {DEFAULT_MAX_CHOICES})",
    )


class IntakeView(BaseModel):
    model_config = VIEW

    college: str
    intake_id: str = Field(validation_alias="id")
    title: str
    max_choices: int
    departments: dict[str, int] = Field(validation_alias="capacities")
    opened_at: datetime
    published_at: datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def department_names(self) -> dict[str, str]:
        return {code: name_of(code) for code in self.departments}


class CandidateForm(BaseModel):
    model_config = FORM

    name: Line = Field(min_length=1, max_length=64)
    choices: list[Department] = Field(min_length=1, max_length=11, description="best first")


class CandidateView(BaseModel):
    model_config = VIEW

    candidate_id: str
    name: str
    choices: list[str]
    applied_at: datetime


class CandidatePage(Page[CandidateView]):
    pass


class AssessmentForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    communication: StrictInt = Field(ge=0, le=100)
    planning: StrictInt = Field(ge=0, le=100)


class AssessmentView(BaseModel):
    model_config = VIEW

    candidate_id: str
    department: str
    communication: int
    planning: int
    score: float


class OutcomeView(BaseModel):
    model_config = VIEW

    candidate_id: str
    department: str | None
    choice_rank: int | None
    explanation: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def department_name(self) -> str | None:
        return name_of(self.department) if self.department else None


class OutcomePage(Page[OutcomeView]):
    pass


class PublishedView(BaseModel):
    model_config = VIEW

    intake: IntakeView
    admitted_by_department: dict[str, int]
    unplaced: int
