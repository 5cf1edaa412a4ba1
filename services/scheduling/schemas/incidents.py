"""Incident reports as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.web.fields import AwareDateTime, Identifier, Line, Text


class IncidentForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activity_id: UUID | None = Field(default=None, description="The activity or outing")
    department_id: Identifier | None = Field(
        default=None, description="Default: the activity's department"
    )
    title: Line = Field(min_length=1, max_length=200)
    summary: Text = Field(default="", max_length=4000)
    place: Line = Field(default="", max_length=200)
    teacher_id: Identifier | None = Field(
        default=None, description="The teacher in charge of the outing, told first"
    )
    occurred_at: AwareDateTime


class IncidentView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    incident_id: UUID
    activity_id: UUID | None
    department_id: str
    title: str
    summary: str
    place: str
    teacher_id: str | None
    reported_by: str
    occurred_at: datetime
    reported_at: datetime
