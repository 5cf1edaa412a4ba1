"""Dropout cases as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.web.fields import AwareDateTime, Text


class DropoutReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    return_by: AwareDateTime = Field(description="When the child should be back at school")
    note: Text = Field(default="", max_length=1000)


class ReturnRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    returned_at: AwareDateTime | None = Field(default=None, description="Default: now")


class DropoutCaseView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    case_id: UUID
    beneficiary_id: UUID
    school_id: str
    county: str
    note: str
    reported_by: str
    reported_at: datetime
    return_by: datetime
    returned_at: datetime | None
    returned_by: str | None


class DropoutCaseList(BaseModel):
    items: list[DropoutCaseView]
