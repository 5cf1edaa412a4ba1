"""Volunteer corps: officers form, rename and dissolve units, assign and move members."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, status

from services.recruitment.api.common import PREFIX, Paged
from services.recruitment.domain.corps import UnitFilter, UnitKind
from services.recruitment.schemas.corps import (
    AssignForm,
    MoveForm,
    MoveView,
    RenameForm,
    UnitForm,
    UnitPage,
    UnitView,
)
from services.recruitment.schemas.memberships import MembershipView
from services.recruitment.service import corps as service
from shared.web.auth import Principal
from shared.web.dependencies import College, Now, ReadOnly, Transaction, caller

router = APIRouter(prefix=PREFIX, tags=["corps"])

STAFF = ("officer", "college_admin", "university_admin")
Officer = Annotated[Principal, Depends(caller(*STAFF))]
Reader = Annotated[Principal, Depends(caller("student", "teacher", *STAFF))]


@router.post(
    "/colleges/{college}/corps/units",
    status_code=status.HTTP_201_CREATED,
    summary="Form a brigade (county), detachment (school) or specialty group",
)
async def form_unit(
    college: College, form: UnitForm, principal: Officer, conn: Transaction, now: Now
) -> UnitView:
    unit = await service.form_unit(
        conn,
        college=college,
        kind=form.kind,
        name=form.name,
        county=form.county,
        school=form.school,
        specialty=form.specialty,
        brigade_id=form.brigade_id,
        now=now,
    )
    return UnitView.model_validate(unit)


@router.get("/colleges/{college}/corps/units", summary="Corps units (oldest first)")
async def list_units(
    college: College,
    principal: Reader,
    conn: ReadOnly,
    paging: Paged,
    kind: UnitKind | None = None,
    brigade_id: UUID | None = None,
    include_dissolved: bool = False,
) -> UnitPage:
    where = UnitFilter(kind=kind, brigade_id=brigade_id, include_dissolved=include_dissolved)
    units = await service.list_units(conn, college=college, where=where, paging=paging)
    return UnitPage.listing(units, paging)


@router.get("/colleges/{college}/corps/units/{unit_id}", summary="Read a corps unit")
async def read_unit(college: College, unit_id: UUID, principal: Reader, conn: ReadOnly) -> UnitView:
    return UnitView.model_validate(await service.find_unit(conn, college=college, unit_id=unit_id))


@router.patch("/colleges/{college}/corps/units/{unit_id}", summary="Rename a corps unit")
async def rename_unit(
    college: College, unit_id: UUID, form: RenameForm, principal: Officer, conn: Transaction
) -> UnitView:
    unit = await service.rename_unit(conn, college=college, unit_id=unit_id, name=form.name)
    return UnitView.model_validate(unit)


@router.delete(
    "/colleges/{college}/corps/units/{unit_id}",
    summary="Dissolve an empty unit (kept in history, marked dissolved)",
)
async def dissolve_unit(
    college: College, unit_id: UUID, principal: Officer, conn: Transaction, now: Now
) -> UnitView:
    unit = await service.dissolve_unit(conn, college=college, unit_id=unit_id, now=now)
    return UnitView.model_validate(unit)


@router.post(
    "/colleges/{college}/corps/units/{unit_id}/members",
    status_code=status.HTTP_201_CREATED,
    summary="Assign a volunteer to a unit (one unit of each kind at a time)",
)
async def assign_member(
    college: College,
    unit_id: UUID,
    form: AssignForm,
    principal: Officer,
    conn: Transaction,
    now: Now,
) -> MembershipView:
    membership = await service.assign_member(
        conn,
        college=college,
        unit_id=unit_id,
        person_id=form.person_id,
        role=form.role,
        now=now,
    )
    return MembershipView.model_validate(membership)


@router.post(
    "/colleges/{college}/corps/moves",
    summary="Move a volunteer to another unit of the same kind (history kept)",
)
async def move_member(
    college: College, form: MoveForm, principal: Officer, conn: Transaction, now: Now
) -> MoveView:
    move = await service.move_member(
        conn,
        college=college,
        person_id=form.person_id,
        to_unit_id=form.to_unit_id,
        reason=form.reason,
        now=now,
    )
    return MoveView.model_validate(move)
