"""The committee review assignment benchmark (`campusflow bench evaluation`).

A college's season, generated with a fixed seed: 5,000 reports (four in five by project
teams of 3–10 students drawn mostly from one or two classes, the rest individual
social-practice reports), each with an advisor teacher; 200 committee reviewers, 150
students (each in a class, half of them also in a team) and 50 teachers (each advising
some teams); every reviewer declares 0–3 conflicts; 2 reviews per report; load limit 55
(the average load is 50). Only the solver is timed (services/evaluation/assignment), from
the problem to its answer. The answer is then judged twice, never by the solver's own
report: by the domain's independent checker (`check_assignment`) and by a count made
here straight from the generated college (who is in which team and class, who advises
whom, who declared what), which does not go through the domain's conflict rule.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from services.evaluation.assignment.solver import assign_reviewers
from services.evaluation.domain.assignment_checker import check_assignment
from services.evaluation.domain.review_assignment import (
    Assignment,
    ReportToReview,
    ReviewAssignmentProblem,
    ReviewerToAssign,
)

SEED = 9
REVIEWS_PER_REPORT = 2
GOAL_S = 10.0


@dataclass(frozen=True)
class Size:
    reports: int
    student_reviewers: int
    teacher_reviewers: int
    classes: int
    load_limit: int


FULL = Size(reports=5000, student_reviewers=150, teacher_reviewers=50, classes=800, load_limit=55)
QUICK = Size(reports=500, student_reviewers=15, teacher_reviewers=5, classes=80, load_limit=55)


@dataclass(frozen=True)
class College:
    """The generated college: the problem, and the facts it was made from."""

    problem: ReviewAssignmentProblem
    members: dict[str, frozenset[str]]  # report -> its authors
    advisor: dict[str, str]  # report -> its advisor teacher
    class_of: dict[str, str]  # student -> class
    declared: dict[str, frozenset[str]]  # reviewer -> reports they declared


def generate_college(size: Size, seed: int = SEED) -> College:
    rng = random.Random(seed)
    classes = [f"class-{c:04d}" for c in range(size.classes)]
    teachers = [f"t{i:04d}" for i in range(size.teacher_reviewers * 4)]  # a quarter review
    class_of: dict[str, str] = {}
    next_student = 0

    def new_student(class_id: str) -> str:
        nonlocal next_student
        student = f"s{next_student:06d}"
        next_student += 1
        class_of[student] = class_id
        return student

    reviewer_students = [new_student(rng.choice(classes)) for _ in range(size.student_reviewers)]
    in_a_team = set(rng.sample(reviewer_students, len(reviewer_students) // 2))
    members: dict[str, frozenset[str]] = {}
    advisor: dict[str, str] = {}
    for r in range(size.reports):
        report_id = f"report-{r:05d}"
        if rng.random() < 0.8:
            home = rng.sample(classes, 2)
            team = {
                new_student(home[0] if rng.random() < 0.7 else home[1])
                for _ in range(rng.randint(3, 10))
            }
        else:
            team = {new_student(rng.choice(classes))}
        members[report_id] = frozenset(team)
        advisor[report_id] = rng.choice(teachers)
    team_reports = [r for r, team in members.items() if len(team) > 1]
    for student in sorted(in_a_team):  # a committee student is a member of one team
        report_id = rng.choice(team_reports)
        members[report_id] = members[report_id] | {student}

    report_ids = list(members)
    reviewer_ids = reviewer_students + teachers[: size.teacher_reviewers]
    declared = {
        reviewer: frozenset(rng.sample(report_ids, rng.randint(0, 3))) for reviewer in reviewer_ids
    }
    problem = ReviewAssignmentProblem(
        reports=tuple(
            ReportToReview(
                report_id=report_id,
                member_ids=members[report_id],
                advisor_id=advisor[report_id],
                class_ids=frozenset(class_of[s] for s in members[report_id]),
            )
            for report_id in report_ids
        ),
        reviewers=tuple(
            ReviewerToAssign(
                reviewer_id=reviewer,
                load_limit=size.load_limit,
                class_id=class_of.get(reviewer),
                conflict_report_ids=declared[reviewer],
            )
            for reviewer in reviewer_ids
        ),
        min_reviewers=REVIEWS_PER_REPORT,
    )
    return College(problem, members, advisor, class_of, declared)


def count_conflicts(college: College, assignments: tuple[Assignment, ...]) -> Counter[str]:
    """Conflicts by kind, from the generated facts (not through the domain's conflict rule)."""
    kinds: Counter[str] = Counter()
    for a in assignments:
        team = college.members[a.report_id]
        if a.reviewer_id in team:
            kinds["team_member"] += 1
        if college.advisor[a.report_id] == a.reviewer_id:
            kinds["advisor"] += 1
        if a.report_id in college.declared.get(a.reviewer_id, frozenset()):
            kinds["declared"] += 1
        own_class = college.class_of.get(a.reviewer_id)
        if own_class is not None and any(college.class_of[s] == own_class for s in team):
            kinds["same_class"] += 1
    return kinds


def bench_assignment(console: Console, quick: bool) -> dict[str, Any]:
    size = QUICK if quick else FULL
    college = generate_college(size)
    problem = college.problem
    reviewers = len(problem.reviewers)
    blocked = sum(
        1
        for report in problem.reports
        for reviewer in problem.reviewers
        if reviewer.class_id in report.class_ids
        or reviewer.reviewer_id in report.member_ids
        or reviewer.reviewer_id == report.advisor_id
        or report.report_id in reviewer.conflict_report_ids
    )
    console.print(
        f"assignment: {len(problem.reports):,} reports x {reviewers} reviewers, "
        f"{REVIEWS_PER_REPORT} reviews each, load limit {size.load_limit}; "
        f"{blocked:,} conflicting report-reviewer pairs"
    )
    started = time.perf_counter()
    result = assign_reviewers(problem)
    assignment_s = time.perf_counter() - started
    check = check_assignment(problem, result.assignments)
    ours = count_conflicts(college, result.assignments)
    counted = Counter(a.reviewer_id for a in result.assignments)
    loads = [counted[r.reviewer_id] for r in problem.reviewers]
    spread_ours = max(loads) - min(loads)
    conflicts = max(len(check.conflicts), sum(ours.values()))
    if len(check.conflicts) != sum(ours.values()) or spread_ours != check.load_spread:
        console.print(
            f"[red]assignment: the checker ({len(check.conflicts)} conflicts, spread "
            f"{check.load_spread}) and the count from the college ({dict(ours)}, spread "
            f"{spread_ours}) disagree; the worse is reported[/]"
        )
    spread = max(spread_ours, check.load_spread)
    met = assignment_s < GOAL_S and conflicts == 0 and spread <= 1 and check.valid
    verdict = "PASS" if met else "MISS"
    console.print(
        f"assignment: {len(result.assignments):,} reviews in {assignment_s:.2f} s; checker: "
        f"{len(check.conflicts)} conflicts, {len(check.overloads)} overloads, "
        f"{check.reviewers_short} reviewers short, loads {min(loads)}-{max(loads)} "
        f"(spread {spread}), {check.reviewer_groups} reviewer group(s); "
        f"goal < {GOAL_S:g} s, 0 conflicts, spread <= 1: {verdict}"
    )
    return {
        "assignment_s": round(assignment_s, 3),
        "assignment_conflicts": conflicts,
        "assignment_load_spread": spread,
        "assignment_reviewers_short": check.reviewers_short,
        "assignment_overloads": len(check.overloads),
        "assignment_reviewer_groups": check.reviewer_groups,
        "assignment_conflicting_pairs": blocked,
    }
