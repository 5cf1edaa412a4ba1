"""An independent judge of review assignments: it never imports the solver.

It recomputes, from the problem alone, every conflict, load-limit breach, report
below the minimum, the load spread and the groups the reviewers form, and bounds what
any assignment could achieve (`min_possible_shortfall`, an exact max-flow by plain augmenting paths,
meant for the small instances of tests).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass

from services.evaluation.domain.review_assignment import (
    Assignment,
    ReviewAssignmentProblem,
    Shortfall,
    conflict_reason,
    reviewer_groups,
)


@dataclass(frozen=True)
class Overload:
    reviewer_id: str
    load: int
    limit: int


@dataclass(frozen=True)
class AssignmentCheck:
    conflicts: tuple[tuple[Assignment, str], ...]
    overloads: tuple[Overload, ...]
    below_minimum: tuple[Shortfall, ...]
    load_spread: int  # max − min load over all reviewers (0 with none)
    unknown: tuple[Assignment, ...]  # naming a report or reviewer not in the problem
    duplicates: tuple[Assignment, ...]
    existing_dropped: tuple[Assignment, ...]  # existing assignments no longer present
    # groups of reviewers linked by common reports, directly or along a chain; with more
    # than one, calibration cannot compare the leniency of reviewers of different groups
    reviewer_groups: int = 0

    @property
    def reviewers_short(self) -> int:
        return sum(s.missing for s in self.below_minimum)

    @property
    def valid(self) -> bool:
        """No conflict, overload, unknown, duplicate or dropped assignment."""
        return not (
            self.conflicts
            or self.overloads
            or self.unknown
            or self.duplicates
            or self.existing_dropped
        )


def check_assignment(
    problem: ReviewAssignmentProblem, assignments: tuple[Assignment, ...] | list[Assignment]
) -> AssignmentCheck:
    reports = {r.report_id: r for r in problem.reports}
    reviewers = {r.reviewer_id: r for r in problem.reviewers}
    counts = Counter(assignments)
    duplicates = tuple(sorted(a for a, n in counts.items() if n > 1))
    conflicts: list[tuple[Assignment, str]] = []
    unknown: list[Assignment] = []
    load: Counter[str] = Counter()
    per_report: Counter[str] = Counter()
    for a in sorted(counts):
        report, reviewer = reports.get(a.report_id), reviewers.get(a.reviewer_id)
        if report is None or reviewer is None:
            unknown.append(a)
            continue
        load[a.reviewer_id] += 1
        per_report[a.report_id] += 1
        reason = conflict_reason(report, reviewer)
        if reason is not None:
            conflicts.append((a, reason))
    overloads = tuple(
        Overload(r.reviewer_id, load[r.reviewer_id], r.load_limit)
        for r in problem.reviewers
        if load[r.reviewer_id] > r.load_limit
    )
    below = tuple(
        Shortfall(r.report_id, problem.min_reviewers - per_report[r.report_id])
        for r in problem.reports
        if per_report[r.report_id] < problem.min_reviewers
    )
    loads = [load[r.reviewer_id] for r in problem.reviewers]
    spread = max(loads) - min(loads) if loads else 0
    present = set(counts)
    dropped = tuple(sorted(a for a in set(problem.existing) if a not in present))
    return AssignmentCheck(
        conflicts=tuple(conflicts),
        overloads=overloads,
        below_minimum=below,
        load_spread=spread,
        unknown=tuple(unknown),
        duplicates=duplicates,
        existing_dropped=dropped,
        reviewer_groups=count_reviewer_groups(present - set(unknown)),
    )


def count_reviewer_groups(assignments: Iterable[Assignment]) -> int:
    """How many groups the reviewers holding these assignments form, two reviewers being
    in one group when a chain of common reports links them."""
    groups = reviewer_groups((a.report_id, a.reviewer_id) for a in assignments)
    return len(set(groups.values()))


def min_possible_shortfall(problem: ReviewAssignmentProblem) -> int:
    """The fewest reviewers short any valid assignment keeping the existing ones can reach.

    Exact: total need minus a maximum flow source → report (need) → reviewer (1, when
    allowed and not already assigned) → sink (spare load), by BFS augmenting paths.
    """
    existing = set(problem.existing)
    per_report = Counter(a.report_id for a in existing)
    load = Counter(a.reviewer_id for a in existing)
    source, sink = ("s",), ("t",)
    cap: dict[tuple[object, object], int] = {}
    adj: dict[object, list[object]] = {}

    def arc(u: object, v: object, c: int) -> None:
        if c <= 0:
            return
        if (u, v) not in cap:
            adj.setdefault(u, []).append(v)
            adj.setdefault(v, []).append(u)
            cap.setdefault((v, u), 0)
        cap[(u, v)] = cap.get((u, v), 0) + c

    total_need = 0
    for report in problem.reports:
        need = max(0, problem.min_reviewers - per_report[report.report_id])
        total_need += need
        arc(source, ("r", report.report_id), need)
        for reviewer in problem.reviewers:
            pair = Assignment(report.report_id, reviewer.reviewer_id)
            if pair not in existing and conflict_reason(report, reviewer) is None:
                arc(("r", report.report_id), ("v", reviewer.reviewer_id), 1)
    for reviewer in problem.reviewers:
        arc(("v", reviewer.reviewer_id), sink, reviewer.load_limit - load[reviewer.reviewer_id])
    flow = 0
    while True:
        parent: dict[object, object] = {source: source}
        queue: deque[object] = deque([source])
        while queue and sink not in parent:
            u = queue.popleft()
            for v in adj.get(u, []):
                if v not in parent and cap[(u, v)] > 0:
                    parent[v] = u
                    queue.append(v)
        if sink not in parent:
            return total_need - flow
        v = sink
        while v != source:
            u = parent[v]
            cap[(u, v)] -= 1
            cap[(v, u)] += 1
            v = u
        flow += 1
