"""Review assignment keeps the committee one group, so calibration can compare every two
reviewers: the checker's count, and the exchanges after the flow judged by the checker."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.evaluation.assignment.groups import join_reviewer_groups
from services.evaluation.assignment.solver import assign_reviewers
from services.evaluation.domain.assignment_checker import (
    AssignmentCheck,
    check_assignment,
    count_reviewer_groups,
)
from services.evaluation.domain.review_assignment import (
    Assignment,
    ReportToReview,
    ReviewAssignmentProblem,
    ReviewerToAssign,
)

pytestmark = pytest.mark.unit


def _pairs(text: str) -> list[Assignment]:
    """'r1:a,b r2:c' → r1–a, r1–b, r2–c."""
    pairs = []
    for item in text.split():
        report, reviewers = item.split(":")
        pairs += [Assignment(report, v) for v in reviewers.split(",")]
    return pairs


def _problem(
    reports: str,
    reviewers: str,
    limit: int = 10,
    conflicts: Mapping[str, tuple[str, ...]] | None = None,
    existing: list[Assignment] | None = None,
    minimum: int = 2,
) -> ReviewAssignmentProblem:
    conflicts = conflicts or {}
    return ReviewAssignmentProblem(
        reports=tuple(ReportToReview(r) for r in reports.split()),
        reviewers=tuple(
            ReviewerToAssign(v, limit, None, frozenset(conflicts.get(v, ())))
            for v in reviewers.split()
        ),
        min_reviewers=minimum,
        existing=tuple(existing or ()),
    )


def _judged(
    problem: ReviewAssignmentProblem, before: list[Assignment], after: list[Assignment]
) -> AssignmentCheck:
    """The checker's verdict on `after`, which must keep `before`'s reports' reviewer counts
    and widen no load spread."""
    check = check_assignment(problem, [*problem.existing, *after])
    assert check.valid, check
    assert Counter(a.report_id for a in after) == Counter(a.report_id for a in before)
    was = check_assignment(problem, [*problem.existing, *before])
    assert check.load_spread <= was.load_spread
    return check


def test_the_checker_counts_groups_linked_by_chains_of_common_reports() -> None:
    assert count_reviewer_groups([]) == 0
    assert count_reviewer_groups(_pairs("r1:a,b r2:b,c r3:c,d")) == 1  # a chain
    assert count_reviewer_groups(_pairs("r1:a,b r2:c,d r3:e")) == 3
    assert count_reviewer_groups(_pairs("r1:a,b r2:c,d r3:b,d")) == 1
    problem = _problem("r1 r2", "a b c d")
    assert check_assignment(problem, _pairs("r1:a,b r2:c,d")).reviewer_groups == 2


def test_two_groups_are_joined_by_exchanging_reviewers_loads_unchanged() -> None:
    problem = _problem("r1 r2 r3 r4", "a b c d")
    split = _pairs("r1:a,b r2:a,b r3:c,d r4:c,d")
    assert count_reviewer_groups(split) == 2
    joined = join_reviewer_groups(problem, [], split)
    check = _judged(problem, split, joined)
    assert check.reviewer_groups == 1
    assert Counter(a.reviewer_id for a in joined) == Counter(a.reviewer_id for a in split)


def test_an_exchange_respects_conflicts() -> None:
    # c and d may not review r1; a and b may not review r3: the only exchanges go through
    # r2 and r4.
    conflicts = {"c": ("r1",), "d": ("r1",), "a": ("r3",), "b": ("r3",)}
    problem = _problem("r1 r2 r3 r4", "a b c d", conflicts=conflicts)
    split = _pairs("r1:a,b r2:a,b r3:c,d r4:c,d")
    joined = join_reviewer_groups(problem, [], split)
    assert _judged(problem, split, joined).reviewer_groups == 1
    assert check_assignment(problem, joined).conflicts == ()


def test_groups_that_conflicts_keep_apart_stay_apart_and_are_counted() -> None:
    conflicts = {"c": ("r1", "r2"), "d": ("r1", "r2"), "a": ("r3", "r4"), "b": ("r3", "r4")}
    problem = _problem("r1 r2 r3 r4", "a b c d", conflicts=conflicts)
    split = _pairs("r1:a,b r2:a,b r3:c,d r4:c,d")
    joined = join_reviewer_groups(problem, [], split)
    assert sorted(joined) == sorted(split)
    assert _judged(problem, split, joined).reviewer_groups == 2


def test_a_reviewer_with_spare_load_and_fewer_reviews_takes_one_over() -> None:
    # a and b may not review r5, so no exchange with e fits; r1–a lies on a cycle, and e
    # has spare load and fewer reviews than a: e takes r1 over from a.
    problem = _problem(
        "r1 r2 r5", "a b e", limit=3, minimum=1, conflicts={"a": ("r5",), "b": ("r5",)}
    )
    split = _pairs("r1:a,b r2:a,b r5:e")
    joined = join_reviewer_groups(problem, [], split)
    check = _judged(problem, split, joined)
    assert check.reviewer_groups == 1
    assert check.overloads == ()


def test_existing_assignments_never_move_a_late_report_joins_old_groups() -> None:
    # The season's earlier run left two groups; a late report's new reviewers are both in
    # the first. One of its pairs goes to the other group's less-loaded reviewer.
    existing = _pairs("r1:a,b r2:c,d")
    problem = _problem("r1 r2 r9", "a b c d", existing=existing)
    late = _pairs("r9:a,b")
    joined = join_reviewer_groups(problem, existing, late)
    check = _judged(problem, late, joined)
    assert all(a.report_id == "r9" for a in joined)
    assert check.reviewer_groups == 1
    assert check.existing_dropped == ()


def test_a_tree_shaped_group_without_spare_load_is_left_alone() -> None:
    # Every pair is a bridge and no reviewer has spare load: no exchange can join them.
    problem = _problem("r1 r2", "a b c d", limit=1)
    split = _pairs("r1:a,b r2:c,d")
    assert sorted(join_reviewer_groups(problem, [], split)) == sorted(split)


@st.composite
def _seasons(draw: st.DrawFn) -> ReviewAssignmentProblem:
    """A small season with class conflicts like the demo's (students review, teachers
    advise), report ids in a random order as the database's uuids are."""
    n_rev = draw(st.integers(2, 8))
    n_rep = draw(st.integers(n_rev, 16))
    classes = ["c0", "c1", "c2", None]
    reviewers = tuple(
        ReviewerToAssign(f"v{i}", draw(st.integers(3, 8)), draw(st.sampled_from(classes)))
        for i in range(n_rev)
    )
    ids = draw(st.permutations([f"r{j:02d}" for j in range(n_rep)]))
    reports = tuple(
        ReportToReview(
            rid,
            frozenset(),
            draw(st.sampled_from([None, *(f"v{i}" for i in range(n_rev))])),
            frozenset(c for c in [draw(st.sampled_from(classes))] if c is not None),
        )
        for rid in ids
    )
    return ReviewAssignmentProblem(reports, reviewers, 2)


