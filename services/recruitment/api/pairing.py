"""Pairing (结对): runs for a school or county, manual overrides, ends, and reading pairings."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status

from services.recruitment.api.common import PREFIX, Paged
from services.recruitment.domain.pairing import PairingFilter
from services.recruitment.domain.rules import NotFound
from services.recruitment.schemas.pairing import (
    EndPairingForm,
    ManualPairingForm,
    PairingPage,
    PairingRunForm,
    PairingRunView,
    PairingView,
)
from services.recruitment.service import pairing as service
from shared.web.auth import Principal
from shared.web.dependencies import College, Now, ReadOnly, Transaction, caller
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["pairing"])

Officer = Annotated[Principal, Depends(caller("officer", "college_admin", "university_admin"))]
# Pairings name children by id only; volunteers (students) may read their own.
Reader = Annotated[
    Principal,
    Depends(caller("officer", "teacher", "college_admin", "university_admin", "student")),
]


def _only_own(principal: Principal) -> bool:
    return not principal.has_any("officer", "teacher", "college_admin", "university_admin")


@router.post(
    "/colleges/{college}/pairing-runs",
    status_code=status.HTTP_201_CREATED,
    summary="Pair every unpaired child of a school or county, optimally, at once",
)
async def run_pairing(
    college: College, form: PairingRunForm, principal: Officer, conn: Transaction, now: Now
) -> PairingRunView:
    run = await service.run_pairing(
        conn,
        college=college,
        school_id=form.school_id,
        county=form.county,
        mode=form.mode,
        volunteers_per_child=form.volunteers_per_child,
        officer_id=principal.user_id,
        now=now,
    )
    return PairingRunView.model_validate(run)


@router.post(
    "/colleges/{college}/pairings",
    status_code=status.HTTP_201_CREATED,
    summary="Pair a volunteer with a child by hand (an officer's override, with a reason)",
)
async def pair_manually(
    college: College, form: ManualPairingForm, principal: Officer, conn: Transaction, now: Now
) -> PairingView:
    pairing = await service.pair_volunteer_with_child(
        conn,
        college=college,
        beneficiary_id=form.beneficiary_id,
        volunteer_id=form.volunteer_id,
        reason=form.reason,
        officer_id=principal.user_id,
        now=now,
        replaces_pairing_id=form.replaces_pairing_id,
    )
    return PairingView.model_validate(pairing)


@router.post(
    "/colleges/{college}/pairings/{pairing_id}/end",
    summary="End a pairing, with its reason",
)
async def end_pairing(
    college: College,
    pairing_id: UUID,
    form: EndPairingForm,
    principal: Officer,
    conn: Transaction,
    now: Now,
) -> PairingView:
    ended = await service.end_pairing_for_reason(
        conn,
        college=college,
        pairing_id=pairing_id,
        reason=form.reason,
        now=now,
        season_over=form.season_over,
    )
    return PairingView.model_validate(ended)


@router.get("/colleges/{college}/pairings", summary="Pairings of the college, newest first")
async def list_pairings(
    college: College,
    principal: Reader,
    conn: ReadOnly,
    paging: Paged,
    school_id: Annotated[str | None, Query(max_length=64)] = None,
    county: Annotated[str | None, Query(max_length=64)] = None,
    volunteer_id: Annotated[str | None, Query(max_length=64)] = None,
    beneficiary_id: UUID | None = None,
    run_id: UUID | None = None,
    active: bool | None = None,
) -> PairingPage:
    if _only_own(principal):
        if volunteer_id not in (None, principal.user_id):
            raise Problem.forbidden("a volunteer reads only their own pairings")
        volunteer_id = principal.user_id
    where = PairingFilter(
        school_id=school_id,
        county=county,
        volunteer_id=volunteer_id,
        beneficiary_id=beneficiary_id,
        run_id=run_id,
        active=active,
    )
    found = await service.list_pairings(conn, college=college, where=where, paging=paging)
    return PairingPage.listing(found, paging)


@router.get("/colleges/{college}/pairings/{pairing_id}", summary="Read a pairing")
async def read_pairing(
    college: College, pairing_id: UUID, principal: Reader, conn: ReadOnly
) -> PairingView:
    pairing = await service.find_pairing(conn, college=college, pairing_id=pairing_id)
    if _only_own(principal) and pairing.volunteer_id != principal.user_id:
        raise NotFound("pairing", pairing_id)  # another volunteer's: not for them to see
    return PairingView.model_validate(pairing)
