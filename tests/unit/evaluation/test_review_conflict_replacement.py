"""A conflict declared about a held report: the replacement the service appoints (the
season's problem rebuilt with the conflict and without the released pair, then exactly
one more reviewer for that report) is judged against the raw facts (a withdrawn review's
visibility: test_review_visibility.py)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.evaluation.domain.assignment_checker import check_assignment
from services.evaluation.domain.review_assignment import ReviewAssignmentProblem
from services.evaluation.repository.review_assignments import AssignmentRow
from services.evaluation.repository.reviewers import DeclaredConflict, SeasonReviewer
from services.evaluation.repository.reviews import ReportFacts
from services.evaluation.service.assignments import build_problem, solve_for

pytestmark = pytest.mark.unit

T0 = datetime(2026, 9, 20, tzinfo=UTC)


def facts(i: int, authors: tuple[str, ...], advisor: str | None) -> ReportFacts:
    return ReportFacts(UUID(int=i + 1), "2026-autumn", f"r{i}", authors, advisor, 1)


@st.composite
def seasons(draw: st.DrawFn) -> tuple[list[ReportFacts], list[SeasonReviewer], dict[str, int]]:
    people = [f"v{i}" for i in range(draw(st.integers(2, 7)))]
    reports = [
        facts(
            i,
            tuple(draw(st.sets(st.sampled_from([*people, "s0", "s1", "s2"]), min_size=1))),
            draw(st.none() | st.sampled_from(people)),
        )
        for i in range(draw(st.integers(1, 6)))
    ]
    loads = {p: draw(st.integers(0, 4)) for p in people}
    return reports, [SeasonReviewer(p, loads[p], None, True, 0, 0) for p in people], loads


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seasons(), st.data())
def test_the_replacement_is_the_least_loaded_eligible_reviewer_or_nobody(
    season: tuple[list[ReportFacts], list[SeasonReviewer], dict[str, int]], data: st.DataObject
) -> None:
    reports, reviewers, loads = season

    def problem(
        existing: list[AssignmentRow], conflicts: list[DeclaredConflict]
    ) -> ReviewAssignmentProblem:
        return build_problem(
            reports=reports,
            reviewers=reviewers,
            conflicts=conflicts,
            classes={},
            existing=existing,
            min_reviewers=2,
        )

    # Held assignments as any earlier runs, arrivals and extras may have left them: no
    # conflict, within the loads, unbalanced.
    load: Counter[str] = Counter()
    held = []
    for report in reports:
        for person in data.draw(st.permutations(sorted(loads))):
            if (
                person not in report.author_ids
                and person != report.advisor_id
                and load[person] < loads[person]
                and data.draw(st.booleans())
            ):
                held.append(AssignmentRow(report.report_id, person, "initial", T0))
                load[person] += 1
    if not held:
        return
    released = data.draw(st.sampled_from(held))
    conflict = DeclaredConflict(
        uuid4(), released.reviewer_id, released.report_id, None, "亲属", "chair", T0
    )
    kept = [a for a in held if a != released]
    whole = problem(kept, [conflict])
    target = str(released.report_id)
    on_report = {a.reviewer_id for a in kept if a.report_id == released.report_id}
    result, check = solve_for(whole, {target}, len(on_report) + 1)

    report = next(r for r in reports if r.report_id == released.report_id)
    load = Counter(a.reviewer_id for a in kept)
    assert check_assignment(problem(held, []), [*problem(held, []).existing]).valid
    eligible = {
        p
        for p in loads
        if p != released.reviewer_id
        and p not in on_report
        and p not in report.author_ids
        and p != report.advisor_id
        and load[p] < loads[p]
    }
    if not eligible:
        assert result.new_assignments == ()
        return
    (pair,) = result.new_assignments
    assert pair.report_id == target and pair.reviewer_id in eligible
    assert load[pair.reviewer_id] == min(load[p] for p in eligible)
    after = check_assignment(whole, (*whole.existing, pair))
    assert after.valid and check.valid
    assert (target, released.reviewer_id) not in {
        (a.report_id, a.reviewer_id) for a in (*whole.existing, pair)
    }
