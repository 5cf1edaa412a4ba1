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


class BeneficiaryRuleBroken(RuleBroken):
    """A register rule refuses the change; `field` and `rule` say which."""


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


def check_grade(grade: int) -> None:
    if not LOWEST_GRADE <= grade <= HIGHEST_GRADE:
        raise BeneficiaryRuleBroken(
            field="grade", rule="grade_1_to_12", message="grade must be between 1 and 12"
        )


def check_categories(categories: tuple[str, ...]) -> None:
    if not categories:
        raise BeneficiaryRuleBroken(
            field="categories",
            rule="at_least_one_category",
            message="a child is registered as left-behind, of a poor family or at dropout risk",
        )
    unknown = sorted(set(categories) - CATEGORIES)
    if unknown:
        raise BeneficiaryRuleBroken(
            field="categories",
            rule="known_category",
            message=f"unknown category {unknown[0]!r}; expected one of {sorted(CATEGORIES)}",
        )
    if len(set(categories)) != len(categories):
        raise BeneficiaryRuleBroken(
            field="categories", rule="no_duplicate_categories", message="a category is listed twice"
        )


def check_subject_needs(subject_needs: tuple[str, ...]) -> None:
    if len(set(subject_needs)) != len(subject_needs):
        raise BeneficiaryRuleBroken(
            field="subject_needs",
            rule="no_duplicate_subject_needs",
            message="a subject need is listed twice",
        )


def check_contact_card(card: ContactCard, *, now: datetime) -> None:
    for field in ("name", "guardian_name", "address"):
        if not getattr(card, field).strip():
            raise BeneficiaryRuleBroken(
                field=f"contact_card.{field}",
                rule="required",
                message=f"the contact card needs the {field.replace('_', ' ')}",
            )
    if not _PHONE.match(card.phone):
        raise BeneficiaryRuleBroken(
            field="contact_card.phone",
            rule="phone_number",
            message="the guardian's phone is digits, spaces or dashes, optionally after +",
        )
    today = now.date()
    if card.date_of_birth > today:
        raise BeneficiaryRuleBroken(
            field="contact_card.date_of_birth",
            rule="born_in_the_past",
            message="the date of birth is in the future",
        )
    age = today.year - card.date_of_birth.year
    if (today.month, today.day) < (card.date_of_birth.month, card.date_of_birth.day):
        age -= 1
    if not YOUNGEST_AGE <= age <= OLDEST_AGE:
        raise BeneficiaryRuleBroken(
            field="contact_card.date_of_birth",
            rule="school_age",
            message=f"a pupil is between {YOUNGEST_AGE} and {OLDEST_AGE} years old",
        )


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
        raise BeneficiaryRuleBroken(
            field="contact_card.name",
            rule="one_entry_per_child",
            message="this child (same name, date of birth and school) is already registered",
        )
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
        raise BeneficiaryRuleBroken(
            field="body", rule="something_to_update", message="nothing to update was given"
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
        raise BeneficiaryRuleBroken(
            field="purpose",
            rule="purpose_required",
            message="say why you need the child's contact card (at least 4 characters)",
        )
    return stated
