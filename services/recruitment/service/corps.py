"""Volunteer corps use cases; each runs in the one transaction it is handed.

A unit's members are memberships with organisation_kind = the unit's kind and
organisation_id = the unit's id, so the membership history is the corps history.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.recruitment.domain import corps as rules
from services.recruitment.domain.corps import BrigadeFacts, CorpsUnit, Move, UnitFilter, UnitKind
from services.recruitment.domain.memberships import HowStarted, Membership
from services.recruitment.domain.paging import Paging
from services.recruitment.domain.rules import NotFound, RuleBroken
from services.recruitment.repository import corps as repository
from services.recruitment.repository import memberships as membership_repository
from services.recruitment.service.memberships import end_membership, start_membership

# The partial unique index (migration 0009) that holds "one unit of each kind at a time"
# when two assignments of the same person race: neither sees the other's uncommitted row.
ONE_UNIT_PER_KIND_INDEX = "memberships_one_unit_per_kind"


async def form_unit(
    conn: asyncpg.Connection,
    *,
    college: str,
    kind: UnitKind,
    name: str,
    county: str | None,
    school: str | None,
    specialty: str | None,
    brigade_id: UUID | None,
    now: datetime,
) -> CorpsUnit:
    unit_id = uuid4()
    if kind == "brigade":
        county = rules.required(county, field="county", message="a brigade has a county")
        unit = rules.form_brigade(
            unit_id=unit_id,
            college=college,
            name=name,
            county=county,
            county_has_brigade=await repository.county_has_brigade(
                conn, college=college, county=county
            ),
            now=now,
        )
    else:
        facts = await _brigade_facts(conn, college=college, brigade_id=brigade_id)
        if kind == "detachment":
            school = rules.required(school, field="school", message="a detachment serves a school")
            unit = rules.form_detachment(
                unit_id=unit_id, college=college, name=name, school=school, facts=facts, now=now
            )
        else:
            specialty = rules.required(
                specialty, field="specialty", message="a group has a specialty"
            )
            unit = rules.form_group(
                unit_id=unit_id,
                college=college,
                name=name,
                specialty=specialty,
                facts=facts,
                now=now,
            )
    try:
        await repository.insert_unit(conn, unit)
    except asyncpg.UniqueViolationError as race:  # the same unit formed twice at once
        raise RuleBroken(
            field="name", rule="unit_exists", message="this unit already exists"
        ) from race
    return unit


async def _brigade_facts(
    conn: asyncpg.Connection, *, college: str, brigade_id: UUID | None
) -> BrigadeFacts:
    brigade = None
    if brigade_id is not None:
        # Locked so two officers adding a sixth group at once cannot both pass the count.
        brigade = await repository.get_unit(
            conn, college=college, unit_id=brigade_id, for_update=True
        )
    units = (
        await repository.subunits_of(conn, college=college, brigade_id=brigade.id)
        if brigade
        else []
    )
    return BrigadeFacts(
        brigade=brigade,
        detachment_schools=frozenset(
            u.school for u in units if u.kind == "detachment" and u.school
        ),
        group_specialties=frozenset(
            u.specialty for u in units if u.kind == "group" and u.specialty
        ),
    )


async def find_unit(
    conn: asyncpg.Connection, *, college: str, unit_id: UUID, for_update: bool = False
) -> CorpsUnit:
    unit = await repository.get_unit(conn, college=college, unit_id=unit_id, for_update=for_update)
    if unit is None:
        raise NotFound("corps unit", unit_id)
    return unit


async def rename_unit(
    conn: asyncpg.Connection, *, college: str, unit_id: UUID, name: str
) -> CorpsUnit:
    unit = await find_unit(conn, college=college, unit_id=unit_id, for_update=True)
    renamed = rules.rename(unit, name=name)
    await repository.save_unit(conn, renamed)
    return renamed


async def dissolve_unit(
    conn: asyncpg.Connection, *, college: str, unit_id: UUID, now: datetime
) -> CorpsUnit:
    unit = await find_unit(conn, college=college, unit_id=unit_id, for_update=True)
    members = await membership_repository.count_active_members(
        conn, college=college, organisation_kind=unit.kind, organisation_id=str(unit.id)
    )
    subunits = (
        await repository.subunits_of(conn, college=college, brigade_id=unit.id)
        if unit.kind == "brigade"
        else []
    )
    dissolved = rules.dissolve(unit, active_members=members, active_subunits=len(subunits), now=now)
    await repository.save_unit(conn, dissolved)
    return dissolved


async def _unit_and_current(
    conn: asyncpg.Connection, *, college: str, unit_id: UUID, person_id: str
) -> tuple[CorpsUnit, Membership | None]:
    """The unit (locked), and the person's current membership of a unit of its kind."""
    unit = await find_unit(conn, college=college, unit_id=unit_id, for_update=True)
    current = await membership_repository.active_of_kind(
        conn, college=college, person_id=person_id, organisation_kind=unit.kind
    )
    return unit, current[0] if current else None


async def _join(
    conn: asyncpg.Connection,
    *,
    unit: CorpsUnit,
    person_id: str,
    how: HowStarted,
    role: str,
    now: datetime,
) -> Membership:
    try:
        return await start_membership(
            conn,
            college=unit.college,
            person_id=person_id,
            organisation_kind=unit.kind,
            organisation_id=str(unit.id),
            how=how,
            role=role,
            now=now,
        )
    except asyncpg.UniqueViolationError as race:
        if race.constraint_name != ONE_UNIT_PER_KIND_INDEX:
            raise
        raise rules.one_unit_of_each_kind_broken(
            unit.kind, f"a {unit.kind} (assigned at the same moment)"
        ) from race


async def assign_member(
    conn: asyncpg.Connection,
    *,
    college: str,
    unit_id: UUID,
    person_id: str,
    role: str,
    now: datetime,
) -> Membership:
    unit, current = await _unit_and_current(
        conn, college=college, unit_id=unit_id, person_id=person_id
    )
    rules.check_assignment(
        unit, current_unit_of_kind=UUID(current.organisation_id) if current else None
    )
    return await _join(conn, unit=unit, person_id=person_id, how="admitted", role=role, now=now)


async def move_member(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    to_unit_id: UUID,
    reason: str,
    now: datetime,
) -> Move:
    """A move ends the old membership (transferred) and starts the new one (transferred)."""
    target, current = await _unit_and_current(
        conn, college=college, unit_id=to_unit_id, person_id=person_id
    )
    rules.check_move(
        target, current_unit_of_kind=UUID(current.organisation_id) if current else None
    )
    assert current is not None  # check_move refuses a move from nowhere
    ended = await end_membership(
        conn, college=college, membership_id=current.id, how="transferred", reason=reason, now=now
    )
    started = await _join(
        conn, unit=target, person_id=person_id, how="transferred", role=current.role, now=now
    )
    return Move(ended=ended, started=started)


async def list_units(
    conn: asyncpg.Connection, *, college: str, where: UnitFilter, paging: Paging
) -> list[CorpsUnit]:
    return await repository.list_units(conn, college=college, where=where, paging=paging)