def _better_by_one_change(
    problem: ReviewAssignmentProblem, pairs: list[Assignment]
) -> list[Assignment] | None:
    """Brute force, independent of the joiner: any single exchange of two pairs' reviewers,
    or move of a pair to a reviewer with spare load and fewer reviews, that leaves the
    answer valid, its spread no wider, and the reviewers in fewer groups."""
    held = set(pairs)
    before = check_assignment(problem, pairs)
    load = Counter(a.reviewer_id for a in pairs)
    limits = {r.reviewer_id: r.load_limit for r in problem.reviewers}
    candidates: list[list[Assignment]] = []
    for x in pairs:
        for y in pairs:
            if x < y and x.report_id != y.report_id and x.reviewer_id != y.reviewer_id:
                swapped = [
                    Assignment(x.report_id, y.reviewer_id),
                    Assignment(y.report_id, x.reviewer_id),
                ]
                if not held & set(swapped):
                    candidates.append([*(held - {x, y}), *swapped])
        for v in limits:
            moved = Assignment(x.report_id, v)
            if moved not in held and load[v] < load[x.reviewer_id] and load[v] < limits[v]:
                candidates.append([*(held - {x}), moved])
    for candidate in candidates:
        check = check_assignment(problem, candidate)
        if (
            check.valid
            and check.load_spread <= before.load_spread
            and check.reviewer_groups < before.reviewer_groups
        ):
            return candidate
    return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_seasons())
