"""Property: the intake matching is stable, within capacity, and only on candidates' lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.recruitment.domain.intake import (
    DEPARTMENTS,
    Assessment,
    Candidate,
    department_rankings,
    match,
)

pytestmark = pytest.mark.unit
NOW = datetime(2026, 9, 10, tzinfo=UTC)
CODES = sorted(DEPARTMENTS)[:5]


@st.composite
def intakes(draw: st.DrawFn) -> tuple[dict[str, int], list[Candidate], list[Assessment]]:
    capacities = {d: draw(st.integers(1, 4)) for d in CODES}
    n = draw(st.integers(0, 25))
    candidates, assessments = [], []
    for i in range(n):
        choices = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True))
        candidates.append(
            Candidate(
                f"c{i:02d}",
                f"c{i}",
                tuple(choices),
                NOW + timedelta(minutes=draw(st.integers(0, 3))),
            )
        )
        for department in choices:
            if draw(st.integers(0, 9)) > 0:  # now and then a department did not assess
                score = st.integers(0, 100)
                assessments.append(Assessment(f"c{i:02d}", department, draw(score), draw(score)))
    return capacities, candidates, assessments


@settings(max_examples=300, deadline=None)
@given(intakes())
def test_the_intake_matching_is_stable_within_capacity_and_on_the_lists(
    case: tuple[dict[str, int], list[Candidate], list[Assessment]],
) -> None:
    capacities, candidates, assessments = case
    admitted = match(capacities, candidates, assessments)
    rank = department_rankings(candidates, assessments)
    by_id = {c.candidate_id: c for c in candidates}

    for department, capacity in capacities.items():
        assert sum(1 for d in admitted.values() if d == department) <= capacity
    for cid, department in admitted.items():
        assert department in by_id[cid].choices
        assert cid in rank[department]  # only admitted where assessed

    # No blocking pair: nobody prefers a department that has room for them or holds someone worse.
    for c in candidates:
        placed = admitted.get(c.candidate_id)
        better = c.choices[: c.choices.index(placed)] if placed else c.choices
        for department in better:
            mine = rank.get(department, {}).get(c.candidate_id)
            if mine is None:
                continue
            held = [rank[department][o] for o, d in admitted.items() if d == department]
            assert len(held) == capacities[department], "a department with room refused someone"
            assert all(place < mine for place in held), "a department holds someone it likes less"
