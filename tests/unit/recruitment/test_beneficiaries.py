"""The register of children served (档案), DOMAIN.md §1 "Beneficiaries and pairing"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from services.recruitment.domain.beneficiaries import (
    Beneficiary,
    ContactCard,
    SchoolCoverage,
    check_read_purpose,
    may_read_contact_card,
    merge_contact_card,
    register_beneficiary,
    update_beneficiary,
)
from shared.rules import RuleBroken as BeneficiaryRuleBroken

pytestmark = pytest.mark.unit
NOW = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)
CARD = ContactCard(
    name="王小红",
    guardian_name="王奶奶",
    address="湖南省邵阳县塘渡口镇新村3组",
    phone="138 0731 0000",
    parents_workplace="广东东莞某电子厂",
    date_of_birth=date(2016, 3, 1),
)
PERSONAL = ("王小红", "王奶奶", "塘渡口", "138 0731", "东莞")


def register(**overrides: object) -> tuple[Beneficiary, object]:
    arguments: dict[str, object] = {
        "beneficiary_id": uuid4(),
        "college": "cs",
        "school_id": "shaoyang-tangdu-primary",
        "county": "邵阳县",
        "grade": 4,
        "categories": ("left_behind",),
        "subject_needs": ("english", "math"),
        "card": CARD,
        "already_registered": False,
        "now": NOW,
    }
    arguments.update(overrides)
    return register_beneficiary(**arguments)  # type: ignore[arg-type]


def broken(**overrides: object) -> BeneficiaryRuleBroken:
    with pytest.raises(BeneficiaryRuleBroken) as refused:
        register(**overrides)
    return refused.value


def test_a_child_is_registered_and_announced_without_personal_fields() -> None:
    child, event = register()
    assert child.grade == 4 and child.categories == ("left_behind",)
    payload = event.model_dump_json()  # type: ignore[attr-defined]
    assert str(child.id) in payload
    for personal in PERSONAL:
        assert personal not in payload
    assert not {"name", "guardian_name", "address", "phone"} & set(event.model_dump())  # type: ignore[attr-defined]


@pytest.mark.parametrize("grade", [0, 13, -1])
def test_a_grade_outside_1_to_12_is_refused(grade: int) -> None:
    refused = broken(grade=grade)
    assert (refused.field, refused.rule) == ("grade", "grade_1_to_12")


def test_a_child_without_a_category_is_refused() -> None:
    refused = broken(categories=())
    assert (refused.field, refused.rule) == ("categories", "at_least_one_category")


def test_an_unknown_category_is_refused() -> None:
    assert broken(categories=("orphan",)).rule == "known_category"


def test_a_category_listed_twice_is_refused() -> None:
    assert broken(categories=("poor_family", "poor_family")).rule == "no_duplicate_categories"


def test_every_category_of_the_domain_is_accepted_together() -> None:
    child, _ = register(categories=("left_behind", "poor_family", "dropout_risk"))
    assert len(child.categories) == 3


def test_a_subject_need_listed_twice_is_refused() -> None:
    refused = broken(subject_needs=("math", "math"))
    assert (refused.field, refused.rule) == ("subject_needs", "no_duplicate_subject_needs")


@pytest.mark.parametrize("field", ["name", "guardian_name", "address"])
def test_a_contact_card_without_its_required_fields_is_refused(field: str) -> None:
    card = merge_contact_card(CARD, {field: "  "})
    refused = broken(card=card)
    assert (refused.field, refused.rule) == (f"contact_card.{field}", "required")


@pytest.mark.parametrize("phone", ["call me", "12", "+86-138-abc-0000"])
def test_a_phone_that_is_not_a_number_is_refused(phone: str) -> None:
    refused = broken(card=merge_contact_card(CARD, {"phone": phone}))
    assert (refused.field, refused.rule) == ("contact_card.phone", "phone_number")


def test_a_date_of_birth_in_the_future_is_refused() -> None:
    refused = broken(card=merge_contact_card(CARD, {"date_of_birth": date(2027, 1, 1)}))
    assert refused.rule == "born_in_the_past"


@pytest.mark.parametrize("born", [date(1990, 1, 1), date(2025, 1, 1)])
def test_a_date_of_birth_outside_school_age_is_refused(born: date) -> None:
    assert broken(card=merge_contact_card(CARD, {"date_of_birth": born})).rule == "school_age"


def test_a_child_already_in_the_register_is_refused() -> None:
    refused = broken(already_registered=True)
    assert (refused.field, refused.rule) == ("contact_card.name", "one_entry_per_child")


def test_an_update_names_only_the_non_personal_facts_that_changed() -> None:
    child, _ = register()
    later = datetime(2026, 10, 1, tzinfo=UTC)
    updated, event = update_beneficiary(
        child, grade=5, categories=None, subject_needs=None, card=None, now=later
    )
    assert updated.grade == 5 and updated.categories == child.categories
    assert updated.updated_at == later and updated.registered_at == NOW
    assert event.grade == 5 and event.categories is None and event.school_id == child.school_id


def test_a_contact_card_correction_is_announced_with_nothing_personal() -> None:
    child, _ = register()
    corrected = merge_contact_card(CARD, {"phone": "139 0000 1111"})
    _, event = update_beneficiary(
        child, grade=None, categories=None, subject_needs=None, card=corrected, now=NOW
    )
    assert "139 0000 1111" not in event.model_dump_json()
    assert event.grade is None and event.subject_needs is None


def test_an_update_with_nothing_to_change_is_refused() -> None:
    child, _ = register()
    with pytest.raises(BeneficiaryRuleBroken) as refused:
        update_beneficiary(
            child, grade=None, categories=None, subject_needs=None, card=None, now=NOW
        )
    assert refused.value.rule == "something_to_update"


def test_an_update_keeps_the_rules_of_registration() -> None:
    child, _ = register()
    with pytest.raises(BeneficiaryRuleBroken) as refused:
        update_beneficiary(child, grade=None, categories=(), subject_needs=None, card=None, now=NOW)
    assert refused.value.rule == "at_least_one_category"


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        ({"officer"}, True),
        ({"college_admin"}, True),
        ({"student"}, False),
        ({"teacher"}, False),
        ({"reviewer"}, False),
        ({"university_admin"}, False),
    ],
)
def test_only_those_who_serve_the_child_read_the_contact_card(
    roles: set[str], allowed: bool
) -> None:
    assert may_read_contact_card(frozenset(roles)) is allowed


@pytest.mark.parametrize("purpose", [None, "", "   ", "ab"])
def test_a_read_of_personal_fields_without_a_purpose_is_refused(purpose: str | None) -> None:
    with pytest.raises(BeneficiaryRuleBroken) as refused:
        check_read_purpose(purpose)
    assert (refused.value.field, refused.value.rule) == ("purpose", "purpose_required")


def test_a_stated_purpose_is_kept_for_the_log() -> None:
    assert check_read_purpose("  call the guardian about the home visit ") == (
        "call the guardian about the home visit"
    )


def test_coverage_counts_the_unpaired_and_the_percentage_paired() -> None:
    school = SchoolCoverage(school_id="s1", county="邵阳县", registered=8, paired=6)
    assert school.unpaired == 2
    assert school.percentage_paired == 75.0
    assert SchoolCoverage("s2", "邵阳县", registered=3, paired=3).percentage_paired == 100.0


def test_a_school_with_nobody_registered_has_no_percentage() -> None:
    assert SchoolCoverage("s3", "邵阳县", registered=0, paired=0).percentage_paired is None


def test_a_contact_card_never_shows_itself_in_a_log() -> None:
    assert "王小红" not in repr(CARD) and "王小红" not in str(CARD)
