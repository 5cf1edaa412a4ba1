"""The beneficiary register (档案): validate, authorise, call the use case.

Least privilege, by route:
- register, correct: officer, college_admin of the college;
- non-personal entries (what pairing needs) and coverage: officer, college_admin,
  university_admin;
- a child's contact card: officer, college_admin of the college only, with a stated
  `purpose`; every read is written to the access log in the read's transaction;
- the access log and key rotation: college_admin (own college), university_admin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Annotated, cast
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, status

from services.recruitment.api.common import PREFIX, Paged
from services.recruitment.crypto import ContactCardCipher, ContactCardUnreadable
from services.recruitment.domain.beneficiaries import (
    CONTACT_CARD_READERS,
    AccessFilter,
    BeneficiaryFilter,
)
from services.recruitment.schemas.beneficiaries import (
    AccessPage,
    BeneficiaryPage,
    BeneficiaryView,
    ContactCardView,
    CorrectionForm,
    CoverageReport,
    RegistrationForm,
    RotationReport,
)
from services.recruitment.service import beneficiaries as service
from services.recruitment.settings import RecruitmentSettings
from shared.runtime import runtime_of
from shared.web.auth import Principal
from shared.web.dependencies import College, Now, Pool, ReadOnly, Transaction, caller
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["beneficiaries"])

# The people who serve the children (officers) and answer for the register (college
# admins): the only ones who register, correct or read a child's contact card.
_CARD_ROLES = caller(*sorted(CONTACT_CARD_READERS))


async def custodian(
    college: College, principal: Annotated[Principal, Depends(_CARD_ROLES)]
) -> Principal:
    """Personal data never crosses the tenant boundary.

    A university administrator reaches every college, but one who also holds an
    officer or college-admin role writes and reads children only of their own college.
    """
    if principal.college != college:
        raise Problem.forbidden("children's personal data is handled only within their college")
    return principal


async def cipher_of(request: Request) -> AsyncIterator[ContactCardCipher]:
    settings = cast(RecruitmentSettings, runtime_of(request).settings)
    try:
        yield settings.contact_card_cipher
    except ContactCardUnreadable as error:
        # Keys misconfigured or a row tampered with: an operator's problem, said plainly.
        raise Problem(
            500, "Internal Server Error", "the contact card cannot be decrypted"
        ) from error


Custodian = Annotated[Principal, Depends(custodian)]
Viewer = Annotated[Principal, Depends(caller("officer", "college_admin", "university_admin"))]
Administrator = Annotated[Principal, Depends(caller("college_admin", "university_admin"))]
# scope="function": a card that cannot be opened is answered before the transaction ends.
Cipher = Annotated[ContactCardCipher, Depends(cipher_of, scope="function")]


@router.post(
    "/colleges/{college}/beneficiaries",
    status_code=status.HTTP_201_CREATED,
    summary="Register a child in the register (档案); the contact card is stored encrypted",
)
async def register(
    college: College,
    form: RegistrationForm,
    principal: Custodian,
    conn: Transaction,
    cipher: Cipher,
    now: Now,
) -> BeneficiaryView:
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
        now=now,
    )
    return BeneficiaryView.model_validate(beneficiary)


@router.get(
    "/colleges/{college}/beneficiaries",
    summary="Non-personal entries of the register, by school (for pairing)",
)
async def list_entries(
    college: College,
    principal: Viewer,
    conn: ReadOnly,
    paging: Paged,
    school_id: Annotated[str | None, Query(max_length=64)] = None,
    county: Annotated[str | None, Query(max_length=64)] = None,
) -> BeneficiaryPage:
    where = BeneficiaryFilter(school_id=school_id, county=county)
    found = await service.list_children(conn, college=college, where=where, paging=paging)
    return BeneficiaryPage.listing(found, paging)


@router.get(
    "/colleges/{college}/beneficiaries/coverage",
    summary="Per school: children registered, paired, unpaired (the goal is 100% paired)",
)
async def coverage_report(
    college: College,
    principal: Viewer,
    conn: ReadOnly,
    county: Annotated[str | None, Query(max_length=64)] = None,
) -> CoverageReport:
    report = await service.coverage(conn, college=college, county=county)
    return CoverageReport.model_validate(report)


@router.get(
    "/colleges/{college}/beneficiaries/access-log",
    summary="Who read or corrected which child's contact card, when and why",
)
async def access_log(
    college: College,
    principal: Administrator,
    conn: ReadOnly,
    paging: Paged,
    beneficiary_id: UUID | None = None,
    reader_id: Annotated[str | None, Query(max_length=128)] = None,
) -> AccessPage:
    where = AccessFilter(beneficiary_id=beneficiary_id, reader_id=reader_id)
    entries = await service.access_log(conn, college=college, where=where, paging=paging)
    return AccessPage.listing(entries, paging)


@router.post(
    "/colleges/{college}/beneficiaries/key-rotation",
    summary="Re-encrypt the college's contact cards under the first configured key",
)
async def rotate_keys(
    college: College, principal: Administrator, pool: Pool, cipher: Cipher
) -> RotationReport:
    # The pool, not one Transaction: the rotation commits batch by batch, so a large
    # register never holds its locks for long and a stopped rotation can be resumed.
    rotation = await service.rotate_college_keys(pool, cipher=cipher, college=college)
    return RotationReport.model_validate(rotation)


@router.get("/colleges/{college}/beneficiaries/{beneficiary_id}", summary="A non-personal entry")
async def read_entry(
    college: College, beneficiary_id: UUID, principal: Viewer, conn: ReadOnly
) -> BeneficiaryView:
    found = await service.find_child(conn, college=college, beneficiary_id=beneficiary_id)
    return BeneficiaryView.model_validate(found)


@router.patch(
    "/colleges/{college}/beneficiaries/{beneficiary_id}",
    summary="Correct an entry; contact-card fields given replace the stored ones",
)
async def correct_entry(
    college: College,
    beneficiary_id: UUID,
    form: CorrectionForm,
    principal: Custodian,
    conn: Transaction,
    cipher: Cipher,
    now: Now,
) -> BeneficiaryView:
    updated = await service.update_child(
        conn,
        cipher=cipher,
        editor=principal,
        college=college,
        beneficiary_id=beneficiary_id,
        grade=form.grade,
        categories=None if form.categories is None else tuple(form.categories),
        subject_needs=None if form.subject_needs is None else tuple(form.subject_needs),
        card_changes=form.card_changes(),
        now=now,
    )
    return BeneficiaryView.model_validate(updated)


@router.get(
    "/colleges/{college}/beneficiaries/{beneficiary_id}/contact-card",
    summary="A child's contact card (personal data): officers and college admins, audited",
)
async def read_card(
    college: College,
    beneficiary_id: UUID,
    principal: Custodian,
    conn: Transaction,
    cipher: Cipher,
    now: Now,
    purpose: Annotated[str, Query(min_length=4, max_length=200, description="why you need it")],
) -> ContactCardView:
    # Custodian holds one of CONTACT_CARD_READERS, so the use case's own role check
    # (for callers other than this API) always passes here.
    card = await service.read_contact_card(
        conn,
        cipher=cipher,
        reader=principal,
        college=college,
        beneficiary_id=beneficiary_id,
        purpose=purpose,
        now=now,
    )
    return ContactCardView.model_validate({"beneficiary_id": beneficiary_id, **asdict(card)})
