"""After the flow: one committee, not several that never meet (issue 9, capabilities 3, 5).

Calibration can compare two reviewers' leniency only through the reports they share,
directly or along a chain (a and b review one report, b and c another, …). The flow
balances the loads but breaks its ties arbitrarily, so its answer can split the
committee into groups that never review a common report; each group's biases are then
known only relative to each other, and a group of lenient reviewers is not corrected at
all. This pass joins such groups, one at a time, by exchanging the reviewers of two of
this run's new assignments, which keeps every report's number of reviewers and every
reviewer's load:

    report p (group G) – reviewer a            report p – reviewer b
    report q (group H) – reviewer b     →      report q – reviewer a

When the pair p–a is not a bridge of G (G stays connected without it), p now joins G to
b's part of H, and a, still in G, joins q's part: G and H become one. When no exchange
fits, p–a is moved to a reviewer b of H who has spare load and fewer reviews than a, so
the load spread never widens.

Only this run's new assignments are exchanged or moved; existing ones never are (a late
report is assigned around them). Every change respects the domain's conflict rule and
the load limits. Groups that cannot be joined this way (conflicts or limits keep them
apart, or neither holds a pair whose loss keeps it connected) are left as they are; the
independent checker counts them (`AssignmentCheck.reviewer_groups`) and calibration
treats each group on its own. The search is bounded (`GROUP_BUDGET` tries per group, a group
whose tries all fail is left as it is; `TOTAL_BUDGET` for the pass), so a pathological
season costs a bounded time and keeps its groups.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from services.evaluation.domain.review_assignment import (
    Assignment,
    ReviewAssignmentProblem,
    conflict_reason,
    reviewer_groups,
)

GROUP_BUDGET = 100_000  # (report, reviewer) tries for one group before it is left as it is
TOTAL_BUDGET = 1_000_000  # and for the whole pass


def join_reviewer_groups(
    problem: ReviewAssignmentProblem,
    existing: Sequence[Assignment],
    new: Sequence[Assignment],
) -> list[Assignment]:
    """This run's new assignments, exchanged so that the committee forms as few groups
    as these exchanges can reach; the same reports get as many reviewers, and every
    reviewer keeps their load or comes closer to the others'."""
    groups = reviewer_groups((a.report_id, a.reviewer_id) for a in [*existing, *new])
    if len(set(groups.values())) < 2:
        return sorted(new)  # the common case, found without the bridges' search
    joiner = _Joiner(problem, existing, new)
    # Each join makes one group of two (see the module's docstring), so this ends; the
    # bound only guards against a bug looping forever.
    for _ in range(len(joiner.held) + 1):
        if not joiner.join_once():
            break
    return sorted(joiner.fresh)


