"""Committee review assignment: the checker's rules, and the solver judged by the checker."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.evaluation.assignment.solver import assign_reviewers
from services.evaluation.domain.assignment_checker import (
    check_assignment,
    min_possible_shortfall,
)
from services.evaluation.domain.review_assignment import (
    CONFLICT_ADVISOR,
    CONFLICT_DECLARED,
    CONFLICT_SAME_CLASS,
    CONFLICT_TEAM_MEMBER,
    Assignment,
    ReportToReview,
    ReviewAssignmentProblem,
    ReviewerToAssign,
    Shortfall,
    conflict_reason,
)

pytestmark = pytest.mark.unit


def _report(
    rid: str,
    members: tuple[str, ...] = (),
    advisor: str | None = None,
    classes: tuple[str, ...] = (),
) -> ReportToReview:
    return ReportToReview(rid, frozenset(members), advisor, frozenset(classes))


def _reviewer(
    vid: str, limit: int = 10, cls: str | None = None, declared: tuple[str, ...] = ()
) -> ReviewerToAssign:
    return ReviewerToAssign(vid, limit, cls, frozenset(declared))


# --- the conflict rule and the checker ------------------------------------


def test_each_conflict_reason() -> None:
    report = _report("r1", members=("s1", "s2"), advisor="t1", classes=("c1",))
    assert conflict_reason(report, _reviewer("s1")) == CONFLICT_TEAM_MEMBER
    assert conflict_reason(report, _reviewer("t1")) == CONFLICT_ADVISOR
    assert conflict_reason(report, _reviewer("x", declared=("r1",))) == CONFLICT_DECLARED
    assert conflict_reason(report, _reviewer("x", cls="c1")) == CONFLICT_SAME_CLASS
    assert conflict_reason(report, _reviewer("x", cls="c2", declared=("r2",))) is None


def test_checker_finds_conflicts_overloads_shortfalls_and_spread() -> None:
    problem = ReviewAssignmentProblem(
        reports=(_report("r1", members=("a",)), _report("r2"), _report("r3")),
        reviewers=(_reviewer("a"), _reviewer("b", limit=1), _reviewer("c")),
        min_reviewers=1,
        existing=(Assignment("r3", "c"),),
    )
    check = check_assignment(
        problem,
        [
            Assignment("r1", "a"),
            Assignment("r1", "b"),
            Assignment("r2", "b"),
            Assignment("r9", "b"),
        ],
    )
    assert check.conflicts == ((Assignment("r1", "a"), CONFLICT_TEAM_MEMBER),)
    assert [(o.reviewer_id, o.load, o.limit) for o in check.overloads] == [("b", 2, 1)]
    assert check.below_minimum == (Shortfall("r3", 1),)
    assert check.unknown == (Assignment("r9", "b"),)
    assert check.existing_dropped == (Assignment("r3", "c"),)
    assert check.load_spread == 2  # a 1, b 2, c 0
    assert not check.valid


def test_checker_flags_duplicates_and_accepts_a_clean_answer() -> None:
    problem = ReviewAssignmentProblem((_report("r1"),), (_reviewer("a"), _reviewer("b")), 2)
    assert check_assignment(problem, [Assignment("r1", "a")] * 2).duplicates == (
        Assignment("r1", "a"),
    )
    clean = check_assignment(problem, [Assignment("r1", "a"), Assignment("r1", "b")])
    assert clean.valid and clean.below_minimum == () and clean.load_spread == 0


def test_capacity_bound() -> None:
    problem = ReviewAssignmentProblem(
        (_report("r1", classes=("c",)), _report("r2")),
        (_reviewer("a", limit=1, cls="c"), _reviewer("b", limit=1)),
        2,
    )
    # r1 can only get b; r2 can get a and b, but b has one slot: 4 needed, 2 possible.
    assert min_possible_shortfall(problem) == 2


def test_problem_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        ReviewAssignmentProblem((), (), -1)
    with pytest.raises(ValueError):
        ReviewAssignmentProblem((_report("r"), _report("r")), (), 1)
    with pytest.raises(ValueError):
        ReviewAssignmentProblem((), (_reviewer("a", limit=-1),), 1)


# --- the solver, judged by the checker ------------------------------------


def test_solver_respects_every_conflict_and_balances() -> None:
    reviewers = tuple(_reviewer(f"v{i}", limit=5, cls=f"c{i % 3}") for i in range(6))
    reports = tuple(
        _report(f"r{j}", members=(f"v{j % 6}",), advisor=f"v{(j + 1) % 6}", classes=(f"c{j % 3}",))
        for j in range(9)
    )
    problem = ReviewAssignmentProblem(reports, reviewers, 2)
    result = assign_reviewers(problem)
    check = check_assignment(problem, result.assignments)
    assert check.valid
    assert check.below_minimum == () and result.shortfalls == ()
    assert check.load_spread <= 1


def test_shortfall_is_named_when_impossible() -> None:
    problem = ReviewAssignmentProblem(
        (_report("r1", classes=("c",)), _report("r2")),
        (_reviewer("a", limit=5, cls="c"), _reviewer("b", limit=5)),
        2,
    )
    result = assign_reviewers(problem)
    assert result.shortfalls == (Shortfall("r1", 1),)
    assert result.reviewers_short == 1
    check = check_assignment(problem, result.assignments)
    assert check.valid and check.below_minimum == result.shortfalls


def test_no_reviewers_at_all() -> None:
    problem = ReviewAssignmentProblem((_report("r1"),), (), 3)
    assert assign_reviewers(problem).shortfalls == (Shortfall("r1", 3),)


def test_late_reports_keep_existing_assignments() -> None:
    reviewers = tuple(_reviewer(f"v{i}", limit=3) for i in range(4))
    first = ReviewAssignmentProblem(tuple(_report(f"r{j}") for j in range(4)), reviewers, 2)
    before = assign_reviewers(first)
    late = ReviewAssignmentProblem(
        tuple(_report(f"r{j}") for j in range(6)), reviewers, 2, existing=before.assignments
    )
    after = assign_reviewers(late)
    assert set(before.assignments) <= set(after.assignments)
    assert {a.report_id for a in after.new_assignments} == {"r4", "r5"}
    check = check_assignment(late, after.assignments)
    assert check.valid and check.below_minimum == () and check.load_spread <= 1


def test_existing_assignment_counts_toward_minimum_and_load() -> None:
    problem = ReviewAssignmentProblem(
        (_report("r1"), _report("r2")),
        (_reviewer("a", limit=1), _reviewer("b", limit=2)),
        1,
        existing=(Assignment("r1", "a"),),
    )
    result = assign_reviewers(problem)
    assert result.new_assignments == (Assignment("r2", "b"),)


# --- properties on random small instances ---------------------------------


@st.composite
def problems(draw: st.DrawFn, conflicts: bool = True) -> ReviewAssignmentProblem:
    n_rev = draw(st.integers(0, 7))
    n_rep = draw(st.integers(0, 9))
    classes = ["c0", "c1", "c2"]
    reviewers = []
    for i in range(n_rev):
        reviewers.append(
            ReviewerToAssign(
                f"v{i}",
                draw(st.integers(0, 5)),
                draw(st.sampled_from([None, *classes])) if conflicts else None,
                frozenset(
                    draw(st.lists(st.sampled_from([f"r{j}" for j in range(n_rep)]), max_size=2))
                    if conflicts and n_rep
                    else []
                ),
            )
        )
    people = [f"v{i}" for i in range(n_rev)] + ["s0", "s1"]
    reports = []
    for j in range(n_rep):
        reports.append(
            ReportToReview(
                f"r{j}",
                frozenset(draw(st.lists(st.sampled_from(people), max_size=2)) if conflicts else []),
                draw(st.sampled_from([None, *people])) if conflicts else None,
                frozenset(
                    draw(st.lists(st.sampled_from(classes), max_size=1)) if conflicts else []
                ),
            )
        )
    minimum = draw(st.integers(0, 3))
    problem = ReviewAssignmentProblem(tuple(reports), tuple(reviewers), minimum)
    # Some existing assignments, taken from a valid earlier run on a prefix of the reports.
    keep = draw(st.integers(0, n_rep))
    if keep:
        earlier = assign_reviewers(
            ReviewAssignmentProblem(tuple(reports[:keep]), tuple(reviewers), minimum)
        )
        problem = ReviewAssignmentProblem(
            tuple(reports), tuple(reviewers), minimum, earlier.assignments
        )
    return problem


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_property_never_conflict_or_overload_and_shortfall_exact(
    problem: ReviewAssignmentProblem,
) -> None:
    result = assign_reviewers(problem)
    check = check_assignment(problem, result.assignments)
    assert check.valid, check
    assert set(problem.existing) <= set(result.assignments)
    assert check.below_minimum == result.shortfalls
    # The minimum is met whenever possible, and otherwise the shortfall is the least possible.
    assert result.reviewers_short == min_possible_shortfall(problem)


@settings(max_examples=200, deadline=None)
@given(problems(conflicts=False), st.data())
def test_property_balanced_when_feasible(
    problem: ReviewAssignmentProblem, data: st.DataObject
) -> None:
    # Fresh problem (no existing assignments), every reviewer able to take the average + 1.
    n, m = len(problem.reports), len(problem.reviewers)
    if m == 0:
        return
    level = math.ceil(n * problem.min_reviewers / m)
    limit = level + data.draw(st.integers(0, 2))
    reviewers = tuple(ReviewerToAssign(r.reviewer_id, limit) for r in problem.reviewers)
    fresh = ReviewAssignmentProblem(problem.reports, reviewers, problem.min_reviewers)
    result = assign_reviewers(fresh)
    check = check_assignment(fresh, result.assignments)
    assert check.valid
    if problem.min_reviewers <= m:
        assert result.shortfalls == ()
        assert check.load_spread <= 1
    # With at least two reviewers a report and at least as many reports as reviewers, the
    # balanced loads are all >= 2, so no group is a tree and one exchange always joins two
    # groups: the committee is one group (calibration can compare every two reviewers).
    if 2 <= problem.min_reviewers <= m <= n:
        assert check.reviewer_groups == 1, result.assignments


# --- the benchmark's size -------------------------------------------------


def _large_problem() -> ReviewAssignmentProblem:
    reviewers = tuple(
        ReviewerToAssign(f"v{i:03d}", 60, f"c{i % 40}", frozenset({f"r{(i * 37) % 5000:04d}"}))
        for i in range(200)
    )
    reports = tuple(
        ReportToReview(
            f"r{j:04d}",
            frozenset({f"s{j}a", f"s{j}b", f"v{j % 200:03d}"} if j % 10 == 0 else {f"s{j}a"}),
            f"v{(j * 7) % 200:03d}",
            frozenset({f"c{j % 40}"}),
        )
        for j in range(5000)
    )
    return ReviewAssignmentProblem(reports, reviewers, 2)


def test_large_instance_5000_reports_200_reviewers() -> None:
    problem = _large_problem()
    started = time.perf_counter()
    result = assign_reviewers(problem)
    elapsed = time.perf_counter() - started
    check = check_assignment(problem, result.assignments)
    print(f"assignment 5000x200x2: {elapsed:.2f}s, spread {check.load_spread}")
    assert check.valid and check.conflicts == ()
    assert result.shortfalls == () and check.below_minimum == ()
    assert check.load_spread <= 1
    assert elapsed < 10
