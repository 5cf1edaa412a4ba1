"""Volunteer corps: officers form, rename and dissolve units, assign and move members."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field

from services.recruitment.api.common import PREFIX, College, Pool
from services.recruitment.api.memberships import MembershipView
from services.recruitment.domain.corps import CorpsRuleBroken, CorpsUnit, UnitKind
from services.recruitment.domain.memberships import MembershipRuleBroken
from services.recruitment.service import corps as service
from shared.web.auth import Principal, ensure_college, require_roles
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["corps"])

STAFF = ("officer", "college_admin", "university_admin")
Officer = Annotated[Principal, Depends(require_roles(*STAFF))]
Reader = Annotated[Principal, Depends(require_roles("student", "teacher", *STAFF))]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Place = Annotated[str, Field(min_length=1, max_length=100)]


class UnitForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: UnitKind
    name: Name
    county: Place | None = Field(default=None, description="brigades: the county served")
    school: Place | None = Field(default=None, description="detachments: the school served")
    specialty: Place | None = Field(default=None, description="groups: the specialty")
    brigade_id: UUID | None = Field(default=None, description="detachments and groups")


class RenameForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name


class AssignForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    person_id: str = Field(min_length=1, max_length=64)
    role: str = Field(default="member", min_length=1, max_length=40)


class MoveForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    person_id: str = Field(min_length=1, max_length=64)
    to_unit_id: UUID
    reason: str = Field(min_length=1, max_length=500)


class UnitView(BaseModel):
    id: UUID
    college: str
    kind: str
    name: str
    county: str | None
    school: str | None
    specialty: str | None
    brigade_id: UUID | None
    created_at: datetime
    dissolved_at: datetime | None

    @classmethod
    def of(cls, unit: CorpsUnit) -> UnitView:
        return cls(
            id=unit.id,
            college=unit.college,
            kind=unit.kind,
            name=unit.name,
            county=unit.county,
            school=unit.school,
            specialty=unit.specialty,
            brigade_id=unit.brigade_id,
            created_at=unit.created_at,
            dissolved_at=unit.dissolved_at,
        )


class UnitPage(BaseModel):
    items: list[UnitView]
    limit: int
    offset: int


class MoveView(BaseModel):
    ended: MembershipView
    started: MembershipView


def _problem(broken: CorpsRuleBroken | MembershipRuleBroken) -> Problem:
    if broken.rule == "required":
        return Problem.invalid(broken.field, broken.rule, str(broken))
    return Problem.conflict(str(broken), field=broken.field, rule=broken.rule)


@router.post(
    "/colleges/{college}/corps/units",
    status_code=status.HTTP_201_CREATED,
    summary="Form a brigade (county), detachment (school) or specialty group",
)
async def form_unit(college: College, form: UnitForm, principal: Officer, pool: Pool) -> UnitView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            unit = await service.form_unit(
                conn,
                college=college,
                kind=form.kind,
                name=form.name,
                county=form.county,
                school=form.school,
                specialty=form.specialty,
                brigade_id=form.brigade_id,
                now=datetime.now(UTC),
            )
    except CorpsRuleBroken as broken:
        raise _problem(broken) from broken
    except asyncpg.UniqueViolationError as race:  # the same unit formed twice at once
        raise Problem.conflict(
            "this unit already exists", field="name", rule="unit_exists"
        ) from race
    return UnitView.of(unit)


@router.get("/colleges/{college}/corps/units", summary="Corps units (oldest first)")
async def list_units(
    college: College,
    principal: Reader,
    pool: Pool,
    kind: UnitKind | None = None,
    brigade_id: UUID | None = None,
    include_dissolved: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> UnitPage:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        units = await service.list_units(
            conn,
            college=college,
            kind=kind,
            brigade_id=brigade_id,
            include_dissolved=include_dissolved,
            limit=limit,
            offset=offset,
        )
    return UnitPage(items=[UnitView.of(u) for u in units], limit=limit, offset=offset)


@router.get("/colleges/{college}/corps/units/{unit_id}", summary="Read a corps unit")
async def read_unit(college: College, unit_id: UUID, principal: Reader, pool: Pool) -> UnitView:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        unit = await service.find_unit(conn, college=college, unit_id=unit_id)
    if unit is None:
        raise Problem.not_found("corps unit")
    return UnitView.of(unit)


@router.patch("/colleges/{college}/corps/units/{unit_id}", summary="Rename a corps unit")
async def rename_unit(
    college: College, unit_id: UUID, form: RenameForm, principal: Officer, pool: Pool
) -> UnitView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            unit = await service.rename_unit(conn, college=college, unit_id=unit_id, name=form.name)
    except service.UnitNotFound as missing:
        raise Problem.not_found("corps unit") from missing
    except CorpsRuleBroken as broken:
        raise _problem(broken) from broken
    return UnitView.of(unit)


@router.delete(
    "/colleges/{college}/corps/units/{unit_id}",
    summary="Dissolve an empty unit (kept in history, marked dissolved)",
)
async def dissolve_unit(
    college: College, unit_id: UUID, principal: Officer, pool: Pool
) -> UnitView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            unit = await service.dissolve_unit(
                conn, college=college, unit_id=unit_id, now=datetime.now(UTC)
            )
    except service.UnitNotFound as missing:
        raise Problem.not_found("corps unit") from missing
    except CorpsRuleBroken as broken:
        raise _problem(broken) from broken
    return UnitView.of(unit)


@router.post(
    "/colleges/{college}/corps/units/{unit_id}/members",
    status_code=status.HTTP_201_CREATED,
    summary="Assign a volunteer to a unit (one unit of each kind at a time)",
)
async def assign_member(
    college: College, unit_id: UUID, form: AssignForm, principal: Officer, pool: Pool
) -> MembershipView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            membership = await service.assign_member(
                conn,
                college=college,
                unit_id=unit_id,
                person_id=form.person_id,
                role=form.role,
                now=datetime.now(UTC),
            )
    except service.UnitNotFound as missing:
        raise Problem.not_found("corps unit") from missing
    except (CorpsRuleBroken, MembershipRuleBroken) as broken:
        raise _problem(broken) from broken
    except asyncpg.UniqueViolationError as race:
        raise Problem.conflict(
            "already a member", field="person_id", rule="already_a_member"
        ) from race
    return MembershipView.of(membership)


@router.post(
    "/colleges/{college}/corps/moves",
    summary="Move a volunteer to another unit of the same kind (history kept)",
)
async def move_member(college: College, form: MoveForm, principal: Officer, pool: Pool) -> MoveView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            ended, started = await service.move_member(
                conn,
                college=college,
                person_id=form.person_id,
                to_unit_id=form.to_unit_id,
                reason=form.reason,
                now=datetime.now(UTC),
            )
    except service.UnitNotFound as missing:
        raise Problem.not_found("corps unit") from missing
    except (CorpsRuleBroken, MembershipRuleBroken) as broken:
        raise _problem(broken) from broken
    return MoveView(ended=MembershipView.of(ended), started=MembershipView.of(started))
