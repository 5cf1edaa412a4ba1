"""Department intake (纳新) rules and the stable matching (DOMAIN.md §1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.recruitment.domain.intake import (
    Assessment,
    Candidate,
    apply_to_intake,
    assess,
    explain,
    match,
    open_intake,
    publish_result,
)
from shared.rules import RuleBroken as IntakeRuleBroken

pytestmark = pytest.mark.unit
NOW = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)


def an_intake(**overrides: object):
    arguments: dict[str, object] = {
        "college": "cs",
        "intake_id": "2026-autumn",
        "title": "2026 秋季纳新",
        "capacities": {"publicity": 1, "sports": 2, "organisation": 1},
        "max_choices": 3,
        "intake_exists": False,
        "now": NOW,
    }
    arguments.update(overrides)
    return open_intake(**arguments)  # type: ignore[arg-type]


def candidate(cid: str, *choices: str, minutes: int = 0) -> Candidate:
    return Candidate(cid, cid, choices, NOW + timedelta(minutes=minutes))


def refused(call, **kwargs) -> IntakeRuleBroken:
    with pytest.raises(IntakeRuleBroken) as caught:
        call(**kwargs)
    return caught.value


# --- opening --------------------------------------------------------------------------


def test_an_intake_opens_with_the_default_three_choices() -> None:
    intake = an_intake()
    assert intake.max_choices == 3 and not intake.published


def test_an_intake_id_used_twice_is_refused() -> None:
    assert refused(an_intake, intake_exists=True).rule == "intake_id_taken"


def test_an_intake_without_departments_is_refused() -> None:
    assert refused(an_intake, capacities={}).rule == "at_least_one_department"


def test_an_unknown_department_is_refused() -> None:
    assert refused(an_intake, capacities={"karaoke": 3}).rule == "known_department"


def test_a_department_with_no_places_is_refused() -> None:
    assert refused(an_intake, capacities={"sports": 0}).rule == "capacity_at_least_one"


def test_with_fewer_than_three_departments_the_default_is_all_of_them() -> None:
    assert an_intake(capacities={"sports": 2}, max_choices=None).max_choices == 1


def test_more_choices_than_departments_is_refused() -> None:
    broken = refused(an_intake, capacities={"sports": 2}, max_choices=3)
    assert (broken.field, broken.rule) == ("max_choices", "choices_within_departments")


# --- applying -------------------------------------------------------------------------


def apply(**overrides: object) -> Candidate:
    arguments: dict[str, object] = {
        "candidate_id": "s1",
        "name": "李明",
        "choices": ["publicity", "sports"],
        "already_applied": False,
        "now": NOW,
    }
    arguments.update(overrides)
    intake = overrides.pop("intake", None) or an_intake()
    arguments.pop("intake", None)
    return apply_to_intake(intake, **arguments)  # type: ignore[arg-type]


def test_a_candidate_ranks_departments_best_first() -> None:
    assert apply().choices == ("publicity", "sports")


def test_a_second_application_to_the_same_intake_is_refused() -> None:
    assert refused(apply, already_applied=True).rule == "one_application_per_intake"


def test_ranking_more_than_n_departments_is_refused() -> None:
    intake = an_intake(max_choices=2)
    broken = refused(apply, intake=intake, choices=["publicity", "sports", "organisation"])
    assert (broken.field, broken.rule) == ("choices", "at_most_n_choices")


def test_ranking_no_department_is_refused() -> None:
    assert refused(apply, choices=[]).rule == "at_least_one_choice"


def test_ranking_a_department_twice_is_refused() -> None:
    assert refused(apply, choices=["sports", "sports"]).rule == "no_duplicate_choices"


def test_ranking_a_department_not_in_the_intake_is_refused() -> None:
    assert refused(apply, choices=["finance"]).rule == "department_in_intake"


def test_applying_after_the_result_is_published_is_refused() -> None:
    published, _, _ = publish_result(an_intake(), candidates=[], assessments=[], now=NOW)
    assert refused(apply, intake=published).rule == "intake_already_published"


# --- assessing ------------------------------------------------------------------------


def test_an_assessor_scores_communication_and_planning() -> None:
    scored = assess(an_intake(), apply(), department="sports", communication=80, planning=90)
    assert scored.score_x2 == 170


def test_scoring_a_department_the_candidate_did_not_choose_is_refused() -> None:
    broken = refused(
        assess,
        intake=an_intake(),
        candidate=apply(),
        department="organisation",
        communication=80,
        planning=80,
    )
    assert (broken.field, broken.rule) == ("department", "department_chosen_by_candidate")


@pytest.mark.parametrize("field", ["communication", "planning"])
def test_a_score_outside_0_to_100_is_refused(field: str) -> None:
    scores = {"communication": 50, "planning": 50, field: 101}
    broken = refused(assess, intake=an_intake(), candidate=apply(), department="sports", **scores)
    assert (broken.field, broken.rule) == (field, "score_0_to_100")


# --- matching -------------------------------------------------------------------------


def scores(*rows: tuple[str, str, int, int]) -> list[Assessment]:
    return [Assessment(c, d, comm, plan) for c, d, comm, plan in rows]


def test_the_higher_scoring_candidate_takes_the_only_place() -> None:
    people = [candidate("a", "publicity", "sports"), candidate("b", "publicity", "sports")]
    marks = scores(
        ("a", "publicity", 70, 70), ("b", "publicity", 90, 80),
        ("a", "sports", 60, 60), ("b", "sports", 60, 60),
    )  # fmt: skip
    assert match({"publicity": 1, "sports": 2}, people, marks) == {"b": "publicity", "a": "sports"}


def test_a_tie_goes_to_the_earlier_application() -> None:
    people = [candidate("late", "publicity", minutes=5), candidate("early", "publicity")]
    marks = scores(("late", "publicity", 80, 80), ("early", "publicity", 80, 80))
    assert match({"publicity": 1}, people, marks) == {"early": "publicity"}


def test_a_tie_at_the_same_instant_goes_to_the_smaller_id() -> None:
    people = [candidate("s2", "publicity"), candidate("s1", "publicity")]
    marks = scores(("s2", "publicity", 80, 80), ("s1", "publicity", 80, 80))
    assert match({"publicity": 1}, people, marks) == {"s1": "publicity"}


def test_a_candidate_a_department_did_not_assess_is_not_admitted_there() -> None:
    people = [candidate("a", "publicity")]
    assert match({"publicity": 3}, people, []) == {}


def test_a_department_never_admits_beyond_its_capacity() -> None:
    people = [candidate(f"s{i}", "sports") for i in range(5)]
    marks = scores(*[(f"s{i}", "sports", 50 + i, 50) for i in range(5)])
    assert sorted(match({"sports": 2}, people, marks)) == ["s3", "s4"]


def test_a_displaced_candidate_falls_to_the_next_choice() -> None:
    # a proposes first to publicity, then b (better there) displaces a, who goes to sports.
    people = [candidate("a", "publicity", "sports"), candidate("b", "publicity")]
    marks = scores(("a", "publicity", 60, 60), ("a", "sports", 60, 60), ("b", "publicity", 90, 90))
    assert match({"publicity": 1, "sports": 1}, people, marks) == {"b": "publicity", "a": "sports"}


def test_the_explanation_names_the_choice_that_admitted() -> None:
    people = [candidate("a", "publicity")]
    marks = scores(("a", "publicity", 80, 80))
    [outcome] = explain(people, marks, {"a": "publicity"}, {"publicity": 1})
    assert outcome.explanation == "admitted by 宣传部, your 1st choice"
    assert outcome.choice_rank == 1


def test_the_explanation_gives_the_cutoff_of_a_full_department() -> None:
    people = [
        candidate("a", "organisation", "sports"),
        candidate("b", "organisation"),
    ]
    marks = scores(
        ("a", "organisation", 70, 70), ("a", "sports", 60, 60), ("b", "organisation", 82, 83)
    )
    admitted = match({"organisation": 1, "sports": 1}, people, marks)
    outcomes = {o.candidate_id: o for o in explain(people, marks, admitted, {})}
    assert outcomes["a"].explanation == (
        "not admitted by 组织部 (your 1st choice): its 1 place went to candidates scoring ≥ 82.5;"
        " admitted by 体育部, your 2nd choice"
    )
    assert outcomes["a"].choice_rank == 2


def test_the_explanation_says_when_no_department_admitted() -> None:
    people = [candidate("a", "sports")]
    [outcome] = explain(people, [], {}, {"sports": 1})
    assert outcome.department is None
    assert outcome.explanation.endswith("no department admitted you this time")
    assert "did not assess you" in outcome.explanation


def test_publishing_counts_admissions_per_department_and_the_unplaced() -> None:
    people = [candidate("a", "sports"), candidate("b", "sports"), candidate("c", "sports")]
    marks = scores(*[(c, "sports", 60, 60) for c in "abc"])
    intake = an_intake()
    published, outcomes, event = publish_result(
        intake, candidates=people, assessments=marks, now=NOW
    )
    assert published.published_at == NOW
    assert event.admitted_by_department == {"publicity": 0, "sports": 2, "organisation": 0}
    assert event.unplaced == 1 and event.intake_id == "2026-autumn"
    assert len(outcomes) == 3


def test_a_result_is_published_only_once() -> None:
    published, _, _ = publish_result(an_intake(), candidates=[], assessments=[], now=NOW)
    broken = refused(publish_result, intake=published, candidates=[], assessments=[], now=NOW)
    assert broken.rule == "intake_already_published"
