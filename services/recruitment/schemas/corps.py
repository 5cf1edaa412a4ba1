"""Corps units, assignments and moves as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.recruitment.domain.corps import UnitKind
from services.recruitment.schemas.memberships import MembershipView
from services.recruitment.schemas.pages import Page
from services.recruitment.schemas.teams import PersonId
from shared.web.fields import Line, Text

Name = Annotated[Line, Field(min_length=1, max_length=100)]
Place = Annotated[Line, Field(min_length=1, max_length=100)]


class UnitForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: UnitKind
    name: Name
    county: Place | None = Field(default=None, description="brigades: the county served")
    school: Place | None = Field(default=None, description="detachments: the school served")
    specialty: Place | None = Field(default=None, description="groups: the specialty")
    brigade_id: UUID | None = Field(default=None, description="detachments and groups")


class RenameForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name


class AssignForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    person_id: PersonId
    role: Line = Field(default="member", min_length=1, max_length=40)


class MoveForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    person_id: PersonId
    to_unit_id: UUID
    reason: Text = Field(min_length=1, max_length=500)


class UnitView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    college: str
    kind: str
    name: str
    county: str | None
    school: str | None
    specialty: str | None
    brigade_id: UUID | None
    created_at: datetime
    dissolved_at: datetime | None


class UnitPage(Page[UnitView]):
    pass


class MoveView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ended: MembershipView
    started: MembershipView
