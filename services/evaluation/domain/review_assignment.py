"""Committee review assignment (issue 9, capability 3): the problem and its answer.

Pure data, the conflict rule and the groups reviewers form; the engine lives in
`services.evaluation.assignment` and its answers are judged by `domain.assignment_checker`,
which never imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReportToReview:
    report_id: str
    member_ids: frozenset[str] = frozenset()  # the team, or the individual author
    advisor_id: str | None = None
    class_ids: frozenset[str] = frozenset()  # the classes the team's members belong to


@dataclass(frozen=True)
class ReviewerToAssign:
    reviewer_id: str
    load_limit: int  # most reports this reviewer may review, existing ones included
    class_id: str | None = None
    conflict_report_ids: frozenset[str] = frozenset()  # declared conflicts


@dataclass(frozen=True, order=True)
class Assignment:
    report_id: str
    reviewer_id: str


@dataclass(frozen=True)
class ReviewAssignmentProblem:
    reports: tuple[ReportToReview, ...]
    reviewers: tuple[ReviewerToAssign, ...]
    min_reviewers: int
    existing: tuple[Assignment, ...] = ()  # kept as they are: never moved or removed

    def __post_init__(self) -> None:
        if self.min_reviewers < 0:
            raise ValueError("min_reviewers must be >= 0")
        if any(r.load_limit < 0 for r in self.reviewers):
            raise ValueError("load limits must be >= 0")
        if len({r.report_id for r in self.reports}) != len(self.reports):
            raise ValueError("duplicate report id")
        if len({r.reviewer_id for r in self.reviewers}) != len(self.reviewers):
            raise ValueError("duplicate reviewer id")


@dataclass(frozen=True)
class Shortfall:
    report_id: str
    missing: int  # reviewers short of the minimum


@dataclass(frozen=True)
class ReviewAssignmentResult:
    assignments: tuple[Assignment, ...]  # existing and new, sorted
    new_assignments: tuple[Assignment, ...]  # only those this run added, sorted
    shortfalls: tuple[Shortfall, ...] = field(default=())  # reports below the minimum

    @property
    def reviewers_short(self) -> int:
        return sum(s.missing for s in self.shortfalls)


CONFLICT_TEAM_MEMBER = "team_member"
CONFLICT_ADVISOR = "advisor"
CONFLICT_DECLARED = "declared"
CONFLICT_SAME_CLASS = "same_class"


def conflict_reason(report: ReportToReview, reviewer: ReviewerToAssign) -> str | None:
    """Why this reviewer may not review this report, or None when they may."""
    if reviewer.reviewer_id in report.member_ids:
        return CONFLICT_TEAM_MEMBER
    if report.advisor_id is not None and reviewer.reviewer_id == report.advisor_id:
        return CONFLICT_ADVISOR
    if report.report_id in reviewer.conflict_report_ids:
        return CONFLICT_DECLARED
    if reviewer.class_id is not None and reviewer.class_id in report.class_ids:
        return CONFLICT_SAME_CLASS
    return None


def reviewer_groups(pairs: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Each reviewer of these (report id, reviewer id) pairs and their group: two reviewers
    are in one group when a chain of common reports links them (calibration can compare
    only them). Groups are numbered 0, 1, … in the order of each one's first reviewer id."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def root(x: tuple[str, str]) -> tuple[str, str]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    reviewers: set[str] = set()
    for report_id, reviewer_id in pairs:
        reviewers.add(reviewer_id)
        parent[root(("report", report_id))] = root(("reviewer", reviewer_id))
    number: dict[tuple[str, str], int] = {}
    return {
        reviewer: number.setdefault(root(("reviewer", reviewer)), len(number))
        for reviewer in sorted(reviewers)
    }