def test_property_valid_and_no_single_change_would_join_two_groups(
    problem: ReviewAssignmentProblem,
) -> None:
    result = assign_reviewers(problem)
    check = check_assignment(problem, result.assignments)
    assert check.valid, check
    assert _better_by_one_change(problem, list(result.assignments)) is None


def _demo_like_season(seed: int) -> ReviewAssignmentProblem:
    """The demo's computer college (tools/demo/evaluation/cast.py): twelve individual
    reports from two classes and a team advised by 张老师, six reviewers with loads 8 and
    6, a student reviewer in one of the classes, a declared conflict; report ids in a
    random order, as the database's uuids are."""
    rng = random.Random(seed)
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(13)]
    reports = [
        ReportToReview(ids[i], frozenset({f"s{i}"}), None, frozenset({f"c{i // 6 + 1}"}))
        for i in range(12)
    ]
    reports.append(ReportToReview(ids[12], frozenset({"t1", "t2"}), "zhang", frozenset({"c3"})))
    reviewers = (
        ReviewerToAssign("wu", 8),
        ReviewerToAssign("sun", 8, None, frozenset({ids[1]})),
        ReviewerToAssign("zhao", 8),
        ReviewerToAssign("zhang", 8),
        ReviewerToAssign("he", 6, "c3"),
        ReviewerToAssign("ma", 6, "c1"),
    )
    return ReviewAssignmentProblem(tuple(reports), reviewers, 2)


def test_the_demos_college_is_one_group_whatever_the_order_of_its_report_ids() -> None:
    # The full-season e2e test once saw 吴老师's +6 estimated at +2.8: the flow had split
    # the six reviewers into two groups, and calibration could not compare them.
    for seed in range(200):
        problem = _demo_like_season(seed)
        result = assign_reviewers(problem)
        check = check_assignment(problem, result.assignments)
        assert check.valid and result.shortfalls == () and check.load_spread <= 1, seed
        assert check.reviewer_groups == 1, (seed, result.assignments)


def test_a_large_college_that_conflicts_split_in_two_ends_in_exactly_two_groups() -> None:
    # 5,000 reports × 200 reviewers; a reviewer may review only the other half's reports
    # (same-class conflicts), so two groups are the fewest possible. The flow leaves small
    # fragments besides; they are joined first, the budget not spent on the two halves.
    reports = tuple(
        ReportToReview(f"r{j:04d}", frozenset({f"s{j}"}), None, frozenset({f"h{1 - j % 2}"}))
        for j in range(5000)
    )
    reviewers = tuple(ReviewerToAssign(f"v{i:03d}", 60, f"h{i % 2}") for i in range(200))
    problem = ReviewAssignmentProblem(reports, reviewers, 2)
    result = assign_reviewers(problem)
    check = check_assignment(problem, result.assignments)
    assert check.valid and result.shortfalls == () and check.load_spread == 0
    assert check.reviewer_groups == 2


def test_groups_conflicts_lock_apart_are_left_alone_and_the_others_still_join(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 10 clusters of 4 reviewers (each can be one group) and 20 pairs locked to their own
    # reports: 30 groups at the fewest. The locked pairs are tried first (the smallest
    # groups) and fail; they must not use up the tries the clusters need. The budget per
    # group is cut to a few locked pairs' worth: a shared budget ran out before.
    from services.evaluation.assignment import groups

    monkeypatch.setattr(groups, "GROUP_BUDGET", 5_000)
    rng = random.Random(3)
    cluster = {f"v{j:03d}": f"a{j // 4}" if j < 40 else f"b{(j - 40) // 2}" for j in range(80)}
    classes = sorted(set(cluster.values()))
    reviewers = tuple(ReviewerToAssign(v, 60, c) for v, c in sorted(cluster.items()))
    reports = []
    for i in range(1200):
        mine = rng.choice(classes)
        others = frozenset(c for c in classes if c != mine)
        reports.append(ReportToReview(f"r{i:05d}", frozenset(), None, others))
    problem = ReviewAssignmentProblem(tuple(reports), reviewers, 2)
    result = assign_reviewers(problem)
    check = check_assignment(problem, result.assignments)
    assert check.valid and result.shortfalls == ()
    assert check.reviewer_groups == 30
