"""Pairing runs and pairings as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, Field, field_validator

from services.recruitment.domain.pairing import MAX_VOLUNTEERS_PER_CHILD, PairingMode
from services.recruitment.schemas.pages import Page
from shared.web.fields import Identifier, Line, StrictBool, StrictInt, Text

Reason = Annotated[Text, Field(min_length=1, max_length=500)]
UNPAIRED_SHOWN = 200


class PairingRunForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    school_id: Identifier | None = Field(default=None, description="Pair this school's children")
    county: Annotated[Line, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="Or pair this county's children (all its schools at once)"
    )
    mode: PairingMode = PairingMode.ONE_TO_ONE
    volunteers_per_child: StrictInt = Field(default=1, ge=1, le=MAX_VOLUNTEERS_PER_CHILD)


class ManualPairingForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    beneficiary_id: UUID
    volunteer_id: Identifier
    reason: Reason
    replaces_pairing_id: UUID | None = None


class EndPairingForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Reason
    season_over: StrictBool = Field(
        default=False,
        description=(
            "The pairing ended because the season finished: next season's run may continue it."
            " Otherwise no run proposes this volunteer for this child again (an officer still may)."
        ),
    )


class PairingView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    # The domain's `id`; the API has always called it `pairing_id`.
    pairing_id: UUID = Field(validation_alias=AliasChoices("pairing_id", "id"))
    college: str
    beneficiary_id: UUID
    volunteer_id: str
    school_id: str
    county: str
    reasons: list[str]
    manual: bool
    run_id: UUID | None
    created_by: str
    created_at: datetime
    active: bool
    ended_at: datetime | None
    end_reason: str | None
    season_over: bool


class PairingPage(Page[PairingView]):
    pass


class PairingRunView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    run_id: UUID
    school_id: str | None
    county: str | None
    mode: PairingMode = Field(validation_alias=AliasChoices("mode", AliasPath("options", "mode")))
    volunteers_per_child: int = Field(
        validation_alias=AliasChoices(
            "volunteers_per_child", AliasPath("options", "volunteers_per_child")
        )
    )
    children_considered: int
    pairings_created: int
    children_unpaired: int
    unpaired_beneficiary_ids: list[UUID] = Field(
        description=f"The first {UNPAIRED_SHOWN} children left without a volunteer"
    )
    objective: int = Field(description="Total quality score of the pairs made")

    @field_validator("unpaired_beneficiary_ids", mode="before")
    @classmethod
    def _first_shown(cls, ids: list[UUID] | tuple[UUID, ...]) -> list[UUID]:
        return list(ids[:UNPAIRED_SHOWN])
