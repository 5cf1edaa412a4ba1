"""Committee review assignment as a min-cost max-flow.

    source ──(reviews still needed)──▶ report ──(1, 0)──▶ reviewer
           ──(one unit per load level, cost = that level)──▶ sink

The maximum flow gives every report as many reviewers as the loads and the
conflicts allow, so when the minimum cannot be met the reviewers short are as
few as possible and are named per report. Among maximum flows the cheapest is
the most balanced: a reviewer's next review costs their load so far (existing
assignments included), a convex cost, so the flow fills the least-loaded
reviewers first and the spread (max − min) is at most 1 wherever the limits and
conflicts leave that possible. Conflicting pairs get no arc at all, and the
existing assignments are inputs, never arcs: a late report is assigned around
them without moving any.

The flow's answer then goes through `groups.join_reviewer_groups`, which exchanges
reviewers between new assignments so the committee does not split into groups that
never review a common report (calibration could not compare them).

Above `ceil(average load) + 1` a reviewer's remaining spare load is one arc at a
flat cost, which keeps the graph small when load limits are generous.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from ortools.graph.python import min_cost_flow

from services.evaluation.assignment.groups import join_reviewer_groups
from services.evaluation.domain.review_assignment import (
    Assignment,
    ReportToReview,
    ReviewAssignmentProblem,
    ReviewAssignmentResult,
    Shortfall,
)


def assign_reviewers(problem: ReviewAssignmentProblem) -> ReviewAssignmentResult:
    """Add reviewers to the problem's reports, keeping every existing assignment."""
    reports = sorted(problem.reports, key=lambda r: r.report_id)
    reviewers = sorted(problem.reviewers, key=lambda r: r.reviewer_id)
    existing = sorted(set(problem.existing))
    per_report = Counter(a.report_id for a in existing)
    load0 = Counter(a.reviewer_id for a in existing)
    needs = [max(0, problem.min_reviewers - per_report[r.report_id]) for r in reports]
    total_need = sum(needs)
    n, m = len(reports), len(reviewers)
    if total_need == 0 or m == 0:
        return _result(existing, [], reports, needs, [0] * n)

    index = {r.reviewer_id: i for i, r in enumerate(reviewers)}
    by_class: dict[str, np.ndarray] = {}
    declared: dict[str, list[int]] = {}
    for i, reviewer in enumerate(reviewers):
        if reviewer.class_id is not None:
            by_class.setdefault(reviewer.class_id, np.zeros(m, dtype=bool))[i] = True
        for report_id in reviewer.conflict_report_ids:
            declared.setdefault(report_id, []).append(i)
    assigned: dict[str, list[int]] = {}
    for a in existing:
        if a.reviewer_id in index:
            assigned.setdefault(a.report_id, []).append(index[a.reviewer_id])
    spare = np.array(
        [max(0, r.load_limit - load0[r.reviewer_id]) for r in reviewers], dtype=np.int64
    )
    full = spare < 1

    source, sink = n + m, n + m + 1
    pair_tails: list[np.ndarray] = []
    pair_heads: list[np.ndarray] = []
    for c, report in enumerate(reports):
        if needs[c] == 0:
            continue
        blocked = full.copy()
        for class_id in report.class_ids:
            same = by_class.get(class_id)
            if same is not None:
                blocked |= same
        for person in (*report.member_ids, report.advisor_id):
            if person is not None and person in index:
                blocked[index[person]] = True
        blocked[declared.get(report.report_id, [])] = True
        blocked[assigned.get(report.report_id, [])] = True
        allowed = np.flatnonzero(~blocked)
        pair_tails.append(np.full(len(allowed), c, dtype=np.int32))
        pair_heads.append((n + allowed).astype(np.int32))
    tails_pairs = np.concatenate(pair_tails) if pair_tails else np.zeros(0, np.int32)
    heads_pairs = np.concatenate(pair_heads) if pair_heads else np.zeros(0, np.int32)
    if len(tails_pairs) == 0:
        return _result(existing, [], reports, needs, [0] * n)

    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    for c in range(n):
        if needs[c] > 0:
            tails.append(source)
            heads.append(c)
            caps.append(needs[c])
            costs.append(0)
    source_arcs = len(tails)
    total_load = total_need + sum(load0[r.reviewer_id] for r in reviewers)
    top = -(-total_load // m) + 1  # load level above which units are not priced one by one
    for v, reviewer in enumerate(reviewers):
        level = load0[reviewer.reviewer_id]
        left = min(int(spare[v]), n)
        while left > 0 and level < top:
            tails.append(n + v)
            heads.append(sink)
            caps.append(1)
            costs.append(level)
            level += 1
            left -= 1
        if left > 0:
            tails.append(n + v)
            heads.append(sink)
            caps.append(left)
            costs.append(max(level, top))

    flow = min_cost_flow.SimpleMinCostFlow()
    first_pair = flow.add_arcs_with_capacity_and_unit_cost(
        tails_pairs,
        heads_pairs,
        np.ones(len(tails_pairs), dtype=np.int64),
        np.zeros(len(tails_pairs), dtype=np.int64),
    )[0]
    first_other = flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )[0]
    flow.set_node_supply(source, total_need)
    flow.set_node_supply(sink, -total_need)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")

    pair_flows = flow.flows(np.arange(first_pair, first_pair + len(tails_pairs), dtype=np.int32))
    used = np.flatnonzero(pair_flows)
    new = [
        Assignment(
            reports[int(tails_pairs[i])].report_id, reviewers[int(heads_pairs[i]) - n].reviewer_id
        )
        for i in used
    ]
    new = join_reviewer_groups(problem, existing, new)
    got_flows = flow.flows(np.arange(first_other, first_other + source_arcs, dtype=np.int32))
    got = [0] * n
    for k, c in enumerate(c for c in range(n) if needs[c] > 0):
        got[c] = int(got_flows[k])
    return _result(existing, new, reports, needs, got)


def _result(
    existing: list[Assignment],
    new: list[Assignment],
    reports: list[ReportToReview],
    needs: list[int],
    got: list[int],
) -> ReviewAssignmentResult:
    shortfalls = tuple(
        Shortfall(r.report_id, needs[c] - got[c])
        for c, r in enumerate(reports)
        if needs[c] > got[c]
    )
    new_sorted = tuple(sorted(new))
    return ReviewAssignmentResult(
        assignments=tuple(sorted((*existing, *new_sorted))),
        new_assignments=new_sorted,
        shortfalls=shortfalls,
    )
