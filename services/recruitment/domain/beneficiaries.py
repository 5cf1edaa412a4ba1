"""The register (档案) of children served: left-behind children, children of poor
families, pupils at risk of dropping out (DOMAIN.md §1, "Beneficiaries and pairing").

An entry has two halves. The non-personal facts (school, county, grade, categories,
subject needs) are what pairing needs and what events may carry. The contact card
(name, guardian, address, phone, parents' workplace, date of birth) is a child's
personal data: it is only ever stored encrypted, never put in an event or a log, and
read only by the roles that serve the child, each read with a stated purpose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal, get_args
from uuid import UUID

from services.recruitment.domain.rules import RuleBroken
from shared.events.recruitment import (
    BeneficiaryCategory,
    BeneficiaryRegistered,
    BeneficiaryUpdated,
)

CATEGORIES: frozenset[str] = frozenset(get_args(BeneficiaryCategory))
LOWEST_GRADE, HIGHEST_GRADE = 1, 12
# Pupils in grades 1–12 are roughly 5 to 19; a wider band allows for late starts and
# repeated years while still catching a date of birth typed in the wrong century.
YOUNGEST_AGE, OLDEST_AGE = 3, 22
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,22}[0-9]$")

# Who may see a child's contact card: the people who pair and serve the child
# (officers of the 志愿者部 / corps) and the college administrator who answers for
# the register. Students, teachers, reviewers never; the university administrator
# sees coverage and the audit log, not the children themselves.
CONTACT_CARD_READERS: frozenset[str] = frozenset({"officer", "college_admin"})

AuditAction = Literal["read_contact_card", "update_contact_card"]


@dataclass(frozen=True)
class ContactCard:
    """The personal half of an entry. Held in memory only between decrypt and answer."""

    name: str
    guardian_name: str
    address: str
    phone: str
    parents_workplace: str
    date_of_birth: date

    def __repr__(self) -> str:  # never let a card leak into a log or a traceback
        return "ContactCard(<personal fields hidden>)"


@dataclass(frozen=True)
class Beneficiary:
    """The non-personal half of an entry: what pairing and coverage work from."""

    id: UUID
    college: str
    school_id: str
    county: str
    grade: int
    categories: tuple[str, ...]
    subject_needs: tuple[str, ...]
    registered_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SchoolCoverage:
    """How far a school is from the goal: every registered child paired."""

    school_id: str
    county: str
    registered: int
    paired: int

    @property
    def unpaired(self) -> int:
        return self.registered - self.paired

    @property
    def percentage_paired(self) -> float | None:
        # A school with nobody registered has no percentage, not 0% or 100%.
        if self.registered == 0:
            return None
        return round(100 * self.paired / self.registered, 1)


@dataclass(frozen=True)
class CoverageReport:
    """Coverage of a college's register, school by school and in total."""

    college: str
    schools: tuple[SchoolCoverage, ...]
    total: SchoolCoverage


def coverage_report(
    *, college: str, county: str | None, schools: Sequence[SchoolCoverage]
) -> CoverageReport:
    total = SchoolCoverage(
        school_id="*",
        county=county or "*",
        registered=sum(s.registered for s in schools),
        paired=sum(s.paired for s in schools),
    )
    return CoverageReport(college=college, schools=tuple(schools), total=total)


@dataclass(frozen=True)
class KeyRotation:
    """A college's contact cards re-encrypted under the first configured key."""

    college: str
    rotated: int
    remaining: int
    key: str  # fingerprint of the key the rotated cards are now under


@dataclass(frozen=True)
class BeneficiaryFilter:
    """Which entries of the register a listing shows: of one school, of one county."""

    school_id: str | None = None
    county: str | None = None


@dataclass(frozen=True)
class CardAccess:
    """One read or correction of a child's contact card, as the access log keeps it."""

    id: int
    college: str
    beneficiary_id: UUID
    reader_id: str
    reader_roles: tuple[str, ...]
    reader_college: str | None
    action: str
    purpose: str
    at: datetime


@dataclass(frozen=True)
class AccessFilter:
    """Which accesses a reading of the log shows: to one child's card, by one reader."""

    beneficiary_id: UUID | None = None
    reader_id: str | None = None


def check_grade(grade: int) -> None:
    if not LOWEST_GRADE <= grade <= HIGHEST_GRADE:
        raise RuleBroken(
            field="grade",
            rule="grade_1_to_12",
            message="grade must be between 1 and 12",
            invalid=True,
        )


def check_categories(categories: tuple[str, ...]) -> None:
    if not categories:
        raise RuleBroken(
            field="categories",
            rule="at_least_one_category",
            message="a child is registered as left-behind, of a poor family or at dropout risk",
            invalid=True,
        )
    unknown = sorted(set(categories) - CATEGORIES)
    if unknown:
        raise RuleBroken(
            field="categories",
            rule="known_category",
            message=f"unknown category {unknown[0]!r}; expected one of {sorted(CATEGORIES)}",
            invalid=True,
        )
    if len(set(categories)) != len(categories):
        raise RuleBroken(
            field="categories",
            rule="no_duplicate_categories",
            message="a category is listed twice",
            invalid=True,
        )


