"""The beneficiary register (档案): validate, authorise, call the use case, map errors.

Least privilege, by route:
- register, correct: officer, college_admin of the college;
- non-personal entries (what pairing needs) and coverage: officer, college_admin,
  university_admin;
- a child's contact card: officer, college_admin of the college only, with a stated
  `purpose`; every read is written to the access log in the read's transaction;
- the access log and key rotation: college_admin (own college), university_admin.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal, cast
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from services.recruitment.api.common import PREFIX, College, Pool
from services.recruitment.crypto import ContactCardCipher, ContactCardUnreadable
from services.recruitment.domain.beneficiaries import (
    Beneficiary,
    BeneficiaryRuleBroken,
    ContactCard,
    SchoolCoverage,
)
from services.recruitment.service import beneficiaries as service
from services.recruitment.settings import RecruitmentSettings
from shared.runtime import runtime_of
from shared.web.auth import Principal, ensure_college, require_roles
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["beneficiaries"])

Registrar = Annotated[Principal, Depends(require_roles("officer", "college_admin"))]
CardReader = Annotated[Principal, Depends(require_roles("officer", "college_admin"))]
Viewer = Annotated[
    Principal, Depends(require_roles("officer", "college_admin", "university_admin"))
]
Administrator = Annotated[Principal, Depends(require_roles("college_admin", "university_admin"))]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Category = Literal["left_behind", "poor_family", "dropout_risk"]
Subject = Annotated[str, Field(min_length=1, max_length=40)]


def cipher_of(request: Request) -> ContactCardCipher:
    settings = cast(RecruitmentSettings, runtime_of(request).settings)
    return settings.contact_card_cipher


Cipher = Annotated[ContactCardCipher, Depends(cipher_of)]


class ContactCardForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64)
    guardian_name: str = Field(min_length=1, max_length=64)
    address: str = Field(min_length=1, max_length=300)
    phone: str = Field(min_length=5, max_length=24)
    parents_workplace: str = Field(default="", max_length=300)
    date_of_birth: date

    def card(self) -> ContactCard:
        return ContactCard(**self.model_dump())


class ContactCardCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=64)
    guardian_name: str | None = Field(default=None, min_length=1, max_length=64)
    address: str | None = Field(default=None, min_length=1, max_length=300)
    phone: str | None = Field(default=None, min_length=5, max_length=24)
    parents_workplace: str | None = Field(default=None, max_length=300)
    date_of_birth: date | None = None


class RegistrationForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    school_id: Code
    county: str = Field(min_length=1, max_length=64)
    grade: int = Field(ge=1, le=12)
    categories: list[Category] = Field(min_length=1, max_length=3)
    subject_needs: list[Subject] = Field(default_factory=list, max_length=20)
    contact_card: ContactCardForm


class CorrectionForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    grade: int | None = Field(default=None, ge=1, le=12)
    categories: list[Category] | None = Field(default=None, min_length=1, max_length=3)
    subject_needs: list[Subject] | None = Field(default=None, max_length=20)
    contact_card: ContactCardCorrection | None = None


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


class BeneficiaryPage(BaseModel):
    items: list[BeneficiaryView]
    limit: int
    offset: int


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


class AccessPage(BaseModel):
    items: list[AccessView]
    limit: int
    offset: int


class RotationReport(BaseModel):
    college: str
    rotated: int
    remaining: int
    key: str = Field(description="fingerprint of the key every card is now under")


def _entry(beneficiary: Beneficiary) -> BeneficiaryView:
    return BeneficiaryView.model_validate(beneficiary)


def _rule_broken(broken: BeneficiaryRuleBroken) -> Problem:
    if broken.rule == "one_entry_per_child":
        return Problem.conflict(str(broken), field=broken.field, rule=broken.rule)
    return Problem.invalid(broken.field, broken.rule, str(broken))


def _already_registered() -> Problem:
    return Problem.conflict(
        "this child is already registered", field="contact_card.name", rule="one_entry_per_child"
    )


def _own_college_only(principal: Principal, college: str) -> None:
    """Personal data never crosses the tenant boundary.

    A university administrator reaches every college, but one who also holds an
    officer or college-admin role writes and reads children only of their own college.
    """
    if principal.college != college:
        raise Problem.forbidden("children's personal data is handled only within their college")


def _unreadable(error: ContactCardUnreadable) -> Problem:
    # Keys misconfigured or a row tampered with: an operator's problem, said plainly.
    return Problem(500, "Internal Server Error", "the contact card cannot be decrypted")


@router.post(
    "/colleges/{college}/beneficiaries",
    status_code=status.HTTP_201_CREATED,
    summary="Register a child in the register (档案); the contact card is stored encrypted",
)
async def register(
    college: College, form: RegistrationForm, principal: Registrar, pool: Pool, cipher: Cipher
) -> BeneficiaryView:
    ensure_college(principal, college)
    _own_college_only(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            beneficiary = await service.register_child(
                conn,
                cipher=cipher,
                college=college,
                school_id=form.school_id,
                county=form.county,
                grade=form.grade,
                categories=tuple(form.categories),
                subject_needs=tuple(form.subject_needs),
                card=form.contact_card.card(),
                now=datetime.now(UTC),
            )
    except BeneficiaryRuleBroken as broken:
        raise _rule_broken(broken) from broken
    except asyncpg.UniqueViolationError as race:  # the same child registered twice at once
        raise _already_registered() from race
    return _entry(beneficiary)


@router.get(
    "/colleges/{college}/beneficiaries",
    summary="Non-personal entries of the register, by school (for pairing)",
)
async def list_entries(
    college: College,
    principal: Viewer,
    pool: Pool,
    school_id: Annotated[str | None, Query(max_length=64)] = None,
    county: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> BeneficiaryPage:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        found = await service.list_children(
            conn, college=college, school_id=school_id, county=county, limit=limit, offset=offset
        )
    return BeneficiaryPage(items=[_entry(b) for b in found], limit=limit, offset=offset)


@router.get(
    "/colleges/{college}/beneficiaries/coverage",
    summary="Per school: children registered, paired, unpaired (the goal is 100% paired)",
)
async def coverage_report(
    college: College,
    principal: Viewer,
    pool: Pool,
    county: Annotated[str | None, Query(max_length=64)] = None,
) -> CoverageReport:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        schools = await service.coverage(conn, college=college, county=county)
    total = SchoolCoverage(
        school_id="*",
        county=county or "*",
        registered=sum(s.registered for s in schools),
        paired=sum(s.paired for s in schools),
    )
    return CoverageReport(
        college=college,
        schools=[SchoolCoverageView.model_validate(s) for s in schools],
        total=SchoolCoverageView.model_validate(total),
    )


@router.get(
    "/colleges/{college}/beneficiaries/access-log",
    summary="Who read or corrected which child's contact card, when and why",
)
async def access_log(
    college: College,
    principal: Administrator,
    pool: Pool,
    beneficiary_id: UUID | None = None,
    reader_id: Annotated[str | None, Query(max_length=128)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AccessPage:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        entries = await service.access_log(
            conn,
            college=college,
            beneficiary_id=beneficiary_id,
            reader_id=reader_id,
            limit=limit,
            offset=offset,
        )
    return AccessPage(
        items=[AccessView.model_validate(e) for e in entries],
        limit=limit,
        offset=offset,
    )


@router.post(
    "/colleges/{college}/beneficiaries/key-rotation",
    summary="Re-encrypt the college's contact cards under the first configured key",
)
async def rotate_keys(
    college: College, principal: Administrator, pool: Pool, cipher: Cipher
) -> RotationReport:
    ensure_college(principal, college)
    try:
        rotated = await service.rotate_contact_card_keys(pool, cipher=cipher, college=college)
    except ContactCardUnreadable as error:
        raise _unreadable(error) from error
    async with pool.acquire() as conn:
        remaining = await service.cards_left_to_rotate(conn, cipher=cipher, college=college)
    return RotationReport(
        college=college, rotated=rotated, remaining=remaining, key=cipher.primary_fingerprint
    )


@router.get("/colleges/{college}/beneficiaries/{beneficiary_id}", summary="A non-personal entry")
async def read_entry(
    college: College, beneficiary_id: UUID, principal: Viewer, pool: Pool
) -> BeneficiaryView:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        found = await service.find_child(conn, college=college, beneficiary_id=beneficiary_id)
    if found is None:
        raise Problem.not_found("beneficiary")
    return _entry(found)


@router.patch(
    "/colleges/{college}/beneficiaries/{beneficiary_id}",
    summary="Correct an entry; contact-card fields given replace the stored ones",
)
async def correct_entry(
    college: College,
    beneficiary_id: UUID,
    form: CorrectionForm,
    principal: Registrar,
    pool: Pool,
    cipher: Cipher,
) -> BeneficiaryView:
    ensure_college(principal, college)
    _own_college_only(principal, college)
    card_changes = form.contact_card.model_dump(exclude_none=True) if form.contact_card else None
    try:
        async with pool.acquire() as conn, conn.transaction():
            updated = await service.update_child(
                conn,
                cipher=cipher,
                editor=principal,
                college=college,
                beneficiary_id=beneficiary_id,
                grade=form.grade,
                categories=None if form.categories is None else tuple(form.categories),
                subject_needs=None if form.subject_needs is None else tuple(form.subject_needs),
                card_changes=card_changes or None,
                now=datetime.now(UTC),
            )
    except BeneficiaryRuleBroken as broken:
        raise _rule_broken(broken) from broken
    except ContactCardUnreadable as error:
        raise _unreadable(error) from error
    except asyncpg.UniqueViolationError as race:
        raise _already_registered() from race
    if updated is None:
        raise Problem.not_found("beneficiary")
    return _entry(updated)


@router.get(
    "/colleges/{college}/beneficiaries/{beneficiary_id}/contact-card",
    summary="A child's contact card (personal data): officers and college admins, audited",
)
async def read_card(
    college: College,
    beneficiary_id: UUID,
    principal: CardReader,
    pool: Pool,
    cipher: Cipher,
    purpose: Annotated[str, Query(min_length=4, max_length=200, description="why you need it")],
) -> ContactCardView:
    ensure_college(principal, college)
    _own_college_only(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            card = await service.read_contact_card(
                conn,
                cipher=cipher,
                reader=principal,
                college=college,
                beneficiary_id=beneficiary_id,
                purpose=purpose,
                now=datetime.now(UTC),
            )
    except BeneficiaryRuleBroken as broken:
        raise _rule_broken(broken) from broken
    except PermissionError as refused:
        raise Problem.forbidden(str(refused)) from refused
    except ContactCardUnreadable as error:
        raise _unreadable(error) from error
    if card is None:
        raise Problem.not_found("beneficiary")
    return ContactCardView(beneficiary_id=beneficiary_id, **service.card_fields(card))
