"""Pairing (结对): runs for a school or county, manual overrides, ends, and reading pairings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field

from services.recruitment.api.common import PREFIX, College, Pool
from services.recruitment.domain.pairing import (
    MAX_VOLUNTEERS_PER_CHILD,
    Pairing,
    PairingMode,
    PairingRuleBroken,
    pairing_options,
)
from services.recruitment.repository.pairing import PairingFilter
from services.recruitment.service import pairing as service
from shared.web.auth import Principal, ensure_college, require_roles
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["pairing"])

Officer = Annotated[
    Principal, Depends(require_roles("officer", "college_admin", "university_admin"))
]
# Pairings name children by id only; volunteers (students) may read their own.
Reader = Annotated[
    Principal,
    Depends(require_roles("officer", "teacher", "college_admin", "university_admin", "student")),
]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
Reason = Annotated[str, Field(min_length=1, max_length=500)]
UNPAIRED_SHOWN = 200


class PairingRunForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    school_id: Code | None = Field(default=None, description="Pair this school's children")
    county: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="Or pair this county's children (all its schools at once)"
    )
    mode: PairingMode = PairingMode.ONE_TO_ONE
    volunteers_per_child: int = Field(default=1, ge=1, le=MAX_VOLUNTEERS_PER_CHILD)


class ManualPairingForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    beneficiary_id: UUID
    volunteer_id: Code
    reason: Reason
    replaces_pairing_id: UUID | None = None


class EndPairingForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Reason
    season_over: bool = Field(
        default=False,
        description=(
            "The pairing ended because the season finished: next season's run may continue it."
            " Otherwise no run proposes this volunteer for this child again (an officer still may)."
        ),
    )


class PairingView(BaseModel):
    pairing_id: UUID
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

    @classmethod
    def of(cls, pairing: Pairing) -> PairingView:
        return cls(
            pairing_id=pairing.id,
            college=pairing.college,
            beneficiary_id=pairing.beneficiary_id,
            volunteer_id=pairing.volunteer_id,
            school_id=pairing.school_id,
            county=pairing.county,
            reasons=list(pairing.reasons),
            manual=pairing.manual,
            run_id=pairing.run_id,
            created_by=pairing.created_by,
            created_at=pairing.created_at,
            active=pairing.active,
            ended_at=pairing.ended_at,
            end_reason=pairing.end_reason,
            season_over=pairing.season_over,
        )


class PairingPage(BaseModel):
    items: list[PairingView]
    limit: int
    offset: int


class PairingRunView(BaseModel):
    run_id: UUID
    school_id: str | None
    county: str | None
    mode: PairingMode
    volunteers_per_child: int
    children_considered: int
    pairings_created: int
    children_unpaired: int
    unpaired_beneficiary_ids: list[UUID] = Field(
        description=f"The first {UNPAIRED_SHOWN} children left without a volunteer"
    )
    objective: int = Field(description="Total quality score of the pairs made")


def _refused(broken: PairingRuleBroken) -> Problem:
    # Unknown child or volunteer is bad input; everything else conflicts with state.
    if broken.rule in {"registered_beneficiary", "active_volunteer", "reason_required"}:
        return Problem.invalid(broken.field, broken.rule, str(broken))
    return Problem.conflict(str(broken), field=broken.field, rule=broken.rule)


@router.post(
    "/colleges/{college}/pairing-runs",
    status_code=status.HTTP_201_CREATED,
    summary="Pair every unpaired child of a school or county, optimally, at once",
)
async def run_pairing(
    college: College, form: PairingRunForm, principal: Officer, pool: Pool
) -> PairingRunView:
    ensure_college(principal, college)
    if (form.school_id is None) == (form.county is None):
        raise Problem.invalid(
            "school_id", "school_or_county", "give either a school_id or a county, not both"
        )
    try:
        options = pairing_options(mode=form.mode, volunteers_per_child=form.volunteers_per_child)
    except PairingRuleBroken as broken:
        raise Problem.invalid(broken.field, broken.rule, str(broken)) from broken
    async with pool.acquire() as conn, conn.transaction():
        run = await service.run_pairing(
            conn,
            college=college,
            school_id=form.school_id,
            county=form.county,
            options=options,
            officer_id=principal.user_id,
            now=datetime.now(UTC),
        )
    return PairingRunView(
        run_id=run.run_id,
        school_id=form.school_id,
        county=form.county,
        mode=options.mode,
        volunteers_per_child=options.volunteers_per_child,
        children_considered=run.children_considered,
        pairings_created=len(run.pairings),
        children_unpaired=len(run.unpaired_beneficiary_ids),
        unpaired_beneficiary_ids=list(run.unpaired_beneficiary_ids[:UNPAIRED_SHOWN]),
        objective=run.objective,
    )


@router.post(
    "/colleges/{college}/pairings",
    status_code=status.HTTP_201_CREATED,
    summary="Pair a volunteer with a child by hand (an officer's override, with a reason)",
)
async def pair_manually(
    college: College, form: ManualPairingForm, principal: Officer, pool: Pool
) -> PairingView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            pairing = await service.pair_volunteer_with_child(
                conn,
                college=college,
                beneficiary_id=form.beneficiary_id,
                volunteer_id=form.volunteer_id,
                reason=form.reason,
                officer_id=principal.user_id,
                now=datetime.now(UTC),
                replaces_pairing_id=form.replaces_pairing_id,
            )
    except PairingRuleBroken as broken:
        raise _refused(broken) from broken
    except asyncpg.UniqueViolationError as race:
        raise Problem.conflict(
            "this volunteer is already paired with this child",
            field="volunteer_id",
            rule="one_active_pairing_per_volunteer_and_child",
        ) from race
    return PairingView.of(pairing)


@router.post(
    "/colleges/{college}/pairings/{pairing_id}/end",
    summary="End a pairing, with its reason",
)
async def end_pairing(
    college: College, pairing_id: UUID, form: EndPairingForm, principal: Officer, pool: Pool
) -> PairingView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            ended = await service.end_pairing_for_reason(
                conn,
                college=college,
                pairing_id=pairing_id,
                reason=form.reason,
                now=datetime.now(UTC),
                season_over=form.season_over,
            )
    except PairingRuleBroken as broken:
        raise _refused(broken) from broken
    if ended is None:
        raise Problem.not_found("pairing")
    return PairingView.of(ended)


def _only_own(principal: Principal) -> bool:
    return not principal.has_any("officer", "teacher", "college_admin", "university_admin")


@router.get("/colleges/{college}/pairings", summary="Pairings of the college, newest first")
async def list_pairings(
    college: College,
    principal: Reader,
    pool: Pool,
    school_id: Annotated[str | None, Query(max_length=64)] = None,
    county: Annotated[str | None, Query(max_length=64)] = None,
    volunteer_id: Annotated[str | None, Query(max_length=64)] = None,
    beneficiary_id: UUID | None = None,
    run_id: UUID | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> PairingPage:
    ensure_college(principal, college)
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
    async with pool.acquire() as conn:
        found = await service.list_pairings(
            conn, college=college, where=where, limit=limit, offset=offset
        )
    return PairingPage(items=[PairingView.of(p) for p in found], limit=limit, offset=offset)


@router.get("/colleges/{college}/pairings/{pairing_id}", summary="Read a pairing")
async def read_pairing(
    college: College, pairing_id: UUID, principal: Reader, pool: Pool
) -> PairingView:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        pairing = await service.find_pairing(conn, college=college, pairing_id=pairing_id)
    if pairing is None or (_only_own(principal) and pairing.volunteer_id != principal.user_id):
        raise Problem.not_found("pairing")
    return PairingView.of(pairing)
