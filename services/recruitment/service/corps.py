"""Volunteer corps use cases; each runs in the one transaction it is handed.

A unit's members are memberships with organisation_kind = the unit's kind and
organisation_id = the unit's id, so the membership history is the corps history.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.recruitment.domain import corps as rules
from services.recruitment.domain.corps import BrigadeFacts, CorpsRuleBroken, CorpsUnit, UnitKind
from services.recruitment.domain.memberships import Membership
from services.recruitment.repository import corps as repository
from services.recruitment.repository import memberships as membership_repository
from services.recruitment.service.memberships import end_membership, start_membership


class UnitNotFound(LookupError):
    pass


# The partial unique index (migration 0009) that holds "one unit of each kind at a time"
# when two assignments of the same person race: neither sees the other's uncommitted row.
ONE_UNIT_PER_KIND_INDEX = "memberships_one_unit_per_kind"


def _one_unit_of_each_kind(kind: str) -> CorpsRuleBroken:
    return CorpsRuleBroken(
        field="person_id",
        rule="one_unit_of_each_kind",
        message=f"already in a {kind} (assigned at the same moment): move them instead",
    )


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
        if not county:
            raise CorpsRuleBroken(field="county", rule="required", message="a brigade has a county")
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
            if not school:
                raise CorpsRuleBroken(
                    field="school", rule="required", message="a detachment serves a school"
                )
            unit = rules.form_detachment(
                unit_id=unit_id, college=college, name=name, school=school, facts=facts, now=now
            )
        else:
            if not specialty:
                raise CorpsRuleBroken(
                    field="specialty", rule="required", message="a group has a specialty"
                )
            unit = rules.form_group(
                unit_id=unit_id,
                college=college,
                name=name,
                specialty=specialty,
                facts=facts,
                now=now,
            )
    await repository.insert_unit(conn, unit)
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


async def _unit(conn: asyncpg.Connection, *, college: str, unit_id: UUID) -> CorpsUnit:
    unit = await repository.get_unit(conn, college=college, unit_id=unit_id, for_update=True)
    if unit is None:
        raise UnitNotFound("corps unit")
    return unit


async def rename_unit(
    conn: asyncpg.Connection, *, college: str, unit_id: UUID, name: str
) -> CorpsUnit:
    unit = rules.rename(await _unit(conn, college=college, unit_id=unit_id), name=name)
    await repository.save_unit(conn, unit)
    return unit


async def dissolve_unit(
    conn: asyncpg.Connection, *, college: str, unit_id: UUID, now: datetime
) -> CorpsUnit:
    unit = await _unit(conn, college=college, unit_id=unit_id)
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


async def _current_unit_of_kind(
    conn: asyncpg.Connection, *, college: str, person_id: str, kind: str
) -> Membership | None:
    current = await membership_repository.active_of_kind(
        conn, college=college, person_id=person_id, organisation_kind=kind
    )
    return current[0] if current else None


async def assign_member(
    conn: asyncpg.Connection,
    *,
    college: str,
    unit_id: UUID,
    person_id: str,
    role: str,
    now: datetime,
) -> Membership:
    unit = await _unit(conn, college=college, unit_id=unit_id)
    current = await _current_unit_of_kind(
        conn, college=college, person_id=person_id, kind=unit.kind
    )
    rules.check_assignment(
        unit, current_unit_of_kind=UUID(current.organisation_id) if current else None
    )
    try:
        return await start_membership(
            conn,
            college=college,
            person_id=person_id,
            organisation_kind=unit.kind,
            organisation_id=str(unit.id),
            how="admitted",
            role=role,
            now=now,
        )
    except asyncpg.UniqueViolationError as race:
        if race.constraint_name != ONE_UNIT_PER_KIND_INDEX:
            raise  # the same unit twice at once: the route answers already_a_member
        raise _one_unit_of_each_kind(unit.kind) from race


async def move_member(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    to_unit_id: UUID,
    reason: str,
    now: datetime,
) -> tuple[Membership, Membership]:
    """A move ends the old membership (transferred) and starts the new one (transferred)."""
    target = await _unit(conn, college=college, unit_id=to_unit_id)
    current = await _current_unit_of_kind(
        conn, college=college, person_id=person_id, kind=target.kind
    )
    rules.check_move(
        target, current_unit_of_kind=UUID(current.organisation_id) if current else None
    )
    assert current is not None  # check_move refuses a move from nowhere
    ended = await end_membership(
        conn, college=college, membership_id=current.id, how="transferred", reason=reason, now=now
    )
    assert ended is not None
    try:
        started = await start_membership(
            conn,
            college=college,
            person_id=person_id,
            organisation_kind=target.kind,
            organisation_id=str(target.id),
            how="transferred",
            role=current.role,
            now=now,
        )
    except asyncpg.UniqueViolationError as race:
        if race.constraint_name != ONE_UNIT_PER_KIND_INDEX:
            raise  # the same unit twice at once: the route answers already_a_member
        raise _one_unit_of_each_kind(target.kind) from race
    return ended, started


async def find_unit(conn: asyncpg.Connection, *, college: str, unit_id: UUID) -> CorpsUnit | None:
    return await repository.get_unit(conn, college=college, unit_id=unit_id)


async def list_units(
    conn: asyncpg.Connection,
    *,
    college: str,
    kind: str | None,
    brigade_id: UUID | None,
    include_dissolved: bool,
    limit: int,
    offset: int,
) -> list[CorpsUnit]:
    return await repository.list_units(
        conn,
        college=college,
        kind=kind,
        brigade_id=brigade_id,
        include_dissolved=include_dissolved,
        limit=limit,
        offset=offset,
    )
