"""Officers' sanctions in the staff assessment (DOMAIN.md §3: warning, notice of criticism,
dismissal): how each lowers conduct, beside scheduling's attendance sanctions, each named
by the figures it made; a member without one keeps the figures of before."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.evaluation.domain.duty_facts import CheckedInFact, SanctionFact
from services.evaluation.domain.officer_sanctions import (
    REASON_MAX_LENGTH,
    DismissedFrom,
    OfficerSanction,
    check_not_own,
    check_one_dismissal,
)
from services.evaluation.domain.staff_assessment import DutyRecord, OfficerScore, Term, assess
from services.evaluation.service.staff import event_figures, stored_figures
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

ME = "p-me"
T0 = datetime(2026, 9, 1, tzinfo=UTC)
TERM = Term("2026-autumn", T0, datetime(2027, 1, 20, tzinfo=UTC))


def record() -> DutyRecord:
    """A member who kept one shift on time and was scored attitude 8 by an officer."""
    kept = CheckedInFact(uuid4(), uuid4(), ME, T0 + timedelta(days=1), False)
    return (
        DutyRecord(ME, TERM).fold(kept).score(OfficerScore(uuid4(), "officer-1", "attitude", 8.0))
    )


def officer(kind: str, reason: str = "值班期间擅自离岗") -> OfficerSanction:
    return OfficerSanction(uuid4(), "officer-1", kind, reason, T0 + timedelta(days=9))  # type: ignore[arg-type]


def attendance(kind: str) -> SanctionFact:
    return SanctionFact(uuid4(), uuid4(), ME, kind, TERM.label, T0 + timedelta(days=4))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "conduct"),
    [("warning", 0.5), ("notice_of_criticism", 0.0), ("dismissal", 0.0)],
)
def test_each_kind_sets_conduct_and_is_named_by_the_figures_it_made(
    kind: str, conduct: float
) -> None:
    sanction = officer(kind)
    before = assess(record())
    after = assess(record().sanction(sanction))
    assert before.figure("conduct").value == 1.0
    assert after.figure("conduct").value == conduct
    assert after.figure("sanctions").value == 1
    for name in ("conduct", "sanctions", "total"):
        assert sanction.sanction_id in after.figure(name).sources
    # presence 1, duty log 0 (no handover), conduct, attitude 0.8: 0.24, 0.12, 0.08, 0.08
    expected = 100 * (0.24 + 0.12 * 0 + 0.08 * conduct + 0.08 * 0.8) / 0.52
    assert after.figure("total").value == pytest.approx(expected, abs=0.01)
    assert after.figure("total").value < before.figure("total").value


def test_warnings_add_up_with_schedulings_verbal_warnings() -> None:
    one_each = record().fold(attendance("verbal_warning")).sanction(officer("warning"))
    assert one_each.conduct().value == 0.0
    assert one_each.sanctions().value == 2
    just_one = record().fold(attendance("verbal_warning"))
    assert just_one.conduct().value == 0.5


@pytest.mark.parametrize(
    ("scheduling", "officers"),
    [
        ("compulsory_withdrawal", "warning"),
        ("verbal_warning", "notice_of_criticism"),
        ("expulsion", "dismissal"),
    ],
)
def test_a_serious_sanction_of_either_side_zeroes_conduct(scheduling: str, officers: str) -> None:
    fact, sanction = attendance(scheduling), officer(officers)
    r = record().fold(fact).sanction(sanction)
    figure = r.conduct()
    assert figure.value == 0.0
    assert figure.sources == {fact.event_id, sanction.sanction_id}
    assert r.sanctions().value == 2


def test_the_same_sanction_again_changes_nothing() -> None:
    sanction = officer("warning")
    once = record().sanction(sanction)
    assert once.sanction(sanction) == once
    assert once.sanction(sanction).conduct().value == 0.5
    with pytest.raises(RuleBroken) as reused:
        once.sanction(OfficerSanction(sanction.sanction_id, "officer-2", "dismissal", "x", T0))
    assert reused.value.rule == "sanction_id_reused"


def test_a_member_without_officers_sanctions_has_the_figures_of_before() -> None:
    """Stored figures keep their keys (no `sanctions` list): publishing again finds the
    very same figures and makes no new version."""
    plain = stored_figures(record().fold(attendance("verbal_warning")))[1]
    assert {frozenset(f) for f in plain} == {
        frozenset({"name", "kind", "value", "weight", "points", "events", "scores"})
    }
    conduct = next(f for f in plain if f["name"] == "conduct")
    assert conduct["value"] == 0.5


def test_stored_figures_name_the_sanctions_apart_from_events_and_scores() -> None:
    fact, sanction = attendance("verbal_warning"), officer("warning")
    total, figures = stored_figures(record().fold(fact).sanction(sanction))
    by_name = {f["name"]: f for f in figures}
    named = {n for n, f in by_name.items() if "sanctions" in f}
    assert named == {"sanctions", "conduct", "total"}
    for name in named:
        assert by_name[name]["sanctions"] == [str(sanction.sanction_id)]
        assert str(sanction.sanction_id) not in by_name[name]["events"]
    assert by_name["conduct"]["events"] == [str(fact.event_id)]
    assert by_name["conduct"]["value"] == 0.0
    assert total == by_name["total"]["value"]
    counted = {f.name: f.events for f in event_figures(figures)}
    assert counted["conduct"] == 2 and counted["sanctions"] == 2


def test_a_sanction_alone_is_a_record_to_assess() -> None:
    only = DutyRecord(ME, TERM).sanction(officer("dismissal"))
    assert assess(only).figure("total").value == 0.0


@pytest.mark.parametrize(
    ("kind", "reason", "rule"),
    [
        ("reprimand", "迟到", "unknown_sanction"),
        ("warning", "", "reason_required"),
        ("warning", "   ", "reason_required"),
        ("warning", "长" * (REASON_MAX_LENGTH + 1), "reason_too_long"),
    ],
)
def test_a_sanction_is_of_a_known_kind_and_says_why(kind: str, reason: str, rule: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        officer(kind, reason)
    assert refused.value.rule == rule and refused.value.invalid


def test_nobody_sanctions_themself() -> None:
    with pytest.raises(RuleBroken) as own:
        check_not_own(officer_id="officer-1", person_id="officer-1")
    assert own.value.rule == "own_sanction" and not own.value.invalid
    check_not_own(officer_id="officer-1", person_id=ME)


# --- annulment ---------------------------------------------------------------------------------


def annulled(sanction: OfficerSanction, reason: str = "经核实系误记") -> OfficerSanction:
    return sanction.annul(person_id=ME, by="officer-2", reason=reason, at=T0 + timedelta(days=12))


@pytest.mark.parametrize("kind", ["warning", "notice_of_criticism", "dismissal"])
def test_an_annulled_sanction_no_longer_counts(kind: str) -> None:
    sanction, base = officer(kind), record()
    imposed = base.sanction(sanction)
    withdrawn = base.sanction(annulled(sanction))
    assert imposed.conduct().value < 1.0
    before, after = assess(base), assess(withdrawn)
    for name in ("conduct", "sanctions", "total"):
        assert after.figure(name) == before.figure(name)
        assert sanction.sanction_id not in after.figure(name).sources
    # Stored as if it never was: no `sanctions` key, the figures of the member without it.
    assert stored_figures(withdrawn) == stored_figures(base)


def test_an_annulment_leaves_the_sanction_as_imposed_and_the_figures_it_made() -> None:
    """A version published before the annulment keeps its figures: annulling gives a new
    sanction value; the one the version was computed from still counts as it did."""
    sanction, base = officer("notice_of_criticism"), record()
    published = stored_figures(base.sanction(sanction))
    withdrawn = annulled(sanction)
    assert sanction.counts and sanction.annulment is None
    assert not withdrawn.counts and withdrawn.annulment is not None
    assert (withdrawn.annulment.annulled_by, withdrawn.annulment.reason) == (
        "officer-2",
        "经核实系误记",
    )
    assert (withdrawn.kind, withdrawn.reason, withdrawn.officer_id) == (
        sanction.kind,
        sanction.reason,
        sanction.officer_id,
    )
    assert stored_figures(base.sanction(sanction)) == published
    assert stored_figures(base.sanction(withdrawn)) != published
    conduct = next(f for f in published[1] if f["name"] == "conduct")
    assert conduct["value"] == 0.0 and conduct["sanctions"] == [str(sanction.sanction_id)]


def test_annulling_one_of_two_leaves_the_other_counted() -> None:
    first, second = officer("warning"), officer("warning")
    r = record().sanction(annulled(first)).sanction(second)
    assert r.conduct().value == 0.5
    assert r.conduct().sources == {second.sanction_id}
    assert r.sanctions().value == 1
    assert r.counted_sanctions == (second,)


def test_a_record_of_annulled_sanctions_only_has_nothing_counted() -> None:
    r = DutyRecord(ME, TERM).sanction(annulled(officer("dismissal")))
    assert r.counted_sanctions == () and len(r.officer_sanctions) == 1
    assert r.conduct().value == 1.0 and r.sanctions().value == 0


def test_an_annulment_is_once_says_why_and_is_never_the_members_own() -> None:
    sanction = officer("warning")
    with pytest.raises(RuleBroken) as twice:
        annulled(annulled(sanction))
    assert twice.value.rule == "already_annulled" and not twice.value.invalid
    with pytest.raises(RuleBroken) as own:
        sanction.annul(person_id=ME, by=ME, reason="我没有离岗", at=T0)
    assert own.value.rule == "own_sanction" and not own.value.invalid
    for reason, rule in (("", "reason_required"), (" ", "reason_required")):
        with pytest.raises(RuleBroken) as bad:
            annulled(sanction, reason)
        assert (bad.value.rule, bad.value.field, bad.value.invalid) == (rule, "reason", True)
    with pytest.raises(RuleBroken) as long:
        annulled(sanction, "长" * (REASON_MAX_LENGTH + 1))
    assert long.value.rule == "reason_too_long"
    assert annulled(sanction, "长" * REASON_MAX_LENGTH).annulment is not None


# --- one dismissal at a time -----------------------------------------------------------------


def test_a_second_dismissal_is_refused_while_the_first_stands() -> None:
    dismissal = officer("dismissal")
    with pytest.raises(RuleBroken) as again:
        check_one_dismissal([officer("warning"), dismissal], "dismissal")
    assert (again.value.rule, again.value.field, again.value.invalid) == (
        "already_dismissed",
        "kind",
        False,
    )
    # Other kinds beside a dismissal, a first dismissal, one after an annulled one: allowed.
    check_one_dismissal([dismissal], "warning")
    check_one_dismissal([dismissal], "notice_of_criticism")
    check_one_dismissal([officer("warning")], "dismissal")
    check_one_dismissal([annulled(dismissal)], "dismissal")


def test_a_member_of_two_organisations_may_be_dismissed_from_each_once() -> None:
    office = DismissedFrom("department", "office")
    corps = DismissedFrom("brigade", "b-1")
    from_office = replace(officer("dismissal"), organisation=office)
    # From another organisation: allowed; from the same one again: refused.
    check_one_dismissal([from_office], "dismissal", corps)
    with pytest.raises(RuleBroken) as again:
        check_one_dismissal([officer("warning"), from_office], "dismissal", office)
    assert again.value.rule == "already_dismissed"
    check_one_dismissal([annulled(from_office)], "dismissal", office)
    # A dismissal stored before dismissals named an organisation is its own organisation:
    # it refuses another such, and none naming one.
    legacy = officer("dismissal")
    check_one_dismissal([legacy], "dismissal", office)
    with pytest.raises(RuleBroken):
        check_one_dismissal([legacy, from_office], "dismissal", None)
