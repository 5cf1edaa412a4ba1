"""The beneficiary register (档案) as the API takes and shows it.

Only `ContactCardView` carries a child's personal fields; every other view is the
non-personal half of an entry.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.recruitment.domain.beneficiaries import ContactCard
from services.recruitment.schemas.pages import Page
from shared.web.fields import Identifier, Line, SaneDate, StrictInt

Category = Literal["left_behind", "poor_family", "dropout_risk"]
Subject = Annotated[Line, Field(min_length=1, max_length=40)]


class ContactCardForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Line = Field(min_length=1, max_length=64)
    guardian_name: Line = Field(min_length=1, max_length=64)
    address: Line = Field(min_length=1, max_length=300)
    phone: Line = Field(min_length=5, max_length=24)
    parents_workplace: Line = Field(default="", max_length=300)
    date_of_birth: SaneDate

    def card(self) -> ContactCard:
        return ContactCard(**self.model_dump())


class ContactCardCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Line | None = Field(default=None, min_length=1, max_length=64)
    guardian_name: Line | None = Field(default=None, min_length=1, max_length=64)
    address: Line | None = Field(default=None, min_length=1, max_length=300)
    phone: Line | None = Field(default=None, min_length=5, max_length=24)
    parents_workplace: Line | None = Field(default=None, max_length=300)
    date_of_birth: SaneDate | None = None


class RegistrationForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    school_id: Identifier
    county: Line = Field(min_length=1, max_length=64)
    grade: StrictInt = Field(ge=1, le=12)
    categories: list[Category] = Field(min_length=1, max_length=3)
    subject_needs: list[Subject] = Field(default_factory=list, max_length=20)
    contact_card: ContactCardForm


class CorrectionForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    grade: StrictInt | None = Field(default=None, ge=1, le=12)
    categories: list[Category] | None = Field(default=None, min_length=1, max_length=3)
    subject_needs: list[Subject] | None = Field(default=None, max_length=20)
    contact_card: ContactCardCorrection | None = None

    def card_changes(self) -> dict[str, object] | None:
        """The contact-card fields given, or None when the card is not corrected."""
        changes = self.contact_card.model_dump(exclude_none=True) if self.contact_card else None
        return changes or None


class BeneficiaryView(BaseModel):
    """The non-personal entry: no name, address, phone or guardian."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    college: str
    school_id: str
    county: str
    grade: int
    categories: list[str]
    subject_needs: list[str]
    registered_at: datetime
    updated_at: datetime


class BeneficiaryPage(Page[BeneficiaryView]):
    pass


class ContactCardView(BaseModel):
    beneficiary_id: UUID
    name: str
    guardian_name: str
    address: str
    phone: str
    parents_workplace: str
    date_of_birth: date


class SchoolCoverageView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    school_id: str
    county: str
    registered: int
    paired: int
    unpaired: int
    percentage_paired: float | None


class CoverageReport(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    college: str
    schools: list[SchoolCoverageView]
    total: SchoolCoverageView


class AccessView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    beneficiary_id: UUID
    reader_id: str
    reader_roles: list[str]
    reader_college: str | None
    action: str
    purpose: str
    at: datetime


class AccessPage(Page[AccessView]):
    pass


class RotationReport(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    college: str
    rotated: int
    remaining: int
    key: str = Field(description="fingerprint of the key every card is now under")
