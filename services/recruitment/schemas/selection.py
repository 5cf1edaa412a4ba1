"""Screening, decisions, squads and volunteers as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.recruitment.domain.selection import DEFAULT_MAX_CHILDREN, MAX_CHILDREN_LIMIT, Place
from services.recruitment.schemas.campaigns import FORM, VIEW, PlaceName, Reason
from services.recruitment.schemas.pages import Page
from shared.web.fields import Identifier, StrictInt


class ScreeningView(BaseModel):
    model_config = VIEW

    passed: int
    screened_out: int


class Rejection(BaseModel):
    model_config = FORM

    application_id: UUID
    reason: Reason


class Placement(BaseModel):
    model_config = FORM

    application_id: UUID
    county: PlaceName | None = None
    school_id: Identifier | None = None
    max_children: StrictInt = Field(
        default=DEFAULT_MAX_CHILDREN,
        ge=1,
        le=MAX_CHILDREN_LIMIT,
        description="How many children the volunteer may be paired with",
    )


class DecisionForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rejections: list[Rejection] = Field(default_factory=list, max_length=10_000)
    places: list[Placement] = Field(default_factory=list, max_length=10_000)

    def reasons(self) -> dict[UUID, str]:
        """Why each application named is rejected, by application."""
        return {r.application_id: r.reason for r in self.rejections}

    def places_by_application(self) -> dict[UUID, Place]:
        return {
            p.application_id: Place(
                county=p.county, school_id=p.school_id, max_children=p.max_children
            )
            for p in self.places
        }


class WaitlistEntry(BaseModel):
    model_config = VIEW

    application_id: UUID = Field(validation_alias="id")
    rank: int = Field(validation_alias="waitlist_rank")


class RejectionView(BaseModel):
    model_config = VIEW

    application_id: UUID = Field(validation_alias="id")
    reason: str = Field(validation_alias="decision_reason")


# Built from a decision's `Outcome`: its admitted, waitlisted and rejected applications.
class DecisionView(BaseModel):
    model_config = VIEW

    admitted: list[UUID]
    waitlisted: list[WaitlistEntry]
    rejected: list[RejectionView]

    @field_validator("admitted", mode="before")
    @classmethod
    def _application_ids(cls, admitted: list[object]) -> list[object]:
        return [getattr(application, "id", application) for application in admitted]


class SquadLeaderForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_id: UUID


class VolunteerView(BaseModel):
    model_config = VIEW

    volunteer_id: str
    application_id: UUID
    name: str
    skills: list[str]
    county: str | None
    school_id: str | None
    max_children: int
    enrolled_at: datetime
    active: bool


class VolunteerPage(Page[VolunteerView]):
    pass