class _Joiner:
    def __init__(
        self,
        problem: ReviewAssignmentProblem,
        existing: Sequence[Assignment],
        new: Sequence[Assignment],
    ) -> None:
        self.reports = {r.report_id: r for r in problem.reports}
        self.reviewers = {r.reviewer_id: r for r in problem.reviewers}
        self.held = set(existing) | set(new)
        self.fresh = set(new)
        self.load = Counter(a.reviewer_id for a in self.held)
        self.left_alone: set[frozenset[str]] = set()  # groups no try could join
        self.spent = 0

    def allowed(self, report_id: str, reviewer_id: str) -> bool:
        report, reviewer = self.reports.get(report_id), self.reviewers.get(reviewer_id)
        return (
            report is not None
            and reviewer is not None
            and Assignment(report_id, reviewer_id) not in self.held
            and conflict_reason(report, reviewer) is None
        )

    def join_once(self) -> bool:
        """Join two groups by one exchange or move; False when none is found."""
        graph = _Graph(self.held)
        groups = graph.reviewer_groups()
        if len(groups) < 2:
            return False
        group_of = {v: g for g, members in enumerate(groups) for v in members}
        loose: list[list[Assignment]] = [[] for _ in groups]  # pairs whose loss splits nothing
        given: dict[str, list[Assignment]] = {}
        for a in sorted(self.fresh):
            given.setdefault(a.reviewer_id, []).append(a)
            if not graph.is_bridge(a):
                loose[group_of[a.reviewer_id]].append(a)
        members = [sorted(group) for group in groups]
        # The smallest groups first, into the largest: a fragment joins in a few tries.
        # A group whose tries all fail (conflicts or limits keep it apart) is left as it
        # is and not tried again, so it cannot use up the tries of the groups after it.
        for g in reversed(range(len(groups))):
            if groups[g] in self.left_alone:
                continue
            if self._join(loose[g], [m for h, m in enumerate(members) if h != g], given):
                return True
            self.left_alone.add(groups[g])
            if self.spent >= TOTAL_BUDGET:
                return False
        return False

    def _join(
        self,
        pairs: list[Assignment],
        others: list[list[str]],
        given: dict[str, list[Assignment]],
    ) -> bool:
        """One exchange or move joining the group of `pairs` to another; False when none
        is found within the group's budget. A try is a (report, reviewer): whether the
        reviewer may take the report does not depend on which of its pairs gives it up."""
        by_report: dict[str, list[Assignment]] = {}
        for pair in pairs:
            by_report.setdefault(pair.report_id, []).append(pair)
        tries = 0
        for theirs in others:
            for report_id, its_pairs in by_report.items():
                for other in theirs:
                    tries += 1
                    self.spent += 1
                    if tries > GROUP_BUDGET or self.spent > TOTAL_BUDGET:
                        return False
                    if not self.allowed(report_id, other):
                        continue
                    for pair in its_pairs:
                        if self._exchange(pair, other, given.get(other, [])):
                            return True
        return False

    def _exchange(self, pair: Assignment, other: str, others_new: list[Assignment]) -> bool:
        """Give `pair`'s report to `other` and one of `other`'s new reports to `pair`'s
        reviewer; else move `pair` to `other` when that keeps the loads as balanced."""
        mine = pair.reviewer_id
        for theirs in others_new:
            if self.allowed(theirs.report_id, mine):
                self._replace(pair, Assignment(pair.report_id, other))
                self._replace(theirs, Assignment(theirs.report_id, mine))
                return True
        spare = self.reviewers[other].load_limit - self.load[other]
        if spare > 0 and self.load[other] < self.load[mine]:
            self._replace(pair, Assignment(pair.report_id, other))
            return True
        return False

    def _replace(self, old: Assignment, new: Assignment) -> None:
        self.held.discard(old)
        self.fresh.discard(old)
        self.load[old.reviewer_id] -= 1
        self.held.add(new)
        self.fresh.add(new)
        self.load[new.reviewer_id] += 1


class _Graph:
    """Reports and reviewers as nodes, assignments as edges: the committee's groups and
    the assignments whose loss would split a group (bridges, by Tarjan's low-links)."""

    def __init__(self, pairs: Iterable[Assignment]) -> None:
        self.node: dict[tuple[str, str], int] = {}
        self.edges: list[Assignment] = sorted(pairs)
        self.adj: list[list[tuple[int, int]]] = []
        for e, pair in enumerate(self.edges):
            u = self._id(("report", pair.report_id))
            v = self._id(("reviewer", pair.reviewer_id))
            self.adj[u].append((v, e))
            self.adj[v].append((u, e))
        self.index = {pair: e for e, pair in enumerate(self.edges)}
        self.group, self.bridges = self._walk()

    def _id(self, key: tuple[str, str]) -> int:
        if key not in self.node:
            self.node[key] = len(self.adj)
            self.adj.append([])
        return self.node[key]

    def is_bridge(self, pair: Assignment) -> bool:
        return self.index[pair] in self.bridges

    def reviewer_groups(self) -> list[frozenset[str]]:
        """The reviewers who hold an assignment, by group; the largest group first."""
        by_group: dict[int, set[str]] = {}
        for (kind, name), u in self.node.items():
            if kind == "reviewer":
                by_group.setdefault(self.group[u], set()).add(name)
        return sorted(
            (frozenset(members) for members in by_group.values()),
            key=lambda members: (-len(members), min(members)),
        )

    def _walk(self) -> tuple[list[int], set[int]]:
        n = len(self.adj)
        group, disc, low = [-1] * n, [-1] * n, [0] * n
        bridges: set[int] = set()
        clock = 0
        for root in range(n):
            if disc[root] != -1:
                continue
            disc[root] = low[root] = clock
            clock += 1
            group[root] = root
            stack = [(root, -1, iter(self.adj[root]))]
            while stack:
                u, via, around = stack[-1]
                for v, e in around:
                    if e == via:
                        continue
                    if disc[v] == -1:
                        disc[v] = low[v] = clock
                        clock += 1
                        group[v] = root
                        stack.append((v, e, iter(self.adj[v])))
                        break
                    low[u] = min(low[u], disc[v])
                else:
                    stack.pop()
                    if stack:
                        parent = stack[-1][0]
                        low[parent] = min(low[parent], low[u])
                        if low[u] > disc[parent]:
                            bridges.add(via)
        return group, bridges
