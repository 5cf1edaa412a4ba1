"""Volunteer corps structure: brigades per county, detachments per school, five groups."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.recruitment.domain.corps import (
    BrigadeFacts,
    CorpsUnit,
    check_assignment,
    check_move,
    dissolve,
    form_brigade,
    form_detachment,
    form_group,
    rename,
)
from shared.rules import RuleBroken as CorpsRuleBroken

pytestmark = pytest.mark.unit
NOW = datetime(2026, 7, 1, tzinfo=UTC)


def brigade(**overrides: object) -> CorpsUnit:
    arguments: dict[str, object] = {
        "unit_id": uuid4(),
        "college": "cs",
        "name": "岳西县大队",
        "county": "岳西县",
        "county_has_brigade": False,
        "now": NOW,
    }
    arguments.update(overrides)
    return form_brigade(**arguments)  # type: ignore[arg-type]


def facts(unit: CorpsUnit | None = None, schools=(), specialties=()) -> BrigadeFacts:
    return BrigadeFacts(unit, frozenset(schools), frozenset(specialties))


def refused(call, **kwargs) -> CorpsRuleBroken:
    with pytest.raises(CorpsRuleBroken) as caught:
        call(**kwargs)
    return caught.value


def test_a_brigade_serves_one_county() -> None:
    unit = brigade()
    assert (unit.kind, unit.county) == ("brigade", "岳西县")


def test_a_second_brigade_in_the_same_county_is_refused() -> None:
    broken = refused(brigade, county_has_brigade=True)
    assert (broken.field, broken.rule) == ("county", "one_brigade_per_county")


def detachment(**overrides: object) -> CorpsUnit:
    arguments: dict[str, object] = {
        "unit_id": uuid4(),
        "college": "cs",
        "name": "响肠小学分队",
        "school": "响肠小学",
        "facts": facts(brigade()),
        "now": NOW,
    }
    arguments.update(overrides)
    return form_detachment(**arguments)  # type: ignore[arg-type]


def test_a_detachment_serves_a_school_under_a_brigade() -> None:
    parent = brigade()
    unit = detachment(facts=facts(parent))
    assert (unit.brigade_id, unit.school, unit.county) == (parent.id, "响肠小学", "岳西县")


def test_a_detachment_without_an_active_brigade_is_refused() -> None:
    assert refused(detachment, facts=facts(None)).rule == "under_an_active_brigade"
    gone = dissolve(brigade(), active_members=0, active_subunits=0, now=NOW)
    assert refused(detachment, facts=facts(gone)).rule == "under_an_active_brigade"


def test_a_detachment_cannot_sit_under_another_detachment() -> None:
    assert refused(detachment, facts=facts(detachment())).rule == "under_an_active_brigade"


def test_a_second_detachment_for_the_same_school_is_refused() -> None:
    broken = refused(detachment, facts=facts(brigade(), schools=["响肠小学"]))
    assert (broken.field, broken.rule) == ("school", "one_detachment_per_school")


def group(specialty: str, existing: tuple[str, ...] = ()) -> CorpsUnit:
    return form_group(
        unit_id=uuid4(),
        college="cs",
        name=f"{specialty}组",
        specialty=specialty,
        facts=facts(brigade(), specialties=existing),
        now=NOW,
    )


def test_a_brigade_has_specialty_groups() -> None:
    assert group("teaching").specialty == "teaching"


def test_a_sixth_specialty_group_is_refused() -> None:
    five = ("teaching", "publicity", "safety", "logistics", "liaison")
    broken = refused(group, specialty="medical", existing=five)
    assert broken.rule == "at_most_five_specialty_groups"


def test_a_second_group_of_the_same_specialty_is_refused() -> None:
    assert refused(group, specialty="safety", existing=("safety",)).rule == (
        "one_group_per_specialty"
    )


def test_a_unit_can_be_renamed() -> None:
    assert rename(brigade(), name="新名字").name == "新名字"


def test_a_dissolved_unit_cannot_be_renamed() -> None:
    gone = dissolve(brigade(), active_members=0, active_subunits=0, now=NOW)
    assert refused(rename, unit=gone, name="x").rule == "unit_dissolved"


def test_a_unit_with_members_cannot_be_dissolved() -> None:
    broken = refused(dissolve, unit=brigade(), active_members=2, active_subunits=0, now=NOW)
    assert broken.rule == "unit_has_members"


def test_a_brigade_with_detachments_cannot_be_dissolved() -> None:
    broken = refused(dissolve, unit=brigade(), active_members=0, active_subunits=1, now=NOW)
    assert broken.rule == "brigade_has_units"


def test_a_volunteer_is_in_one_unit_of_each_kind() -> None:
    check_assignment(detachment(), current_unit_of_kind=None)
    broken = refused(check_assignment, unit=detachment(), current_unit_of_kind=uuid4())
    assert (broken.field, broken.rule) == ("person_id", "one_unit_of_each_kind")


def test_nobody_is_assigned_to_a_dissolved_unit() -> None:
    gone = dissolve(detachment(), active_members=0, active_subunits=0, now=NOW)
    assert refused(check_assignment, unit=gone, current_unit_of_kind=None).rule == "unit_dissolved"


def test_a_move_starts_from_the_current_unit_of_that_kind() -> None:
    here, there = uuid4(), detachment()
    assert check_move(there, current_unit_of_kind=here) == here


def test_a_move_from_nowhere_is_refused() -> None:
    assert refused(check_move, target=detachment(), current_unit_of_kind=None).rule == (
        "no_unit_to_move_from"
    )


def test_a_move_to_the_same_unit_is_refused() -> None:
    unit = detachment()
    assert refused(check_move, target=unit, current_unit_of_kind=unit.id).rule == (
        "move_to_another_unit"
    )
