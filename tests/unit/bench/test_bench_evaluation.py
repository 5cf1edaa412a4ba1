"""The evaluation bench's own judging: its conflict count from the generated college sees
every kind of conflict the domain's checker sees, and the goals read the figures right."""

from __future__ import annotations

import pytest

from services.evaluation.domain.assignment_checker import check_assignment
from services.evaluation.domain.review_assignment import Assignment
from tools.bench.evaluation import GOALS, KEYS, goals_met
from tools.bench.evaluation_assignment import QUICK, count_conflicts, generate_college

pytestmark = pytest.mark.unit


def test_the_count_from_the_college_agrees_with_the_checker_on_every_kind() -> None:
    college = generate_college(QUICK)
    problem = college.problem
    bad: list[Assignment] = []
    for report in problem.reports:
        for reviewer in problem.reviewers:
            if (
                reviewer.reviewer_id in report.member_ids
                or reviewer.reviewer_id == report.advisor_id
                or report.report_id in reviewer.conflict_report_ids
                or reviewer.class_id in report.class_ids
            ):
                bad.append(Assignment(report.report_id, reviewer.reviewer_id))
    ours = count_conflicts(college, tuple(bad))
    checked = check_assignment(problem, bad)
    assert len(bad) == len(checked.conflicts) > 0
    assert set(ours) == {"team_member", "advisor", "declared", "same_class"}
    # a pair may break two rules at once: the count sees each, the checker names the first
    assert sum(ours.values()) >= len(checked.conflicts)
    fine = Assignment(problem.reports[0].report_id, "nobody-in-the-college")
    assert count_conflicts(college, (fine,)) == {}


def test_goals_are_met_or_missed_by_the_issue_thresholds() -> None:
    assert {g.key for g in GOALS} <= set(KEYS)
    good = {
        "similarity_p95_ms": 199.9,
        "similarity_recall": 0.95,
        "similarity_false_flag_rate": 0.01,
        "assignment_s": 9.99,
        "assignment_conflicts": 0,
        "assignment_load_spread": 1,
        "calibration_gain_points": 10.0,
    }
    assert all(goals_met(good).values())
    bad = {**good, "similarity_p95_ms": 200.0, "assignment_s": 10.0, "assignment_conflicts": 1}
    missed = {key for key, met in goals_met(bad).items() if not met}
    assert missed == {"similarity_p95_ms", "assignment_s", "assignment_conflicts"}
    assert goals_met({})["calibration_gain_points"] is False
