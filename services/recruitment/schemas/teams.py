"""Project seasons and teams as the API takes and shows them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.recruitment.domain.teams import ProjectClass, TeamStatus
from services.recruitment.schemas.pages import Page
from shared.web.fields import Identifier, Line, SaneDate, StrictInt, Text

SEASON_PATTERN = r"^[A-Za-z0-9_.:-]{1,32}$"
PERSON_PATTERN = r"^[A-Za-z0-9_.:@-]{1,64}$"
# Stricter than an Identifier (at most 32 characters): the pattern says so.
SeasonCode = Annotated[Identifier, Field(pattern=SEASON_PATTERN)]
# A person by their user id (a token's subject): an Identifier's characters and "@".
PersonId = Annotated[str, Field(pattern=PERSON_PATTERN)]


class SeasonForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    season: SeasonCode = Field(examples=["2026-summer"])
    title: Line = Field(min_length=1, max_length=200, examples=["2026年暑期社会实践"])
    opens_on: SaneDate = Field(description="First day of the window (Asia/Shanghai)")
    closes_on: SaneDate = Field(description="Last day of the window, inclusive (Asia/Shanghai)")


class SeasonView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    college: str
    season: str
    title: str
    opens_on: date
    closes_on: date
    opened_by: str
    opened_at: datetime


class SeasonPage(Page[SeasonView]):
    pass


class TeamForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Line = Field(min_length=1, max_length=200)
    summary: Text = Field(min_length=1, max_length=4000)
    # Sizes are checked by the domain (team_size, one_advisor); these caps only bound input.
    member_ids: list[PersonId] = Field(
        max_length=50, description="The team's 3–10 students, the leader (the caller) included"
    )
    advisor_ids: list[PersonId] = Field(
        max_length=10, description="Exactly one advisor teacher, by id"
    )


class TeamView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    college: str
    season: str
    title: str
    summary: str
    leader_id: str
    member_ids: list[str]
    advisor_id: str
    status: TeamStatus
    registered_at: datetime
    project_class: ProjectClass | None
    budget_yuan: int | None
    rejection_reason: str | None
    decided_by: str | None
    decided_at: datetime | None


class TeamPage(Page[TeamView]):
    pass


class ApprovalForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_class: Literal["I", "II"] = Field(description="I: college-funded; II: self-funded")
    budget_yuan: StrictInt | None = Field(
        default=None, le=10_000_000, description="Required (> 0) for Class I; absent for II"
    )


class RejectionForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Text = Field(max_length=2000)
