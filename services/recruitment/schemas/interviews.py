"""Interview slots of special squads (特招服务小队) as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from services.recruitment.domain.interviews import SlotOffer
from services.recruitment.schemas.campaigns import FORM, VIEW, PlaceName
from services.recruitment.schemas.pages import Page
from shared.web.fields import AwareDateTime, StrictBool, StrictInt

# Pass as the validation context when the reader interviews for the campaign.
INTERVIEWER = {"interviewer": True}


class SlotForm(BaseModel):
    model_config = FORM

    starts_at: AwareDateTime
    ends_at: AwareDateTime
    place: PlaceName


class SlotsForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slots: list[SlotForm] = Field(min_length=1, max_length=200)

    def offers(self) -> list[SlotOffer]:
        return [SlotOffer(s.starts_at, s.ends_at, s.place) for s in self.slots]


# Who booked a slot and how they did is for the interviewers only: unless validated with
# the `INTERVIEWER` context, those fields are left empty. (A comment, not a docstring: a
# docstring would be the schema's description in the OpenAPI document.)
class SlotView(BaseModel):
    model_config = VIEW

    id: UUID
    position_id: str
    starts_at: datetime
    ends_at: datetime
    place: str
    booked: bool
    application_id: UUID | None = None
    score: int | None = None
    recommended: bool | None = None

    @field_validator("application_id", "score", "recommended")
    @classmethod
    def _for_interviewers(cls, value: Any, info: ValidationInfo) -> Any:
        return value if (info.context or {}).get("interviewer") else None


class SlotPage(Page[SlotView]):
    pass


class BookingForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_id: UUID


class ResultForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: StrictInt = Field(ge=0, le=100)
    recommended: StrictBool
