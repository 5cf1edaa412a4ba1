"""The contact directory's scope rules: which roles must, may or must not name scopes."""

from __future__ import annotations

import pytest

from services.notifications.domain.directory import SCOPE_RULES, DirectoryRole, scope_problem

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "role", [DirectoryRole.GUARDIAN, DirectoryRole.SCHOOL_CONTACT, DirectoryRole.TOWNSHIP_CONTACT]
)
def test_guardians_and_contacts_cover_at_least_one_scope(role: DirectoryRole) -> None:
    assert scope_problem(role, ()) is not None
    assert scope_problem(role, ("x",)) is None


@pytest.mark.parametrize(
    "role", [DirectoryRole.MORAL_EDUCATION_OFFICE, DirectoryRole.COMMITTEE_CHAIR]
)
def test_the_office_and_the_chair_cover_the_whole_college(role: DirectoryRole) -> None:
    assert scope_problem(role, ()) is None
    problem = scope_problem(role, ("school-1",))
    assert problem is not None and "whole college" in problem


def test_a_grade_leader_covers_schools_or_every_school() -> None:
    assert scope_problem(DirectoryRole.GRADE_LEADER, ()) is None
    assert scope_problem(DirectoryRole.GRADE_LEADER, ("school-1", "school-2")) is None


def test_every_role_has_a_scope_rule_and_the_contract_names_them() -> None:
    assert set(SCOPE_RULES) == set(DirectoryRole)
    assert {role.value for role in DirectoryRole} == {
        "guardian",
        "school_contact",
        "township_contact",
        "grade_leader",
        "moral_education_office",
        "committee_chair",
    }
