"""The pairing matcher: loads and places respected, every child paired when possible, optimal."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import replace
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.recruitment.domain.pairing import (
    ChildToPair,
    PairingMode,
    PairingOptions,
    VolunteerToPair,
    pairing_options,
    pairing_score,
)
from services.recruitment.pairing.solver import propose_pairings
from tools.bench.recruitment import generate_county

pytestmark = pytest.mark.unit

SCHOOLS = ("s1", "s2", "s3")
COUNTIES = ("县A", "县B")
SUBJECTS = ("英语", "数学", "语文", "美术")
ONE_TO_ONE = pairing_options(mode=PairingMode.ONE_TO_ONE, volunteers_per_child=1)


@st.composite
def counties(
    draw: st.DrawFn, max_children: int = 12, max_volunteers: int = 10
) -> tuple[list[ChildToPair], list[VolunteerToPair]]:
    n_volunteers = draw(st.integers(0, max_volunteers))
    volunteers = [
        VolunteerToPair(
            volunteer_id=f"v{i}",
            skills=tuple(draw(st.lists(st.sampled_from(SUBJECTS), max_size=3, unique=True))),
            county=draw(st.sampled_from((*COUNTIES, None))),
            school_id=draw(st.sampled_from((*SCHOOLS, None))),
            max_children=draw(st.integers(1, 3)),
            current_load=draw(st.integers(0, 1)),
        )
        for i in range(n_volunteers)
    ]
    ids = [v.volunteer_id for v in volunteers]
    children = [
        ChildToPair(
            beneficiary_id=UUID(int=i + 1),
            school_id=draw(st.sampled_from(SCHOOLS)),
            county=draw(st.sampled_from(COUNTIES)),
            subject_needs=tuple(draw(st.lists(st.sampled_from(SUBJECTS), max_size=3, unique=True))),
            last_volunteer_id=draw(st.sampled_from([None, *ids])),
        )
        for i in range(draw(st.integers(0, max_children)))
    ]
    return children, volunteers


modes = st.one_of(
    st.just(ONE_TO_ONE),
    st.integers(1, 3).map(
        lambda k: pairing_options(mode=PairingMode.MANY_TO_ONE, volunteers_per_child=k)
    ),
)


@settings(max_examples=100, deadline=None)
@given(counties(), modes)
def test_a_volunteers_load_and_a_childs_places_are_never_exceeded(
    county: tuple[list[ChildToPair], list[VolunteerToPair]], options: PairingOptions
) -> None:
    children, volunteers = county
    plan = propose_pairings(children, volunteers, options)
    per_volunteer = Counter(p.volunteer_id for p in plan.proposals)
    per_child = Counter(p.beneficiary_id for p in plan.proposals)
    spare = {v.volunteer_id: v.spare_capacity for v in volunteers}
    assert all(per_volunteer[v] <= spare[v] for v in per_volunteer)
    assert all(n <= options.volunteers_per_child for n in per_child.values())
    assert len(set((p.beneficiary_id, p.volunteer_id) for p in plan.proposals)) == len(
        plan.proposals
    )


@settings(max_examples=100, deadline=None)
@given(counties(), modes)
def test_every_child_is_paired_when_the_volunteers_loads_allow_it(
    county: tuple[list[ChildToPair], list[VolunteerToPair]], options: PairingOptions
) -> None:
    children, volunteers = county
    plan = propose_pairings(children, volunteers, options)
    spare = sum(v.spare_capacity for v in volunteers)
    paired = {p.beneficiary_id for p in plan.proposals}
    assert len(paired) == min(len(children), spare)
    assert len(plan.unpaired) == len(children) - len(paired)


def _best_one_to_one(
    children: list[ChildToPair], volunteers: list[VolunteerToPair]
) -> tuple[int, int]:
    """(pairs, total score) of the best assignment, by trying them all."""
    slots = [v for v in volunteers for _ in range(v.spare_capacity)]
    best = (0, 0)
    for chosen in itertools.product([None, *range(len(slots))], repeat=len(children)):
        used = [s for s in chosen if s is not None]
        if len(used) != len(set(used)):
            continue
        score = sum(
            pairing_score(c, slots[s])
            for c, s in zip(children, chosen, strict=True)
            if s is not None
        )
        best = max(best, (len(used), score))
    return best


@settings(max_examples=60, deadline=None)
@given(counties(max_children=4, max_volunteers=3))
def test_the_pairing_is_the_best_there_is(
    county: tuple[list[ChildToPair], list[VolunteerToPair]],
) -> None:
    children, volunteers = county
    volunteers = [v for v in volunteers if v.spare_capacity <= 2]
    plan = propose_pairings(children, volunteers, ONE_TO_ONE)
    assert (len(plan.proposals), plan.objective) == _best_one_to_one(children, volunteers)


def test_continuity_with_last_seasons_volunteer_is_kept_when_feasible() -> None:
    old_friend = VolunteerToPair("old-friend", ("体育",), "县B", None, max_children=1)
    near = VolunteerToPair("near", ("英语",), "县A", "s1", max_children=1)
    kid = ChildToPair(UUID(int=1), "s1", "县A", ("英语",), last_volunteer_id="old-friend")
    other = ChildToPair(UUID(int=2), "s1", "县A", ("英语",))
    plan = propose_pairings([kid, other], [near, old_friend], ONE_TO_ONE)
    chosen = {p.beneficiary_id: p.volunteer_id for p in plan.proposals}
    assert chosen == {kid.beneficiary_id: "old-friend", other.beneficiary_id: "near"}
    assert "延续上一期结对 continues last season's pairing" in plan.proposals[0].reasons


def test_several_to_one_pairs_every_child_before_giving_anyone_a_second_volunteer() -> None:
    options = pairing_options(mode=PairingMode.MANY_TO_ONE, volunteers_per_child=2)
    volunteers = [VolunteerToPair(f"v{i}", ("英语",), "县A", "s1", 1) for i in range(3)]
    children = [ChildToPair(UUID(int=i + 1), "s1", "县A", ("英语",)) for i in range(3)]
    plan = propose_pairings(children, volunteers, options)
    assert Counter(p.beneficiary_id for p in plan.proposals) == {
        c.beneficiary_id: 1 for c in children
    }


def test_children_already_paired_keep_their_volunteers_and_get_no_duplicate() -> None:
    options = pairing_options(mode=PairingMode.MANY_TO_ONE, volunteers_per_child=2)
    v1 = VolunteerToPair("v1", ("英语",), "县A", "s1", 2, current_load=1)
    v2 = VolunteerToPair("v2", (), "县B", None, 1)
    kid = ChildToPair(UUID(int=1), "s1", "县A", ("英语",), current_volunteer_ids=("v1",))
    plan = propose_pairings([kid], [v1, v2], options)
    assert [p.volunteer_id for p in plan.proposals] == ["v2"]


@settings(max_examples=40, deadline=None)
@given(counties(), st.randoms(use_true_random=False))
def test_the_same_county_always_gets_the_same_pairing(
    county: tuple[list[ChildToPair], list[VolunteerToPair]], shuffler: random.Random
) -> None:
    children, volunteers = county
    first = propose_pairings(children, volunteers, ONE_TO_ONE)
    shuffler.shuffle(children)
    shuffler.shuffle(volunteers)
    assert propose_pairings(children, volunteers, ONE_TO_ONE) == first


def test_a_large_county_is_paired_completely_through_the_candidate_shortlist() -> None:
    children, volunteers = generate_county(children=600, volunteers=400, seed=3)
    plan = propose_pairings(children, volunteers, ONE_TO_ONE, candidates_per_child=8)
    assert len(plan.proposals) == min(600, sum(v.spare_capacity for v in volunteers))
    assert not plan.unpaired
    per_volunteer = Counter(p.volunteer_id for p in plan.proposals)
    limits = {v.volunteer_id: v.max_children for v in volunteers}
    assert all(n <= limits[v] for v, n in per_volunteer.items())


def test_a_volunteer_barred_from_a_child_is_never_proposed_for_that_child() -> None:
    # An officer ended the pair early: not even continuity or the best fit brings it back.
    barred = VolunteerToPair("barred", ("英语",), "县A", "s1", max_children=2)
    far = VolunteerToPair("far", (), "县B", None, max_children=2)
    kid = ChildToPair(
        UUID(int=1),
        "s1",
        "县A",
        ("英语",),
        last_volunteer_id="barred",
        barred_volunteer_ids=("barred",),
    )
    other = ChildToPair(UUID(int=2), "s1", "县A", ("英语",))
    plan = propose_pairings([kid, other], [barred, far], ONE_TO_ONE)
    chosen = {p.beneficiary_id: p.volunteer_id for p in plan.proposals}
    assert chosen == {kid.beneficiary_id: "far", other.beneficiary_id: "barred"}
    only_barred = propose_pairings([kid], [barred], ONE_TO_ONE)
    assert only_barred.proposals == () and only_barred.unpaired == (kid,)


@settings(max_examples=60, deadline=None)
@given(counties(), modes, st.data())
def test_no_run_proposes_a_barred_pair_even_through_the_shortlist_rounds(
    county: tuple[list[ChildToPair], list[VolunteerToPair]],
    options: PairingOptions,
    data: st.DataObject,
) -> None:
    children, volunteers = county
    ids = [v.volunteer_id for v in volunteers]
    children = [
        replace(
            c, barred_volunteer_ids=tuple(data.draw(st.lists(st.sampled_from(ids), unique=True)))
        )
        if ids
        else c
        for c in children
    ]
    plan = propose_pairings(children, volunteers, options, candidates_per_child=2)
    barred = {(c.beneficiary_id, v) for c in children for v in c.barred_volunteer_ids}
    assert not {(p.beneficiary_id, p.volunteer_id) for p in plan.proposals} & barred