def check_subject_needs(subject_needs: tuple[str, ...]) -> None:
    if len(set(subject_needs)) != len(subject_needs):
        raise RuleBroken(
            field="subject_needs",
            rule="no_duplicate_subject_needs",
            message="a subject need is listed twice",
            invalid=True,
        )


def check_contact_card(card: ContactCard, *, now: datetime) -> None:
    for field in ("name", "guardian_name", "address"):
        if not getattr(card, field).strip():
            raise RuleBroken(
                field=f"contact_card.{field}",
                rule="required",
                message=f"the contact card needs the {field.replace('_', ' ')}",
                invalid=True,
            )
    if not _PHONE.match(card.phone):
        raise RuleBroken(
            field="contact_card.phone",
            rule="phone_number",
            message="the guardian's phone is digits, spaces or dashes, optionally after +",
            invalid=True,
        )
    today = now.date()
    if card.date_of_birth > today:
        raise RuleBroken(
            field="contact_card.date_of_birth",
            rule="born_in_the_past",
            message="the date of birth is in the future",
            invalid=True,
        )
    age = today.year - card.date_of_birth.year
    if (today.month, today.day) < (card.date_of_birth.month, card.date_of_birth.day):
        age -= 1
    if not YOUNGEST_AGE <= age <= OLDEST_AGE:
        raise RuleBroken(
            field="contact_card.date_of_birth",
            rule="school_age",
            message=f"a pupil is between {YOUNGEST_AGE} and {OLDEST_AGE} years old",
            invalid=True,
        )


def one_entry_per_child_broken(
    message: str = "this child (same name, date of birth and school) is already registered",
) -> RuleBroken:
    # Shared with the service, which meets the same rule on a correction and as a race.
    return RuleBroken(field="contact_card.name", rule="one_entry_per_child", message=message)


def register_beneficiary(
    *,
    beneficiary_id: UUID,
    college: str,
    school_id: str,
    county: str,
    grade: int,
    categories: tuple[str, ...],
    subject_needs: tuple[str, ...],
    card: ContactCard,
    already_registered: bool,
    now: datetime,
) -> tuple[Beneficiary, BeneficiaryRegistered]:
    """Enter a child in the register; each child once per college (coverage counts heads)."""
    check_grade(grade)
    check_categories(categories)
    check_subject_needs(subject_needs)
    check_contact_card(card, now=now)
    if already_registered:
        raise one_entry_per_child_broken()
    beneficiary = Beneficiary(
        id=beneficiary_id,
        college=college,
        school_id=school_id,
        county=county,
        grade=grade,
        categories=categories,
        subject_needs=subject_needs,
        registered_at=now,
        updated_at=now,
    )
    event = BeneficiaryRegistered(
        college=college,
        beneficiary_id=beneficiary_id,
        school_id=school_id,
        county=county,
        grade=grade,
        categories=list(categories),  # checked above
        subject_needs=list(subject_needs),
        registered_at=now,
    )
    return beneficiary, event


def update_beneficiary(
    current: Beneficiary,
    *,
    grade: int | None,
    categories: tuple[str, ...] | None,
    subject_needs: tuple[str, ...] | None,
    card: ContactCard | None,
    now: datetime,
) -> tuple[Beneficiary, BeneficiaryUpdated]:
    """Change an entry. The event names the non-personal facts that changed; a change of
    the contact card alone is announced with none, so subscribers know the entry moved
    without learning anything personal."""
    if grade is None and categories is None and subject_needs is None and card is None:
        raise RuleBroken(
            field="body",
            rule="something_to_update",
            message="nothing to update was given",
            invalid=True,
        )
    if grade is not None:
        check_grade(grade)
    if categories is not None:
        check_categories(categories)
    if subject_needs is not None:
        check_subject_needs(subject_needs)
    if card is not None:
        check_contact_card(card, now=now)
    updated = replace(
        current,
        grade=current.grade if grade is None else grade,
        categories=current.categories if categories is None else categories,
        subject_needs=current.subject_needs if subject_needs is None else subject_needs,
        updated_at=now,
    )
    event = BeneficiaryUpdated(
        college=current.college,
        beneficiary_id=current.id,
        school_id=current.school_id,
        grade=grade,
        categories=None if categories is None else list(categories),
        subject_needs=None if subject_needs is None else list(subject_needs),
        updated_at=now,
    )
    return updated, event


def merge_contact_card(current: ContactCard, changes: dict[str, object]) -> ContactCard:
    """A partial correction of the card: the fields given replace the stored ones."""
    return replace(current, **changes)  # type: ignore[arg-type]


def may_read_contact_card(roles: frozenset[str]) -> bool:
    return not roles.isdisjoint(CONTACT_CARD_READERS)


def check_read_purpose(purpose: str | None) -> str:
    """Every read of personal fields states why (it goes in the audit log)."""
    stated = (purpose or "").strip()
    if len(stated) < 4:
        raise RuleBroken(
            field="purpose",
            rule="purpose_required",
            message="say why you need the child's contact card (at least 4 characters)",
            invalid=True,
        )
    return stated
