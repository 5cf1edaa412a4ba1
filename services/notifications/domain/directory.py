"""The contact directory: people no event names, whom notices must still reach — a
child's guardian (监护人), a school's contact, a county's township contact (乡镇), grade
leaders (年级组长), the moral-education office (德育处), the committee chair.

Each entry is a person in a role with the scopes they cover: a guardian the beneficiary
ids of their children, a school contact or a grade leader school ids, a township contact
counties. The office and the chair cover the whole college (no scope); a grade leader
with no scope covers every school of the college.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class DirectoryRole(StrEnum):
    GUARDIAN = "guardian"
    SCHOOL_CONTACT = "school_contact"
    TOWNSHIP_CONTACT = "township_contact"
    GRADE_LEADER = "grade_leader"
    MORAL_EDUCATION_OFFICE = "moral_education_office"
    COMMITTEE_CHAIR = "committee_chair"


class ScopeRule(StrEnum):
    REQUIRED = "required"  # at least one scope
    OPTIONAL = "optional"  # none means the whole college
    NONE = "none"  # never scoped


SCOPE_RULES: dict[DirectoryRole, ScopeRule] = {
    DirectoryRole.GUARDIAN: ScopeRule.REQUIRED,  # beneficiary ids
    DirectoryRole.SCHOOL_CONTACT: ScopeRule.REQUIRED,  # school ids
    DirectoryRole.TOWNSHIP_CONTACT: ScopeRule.REQUIRED,  # counties
    DirectoryRole.GRADE_LEADER: ScopeRule.OPTIONAL,  # school ids, or every school
    DirectoryRole.MORAL_EDUCATION_OFFICE: ScopeRule.NONE,
    DirectoryRole.COMMITTEE_CHAIR: ScopeRule.NONE,
}

SCOPE_MEANS: dict[DirectoryRole, str] = {
    DirectoryRole.GUARDIAN: "beneficiary ids",
    DirectoryRole.SCHOOL_CONTACT: "school ids",
    DirectoryRole.TOWNSHIP_CONTACT: "counties",
    DirectoryRole.GRADE_LEADER: "school ids (none: every school)",
    DirectoryRole.MORAL_EDUCATION_OFFICE: "no scope",
    DirectoryRole.COMMITTEE_CHAIR: "no scope",
}


@dataclass(frozen=True)
class DirectoryEntry:
    role: DirectoryRole
    person_id: str
    name: str
    scopes: tuple[str, ...]
    updated_at: datetime | None = None


def scope_problem(role: DirectoryRole, scopes: tuple[str, ...]) -> str | None:
    """Why these scopes do not fit the role, or None when they do."""
    rule = SCOPE_RULES[role]
    if rule is ScopeRule.REQUIRED and not scopes:
        return f"a {role} covers at least one scope ({SCOPE_MEANS[role]})"
    if rule is ScopeRule.NONE and scopes:
        return f"the {role} covers the whole college and takes no scope"
    return None
