"""Membership lifecycle and the attendance sanctions that end it (DOMAIN.md §1, §2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.recruitment.domain.memberships import (
    Membership,
    SanctionEffect,
    effect_of_sanction,
    end,
    start,
)
from shared.rules import RuleBroken as MembershipRuleBroken

pytestmark = pytest.mark.unit
NOW = datetime(2026, 9, 20, tzinfo=UTC)


def member(**overrides: object) -> Membership:
    arguments: dict[str, object] = {
        "membership_id": uuid4(),
        "college": "cs",
        "person_id": "s1",
        "organisation_kind": "department",
        "organisation_id": "publicity",
        "how": "admitted",
        "role": "member",
        "already_a_member": False,
        "now": NOW,
    }
    arguments.update(overrides)
    membership, _ = start(**arguments)  # type: ignore[arg-type]
    return membership


def test_starting_a_membership_announces_it_keyed_by_person() -> None:
    membership, event = start(
        membership_id=uuid4(), college="cs", person_id="s1", organisation_kind="brigade",
        organisation_id="b1", how="admitted", role="captain", already_a_member=False, now=NOW,
    )  # fmt: skip
    assert membership.active
    assert (event.how, event.role, event.aggregate_id) == ("admitted", "captain", "s1")


def test_a_person_already_a_member_cannot_join_again() -> None:
    with pytest.raises(MembershipRuleBroken) as caught:
        member(already_a_member=True)
    assert (caught.value.field, caught.value.rule) == ("person_id", "already_a_member")


def test_an_officer_withdraws_a_member_with_a_reason() -> None:
    ended, event = end(member(), how="withdrawn", reason="学业繁忙", now=NOW + timedelta(days=3))
    assert not ended.active and ended.how_ended == "withdrawn"
    assert (event.how, event.reason) == ("withdrawn", "学业繁忙")


def test_a_membership_ends_only_once() -> None:
    ended, _ = end(member(), how="expelled", reason="x", now=NOW)
    with pytest.raises(MembershipRuleBroken) as caught:
        end(ended, how="withdrawn", reason="y", now=NOW)
    assert caught.value.rule == "membership_already_ended"


def test_ending_without_a_reason_is_refused() -> None:
    with pytest.raises(MembershipRuleBroken) as caught:
        end(member(), how="withdrawn", reason="  ", now=NOW)
    assert caught.value.rule == "reason_required"


@pytest.mark.parametrize("sanction", ["compulsory_withdrawal", "expulsion"])
def test_compulsory_withdrawal_and_expulsion_end_the_membership(sanction: str) -> None:
    effect = effect_of_sanction(
        sanction=sanction, active_membership=member(), imposed_at=NOW + timedelta(days=1)
    )
    assert effect is SanctionEffect.MEMBERSHIP_ENDED


def test_a_verbal_warning_is_recorded_and_changes_nothing() -> None:
    effect = effect_of_sanction(
        sanction="verbal_warning", active_membership=member(), imposed_at=NOW
    )
    assert effect is SanctionEffect.RECORDED_ONLY


def test_a_sanction_for_someone_not_a_member_is_recorded_and_ignored() -> None:
    effect = effect_of_sanction(sanction="expulsion", active_membership=None, imposed_at=NOW)
    assert effect is SanctionEffect.NO_ACTIVE_MEMBERSHIP


def test_a_sanction_older_than_the_current_membership_changes_nothing() -> None:
    effect = effect_of_sanction(
        sanction="expulsion", active_membership=member(), imposed_at=NOW - timedelta(days=30)
    )
    assert effect is SanctionEffect.PREDATES_MEMBERSHIP
