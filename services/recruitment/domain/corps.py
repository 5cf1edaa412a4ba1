"""The volunteer corps of a large programme (DOMAIN.md §1).

Brigades (大队) per county; detachments (支队/分队) per school under a brigade;
specialty groups under a brigade (five at most). A volunteer is in at most one
unit of each kind at a time, and moves between units keep their history.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal
from uuid import UUID

from services.recruitment.domain.memberships import Membership
from services.recruitment.domain.rules import RuleBroken

UnitKind = Literal["brigade", "detachment", "group"]
MAX_GROUPS_PER_BRIGADE = 5


@dataclass(frozen=True)
class CorpsUnit:
    id: UUID
    college: str
    kind: UnitKind
    name: str
    created_at: datetime
    county: str | None = None
    school: str | None = None
    specialty: str | None = None
    brigade_id: UUID | None = None
    dissolved_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.dissolved_at is None


@dataclass(frozen=True)
class UnitFilter:
    """Which units a listing shows: of one kind or any, under one brigade or any."""

    kind: UnitKind | None = None
    brigade_id: UUID | None = None
    include_dissolved: bool = False


@dataclass(frozen=True)
class Move:
    """A volunteer's move between two units of one kind: one membership ends, one starts."""

    ended: Membership
    started: Membership


@dataclass(frozen=True)
class BrigadeFacts:
    """What the rules need to know about the brigade a new unit goes under."""

    brigade: CorpsUnit | None
    detachment_schools: frozenset[str]
    group_specialties: frozenset[str]


def required(value: str | None, *, field: str, message: str) -> str:
    """Each kind of unit names what it serves: a county, a school, a specialty."""
    if not value:
        raise RuleBroken(field=field, rule="required", message=message, invalid=True)
    return value


def form_brigade(
    *,
    unit_id: UUID,
    college: str,
    name: str,
    county: str,
    county_has_brigade: bool,
    now: datetime,
) -> CorpsUnit:
    if county_has_brigade:
        raise RuleBroken(
            field="county", rule="one_brigade_per_county", message=f"{county} has a brigade"
        )
    return CorpsUnit(unit_id, college, "brigade", name, now, county=county)


def _ensure_brigade(facts: BrigadeFacts) -> CorpsUnit:
    if facts.brigade is None or not facts.brigade.active or facts.brigade.kind != "brigade":
        raise RuleBroken(
            field="brigade_id",
            rule="under_an_active_brigade",
            message="detachments and groups belong to an active brigade of your college",
        )
    return facts.brigade


def form_detachment(
    *, unit_id: UUID, college: str, name: str, school: str, facts: BrigadeFacts, now: datetime
) -> CorpsUnit:
    brigade = _ensure_brigade(facts)
    if school in facts.detachment_schools:
        raise RuleBroken(
            field="school",
            rule="one_detachment_per_school",
            message=f"{school} already has a detachment in this brigade",
        )
    return CorpsUnit(
        unit_id, college, "detachment", name, now, county=brigade.county, school=school,
        brigade_id=brigade.id,
    )  # fmt: skip


def form_group(
    *, unit_id: UUID, college: str, name: str, specialty: str, facts: BrigadeFacts, now: datetime
) -> CorpsUnit:
    brigade = _ensure_brigade(facts)
    if specialty in facts.group_specialties:
        raise RuleBroken(
            field="specialty",
            rule="one_group_per_specialty",
            message=f"the brigade already has a {specialty} group",
        )
    if len(facts.group_specialties) >= MAX_GROUPS_PER_BRIGADE:
        raise RuleBroken(
            field="specialty",
            rule="at_most_five_specialty_groups",
            message=f"a brigade has at most {MAX_GROUPS_PER_BRIGADE} specialty groups",
        )
    return CorpsUnit(
        unit_id, college, "group", name, now, county=brigade.county, specialty=specialty,
        brigade_id=brigade.id,
    )  # fmt: skip


def _ensure_active(unit: CorpsUnit) -> None:
    if not unit.active:
        raise RuleBroken(
            field="unit_id", rule="unit_dissolved", message="this unit has been dissolved"
        )


def rename(unit: CorpsUnit, *, name: str) -> CorpsUnit:
    _ensure_active(unit)
    return replace(unit, name=name)


def dissolve(
    unit: CorpsUnit, *, active_members: int, active_subunits: int, now: datetime
) -> CorpsUnit:
    """Only an empty unit is dissolved, so no member is left in a unit that is gone."""
    _ensure_active(unit)
    if active_members:
        raise RuleBroken(
            field="unit_id",
            rule="unit_has_members",
            message=f"move or end its {active_members} active memberships first",
        )
    if active_subunits:
        raise RuleBroken(
            field="unit_id",
            rule="brigade_has_units",
            message=f"dissolve its {active_subunits} detachments and groups first",
        )
    return replace(unit, dissolved_at=now)


def check_assignment(unit: CorpsUnit, *, current_unit_of_kind: UUID | None) -> None:
    """A volunteer is in one unit of each kind at a time; changing is a move."""
    _ensure_active(unit)
    if current_unit_of_kind is not None:
        raise one_unit_of_each_kind_broken(unit.kind, f"{unit.kind} {current_unit_of_kind}")


def one_unit_of_each_kind_broken(kind: str, current: str) -> RuleBroken:
    # Shared with the service, which meets the same rule as a database race.
    return RuleBroken(
        field="person_id",
        rule="one_unit_of_each_kind",
        message=f"already in {current}: move them instead",
    )


def check_move(target: CorpsUnit, *, current_unit_of_kind: UUID | None) -> UUID:
    """A move goes from the person's current unit of a kind to another of the same kind."""
    _ensure_active(target)
    if current_unit_of_kind is None:
        raise RuleBroken(
            field="person_id",
            rule="no_unit_to_move_from",
            message=f"not in any {target.kind}: assign them instead",
        )
    if current_unit_of_kind == target.id:
        raise RuleBroken(
            field="to_unit_id", rule="move_to_another_unit", message="already in this unit"
        )
    return current_unit_of_kind
