"""An officer's dismissal (辞退, DOMAIN.md §3) ends the membership it names, like a
compulsory withdrawal whose reason says 辞退; annulled, it starts that membership again
(the ended one stays ended). Warnings and notices of criticism are evaluation's alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.recruitment.consumers import CONSUMERS, STAFF_SANCTIONS
from services.recruitment.domain.memberships import (
    SANCTION_ENDS_AS,
    AnnulmentEffect,
    Membership,
    RecordedSanction,
    SanctionEffect,
    effect_of_annulment,
    end_reason,
    is_staff_dismissal,
    receive_annulled_sanction,
    receive_sanction,
    staff_dismissal,
    start,
)
from shared.events.evaluation import (
    StaffAssessmentPublished,
    StaffSanctionAnnulled,
    StaffSanctionImposed,
    StaffSanctionKind,
)
from shared.events.recruitment import OrganisationKind
from shared.events.registry import EVALUATION_STAFF_ASSESSMENTS

pytestmark = pytest.mark.unit
NOW = datetime(2026, 10, 20, tzinfo=UTC)


def member(kind: OrganisationKind = "department", organisation: str = "publicity") -> Membership:
    membership, _ = start(
        membership_id=uuid4(), college="cs", person_id="s1", organisation_kind=kind,
        organisation_id=organisation, how="admitted", role="deputy_head",
        already_a_member=False, now=NOW - timedelta(days=40),
    )  # fmt: skip
    return membership


def imposed(
    kind: StaffSanctionKind = "dismissal",
    organisation: tuple[OrganisationKind, str] | None = ("department", "publicity"),
) -> StaffSanctionImposed:
    organisation_kind, organisation_id = organisation or (None, None)
    return StaffSanctionImposed(
        college="cs", sanction_id=uuid4(), person_id="s1", term="2026-autumn", kind=kind,
        reason="多次值班擅自离岗", imposed_by="cs-officer", imposed_at=NOW,
        organisation_kind=organisation_kind, organisation_id=organisation_id,
    )  # fmt: skip


def on_file(membership: Membership | None) -> RecordedSanction:
    """The dismissal from the organisation of `membership` (or publicity), on file."""
    named = (membership.organisation_kind, membership.organisation_id) if membership else None
    dismissal = staff_dismissal(imposed(organisation=named or ("department", "publicity")))
    assert dismissal is not None
    return receive_sanction(dismissal, active_membership=membership)


def test_a_dismissal_ends_the_membership_it_names_as_a_compulsory_withdrawal() -> None:
    dismissal = staff_dismissal(imposed())
    assert dismissal is not None
    assert (dismissal.organisation_kind, dismissal.organisation_id) == ("department", "publicity")
    recorded = receive_sanction(dismissal, active_membership=(current := member()))
    assert (recorded.sanction, recorded.effect) == ("dismissal", SanctionEffect.MEMBERSHIP_ENDED)
    assert recorded.membership_id == current.id
    assert SANCTION_ENDS_AS[recorded.sanction] == "compulsory_withdrawal"
    # MembershipEnded.v1 knows no "dismissed": the reason says it.
    assert end_reason(dismissal) == "辞退: 多次值班擅自离岗"


def test_a_dismissal_from_an_organisation_the_person_is_not_in_is_recorded_and_ends_nothing() -> (
    None
):
    assert on_file(None).effect is SanctionEffect.NO_ACTIVE_MEMBERSHIP


@pytest.mark.parametrize("kind", ["warning", "notice_of_criticism"])
def test_warnings_and_notices_of_criticism_are_not_recruitments_to_record(
    kind: StaffSanctionKind,
) -> None:
    assert staff_dismissal(imposed(kind, organisation=None)) is None


def test_a_dismissal_naming_no_organisation_ends_nothing() -> None:
    """Imposed before dismissals named their organisation: nothing to end, nothing filed."""
    assert staff_dismissal(imposed(organisation=None)) is None


def test_an_attendance_sanction_keeps_its_own_reason() -> None:
    dismissal = staff_dismissal(imposed())
    assert dismissal is not None
    attendance = replace(dismissal, sanction="expulsion", reason="无故缺席例会超过3次")
    assert end_reason(attendance) == "无故缺席例会超过3次"


def test_an_annulled_dismissal_starts_the_membership_it_ended_again() -> None:
    recorded = on_file(member())
    effect = effect_of_annulment(recorded, member_again=False, in_another_unit=False)
    assert effect is AnnulmentEffect.MEMBERSHIP_STARTED


def test_an_annulled_dismissal_starts_nothing_when_the_person_is_a_member_again() -> None:
    recorded = on_file(member())
    effect = effect_of_annulment(recorded, member_again=True, in_another_unit=True)
    assert effect is AnnulmentEffect.MEMBER_AGAIN


def test_an_annulled_dismissal_that_ended_nothing_starts_nothing() -> None:
    effect = effect_of_annulment(on_file(None), member_again=False, in_another_unit=False)
    assert effect is AnnulmentEffect.NOTHING_ENDED


def test_a_corps_unit_is_not_given_back_beside_another_of_its_kind() -> None:
    recorded = on_file(member("brigade", "b1"))
    effect = effect_of_annulment(recorded, member_again=False, in_another_unit=True)
    assert effect is AnnulmentEffect.IN_ANOTHER_UNIT
    # A department beside another department is no obstacle.
    effect = effect_of_annulment(on_file(member()), member_again=False, in_another_unit=True)
    assert effect is AnnulmentEffect.MEMBERSHIP_STARTED


def test_an_annulment_applies_once_and_only_to_a_dismissal() -> None:
    recorded = on_file(member())
    annulled = replace(
        recorded, annulled_at=NOW, annulment_effect=AnnulmentEffect.MEMBERSHIP_STARTED
    )
    assert effect_of_annulment(annulled, member_again=False, in_another_unit=False) is None
    attendance = replace(recorded, sanction="compulsory_withdrawal")
    assert effect_of_annulment(attendance, member_again=False, in_another_unit=False) is None


def annulment_of(event: StaffSanctionImposed) -> StaffSanctionAnnulled:
    return StaffSanctionAnnulled(
        **event.model_dump(include={"college", "sanction_id", "person_id", "term", "kind"}),
        reason="经核实系误记", annulled_by="cs-chair", annulled_at=NOW + timedelta(hours=1),
        organisation_kind=event.organisation_kind, organisation_id=event.organisation_id,
    )  # fmt: skip


def test_a_dismissal_whose_annulment_came_first_is_on_file_annulled_and_ends_nothing() -> None:
    event = imposed()
    assert is_staff_dismissal(annulment_of(event))  # kept until the dismissal comes
    dismissal = staff_dismissal(event)
    assert dismissal is not None
    recorded = receive_annulled_sanction(dismissal, annulled_at=NOW + timedelta(hours=1))
    assert (recorded.effect, recorded.membership_id) == (SanctionEffect.ANNULLED_FIRST, None)
    assert recorded.annulment_effect is AnnulmentEffect.NOTHING_ENDED
    assert recorded.annulled_at == NOW + timedelta(hours=1)
    # Annulled once: the same annulment again does nothing more.
    assert effect_of_annulment(recorded, member_again=False, in_another_unit=False) is None


def test_only_an_annulled_dismissal_naming_its_organisation_is_kept_ahead() -> None:
    assert not is_staff_dismissal(annulment_of(imposed("warning", None)))
    assert not is_staff_dismissal(annulment_of(imposed("notice_of_criticism", None)))
    assert not is_staff_dismissal(annulment_of(imposed("dismissal", None)))


def test_recruitment_reads_the_officers_sanctions_where_evaluation_publishes_them() -> None:
    assert STAFF_SANCTIONS in CONSUMERS
    assert STAFF_SANCTIONS.topics == (EVALUATION_STAFF_ASSESSMENTS.name,)
    assert STAFF_SANCTIONS.handles(StaffSanctionImposed.event_type)
    assert STAFF_SANCTIONS.handles(StaffSanctionAnnulled.event_type)
    assert not STAFF_SANCTIONS.handles(StaffAssessmentPublished.event_type)
