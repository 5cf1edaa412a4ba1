"""Memberships: a person's memberships and history; officers end them with a reason."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from services.recruitment.api.common import PREFIX, Paged
from services.recruitment.domain.memberships import MemberFilter
from services.recruitment.domain.rules import NotFound
from services.recruitment.schemas.memberships import (
    EndForm,
    MembershipPage,
    MembershipView,
    SanctionPage,
)
from services.recruitment.service import memberships as service
from shared.events.recruitment import OrganisationKind
from shared.web.auth import Principal
from shared.web.dependencies import College, Now, ReadOnly, Transaction, caller

router = APIRouter(prefix=PREFIX, tags=["memberships"])

STAFF = ("officer", "college_admin", "university_admin")
Officer = Annotated[Principal, Depends(caller(*STAFF))]
Reader = Annotated[Principal, Depends(caller("student", *STAFF))]


@router.get(
    "/colleges/{college}/people/{person_id}/memberships",
    summary="A person's memberships, current and past (newest first)",
)
async def memberships_of_person(
    college: College, person_id: str, principal: Reader, conn: ReadOnly, paging: Paged
) -> MembershipPage:
    if not principal.has_any(*STAFF) and principal.user_id != person_id:
        raise NotFound("memberships")  # another person's: not for them to see
    found = await service.memberships_of_person(
        conn, college=college, person_id=person_id, paging=paging
    )
    return MembershipPage.listing(found, paging)


@router.get(
    "/colleges/{college}/memberships",
    summary="Members of one department or corps unit (newest first)",
)
async def memberships_of_organisation(
    college: College,
    principal: Officer,
    conn: ReadOnly,
    paging: Paged,
    organisation_kind: OrganisationKind,
    organisation_id: Annotated[str, Query(min_length=1, max_length=64)],
    active_only: bool = True,
) -> MembershipPage:
    where = MemberFilter(
        organisation_kind=organisation_kind,
        organisation_id=organisation_id,
        active_only=active_only,
    )
    found = await service.memberships_of_organisation(
        conn, college=college, where=where, paging=paging
    )
    return MembershipPage.listing(found, paging)


@router.post(
    "/colleges/{college}/memberships/{membership_id}/end",
    summary="Withdraw or expel a member, with the reason",
)
async def end_membership(
    college: College,
    membership_id: UUID,
    form: EndForm,
    principal: Officer,
    conn: Transaction,
    now: Now,
) -> MembershipView:
    ended = await service.end_membership(
        conn,
        college=college,
        membership_id=membership_id,
        how=form.how,
        reason=form.reason,
        now=now,
    )
    return MembershipView.model_validate(ended)


@router.get(
    "/colleges/{college}/people/{person_id}/sanctions",
    summary="Sanctions received for a person (attendance, dismissal), and what each did",
)
async def sanctions_of_person(
    college: College, person_id: str, principal: Officer, conn: ReadOnly, paging: Paged
) -> SanctionPage:
    found = await service.sanctions_of_person(
        conn, college=college, person_id=person_id, paging=paging
    )
    return SanctionPage.listing(found, paging)
