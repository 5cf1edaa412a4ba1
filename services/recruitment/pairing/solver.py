"""PairingMatcher: the whole school's or county's pairing at once, as a min-cost max-flow.

    source ──(child's open places)──▶ child ──(1, MAX_SCORE − score)──▶ volunteer
           ──(spare load)──▶ sink

The maximum flow pairs as many children as the loads allow (the goal is every
child paired); among maximum flows, the cheapest has the best total quality
(`domain.pairing.pairing_score`). In several-to-one mode a child's first place
is free and its further places carry a penalty larger than any quality gain,
so the flow reaches every child before giving anyone a second volunteer.

A county has thousands of children and volunteers; the full bipartite graph
(millions of arcs) is not needed, because a child's good volunteers are few.
Each child gets arcs to its `candidates_per_child` best volunteers (ties broken
by a deterministic per-pair jitter, so children of one school do not all queue
for the same volunteers), always including last season's volunteer and never
one already paired with the child or barred from it (a pairing of theirs with
the child was ended before the season was over). Children the restricted graph
leaves unpaired get another round against the volunteers with load to spare.
With no more volunteers than `candidates_per_child` the graph is complete and
the result exact.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from services.recruitment.domain.pairing import (
    CONTINUITY_SCORE,
    MAX_NEEDS_SCORED,
    MAX_SCORE,
    PER_NEED_COVERED_SCORE,
    SAME_COUNTY_SCORE,
    SAME_SCHOOL_SCORE,
    ChildToPair,
    PairingOptions,
    PairingProposal,
    VolunteerToPair,
    propose,
)

CANDIDATES_PER_CHILD = 40
MAX_ROUNDS = 4


@dataclass(frozen=True)
class PairingPlan:
    proposals: tuple[PairingProposal, ...]
    objective: int  # total quality score of the proposals
    unpaired: tuple[ChildToPair, ...]  # children left with no volunteer at all


def _stable_hash(text: str) -> int:
    return zlib.crc32(text.encode())


class _VolunteerTable:
    """The volunteers as columns, so one child is scored against all in one pass."""

    def __init__(self, volunteers: Sequence[VolunteerToPair], spare: Sequence[int]) -> None:
        self.volunteers = volunteers
        self.full = np.array(spare, dtype=np.int64) < 1
        self.index = {v.volunteer_id: i for i, v in enumerate(volunteers)}
        self.school = np.array([v.school_id or "" for v in volunteers], dtype=object)
        self.county = np.array([v.county or "" for v in volunteers], dtype=object)
        self.hash = np.array([_stable_hash(v.volunteer_id) for v in volunteers], dtype=np.uint64)
        self._skills: dict[str, np.ndarray] = {}
        for i, volunteer in enumerate(volunteers):
            for skill in set(volunteer.skills):
                column = self._skills.setdefault(skill, np.zeros(len(volunteers), dtype=np.int64))
                column[i] = 1
        self._by_place: dict[tuple[str, str], np.ndarray] = {}

    def _place_scores(self, school: str, county: str) -> np.ndarray:
        key = (school, county)
        if key not in self._by_place:
            same_school = (self.school == school) & (self.school != "")
            same_county = (self.county == county) & (self.county != "")
            self._by_place[key] = np.where(
                same_school, SAME_SCHOOL_SCORE, np.where(same_county, SAME_COUNTY_SCORE, 0)
            ).astype(np.int64)
        return self._by_place[key]

    def candidates(self, child: ChildToPair, limit: int) -> list[tuple[int, int]]:
        """The child's best volunteers as (index, score), best first, deterministic.

        The score is `domain.pairing.pairing_score`, computed for all volunteers at once.
        """
        score = self._place_scores(child.school_id, child.county).copy()
        for need in list(dict.fromkeys(child.subject_needs))[:MAX_NEEDS_SCORED]:
            column = self._skills.get(need)
            if column is not None:
                score += PER_NEED_COVERED_SCORE * column
        last = self.index.get(child.last_volunteer_id or "")
        if last is not None:
            score[last] += CONTINUITY_SCORE
        score[self.full] = -1
        for taken in (*child.current_volunteer_ids, *child.barred_volunteer_ids):
            if taken in self.index:
                score[self.index[taken]] = -1
        jitter = ((self.hash ^ np.uint64(_stable_hash(str(child.beneficiary_id)))) % 997) / 997.0
        key = score + jitter
        allowed = int(np.count_nonzero(score >= 0))
        if allowed == 0:
            return []
        take = min(limit, allowed)
        if take < len(key):
            top = np.argpartition(-key, take - 1)[:take]
        else:
            top = np.arange(len(key))
        top = top[score[top] >= 0]
        ordered = top[np.argsort(-key[top], kind="stable")]
        return [(int(i), int(score[i])) for i in ordered]


def _solve_round(
    children: Sequence[ChildToPair],
    places: Sequence[int],
    volunteers: Sequence[VolunteerToPair],
    spare: Sequence[int],
    candidates_per_child: int,
) -> list[tuple[int, int]]:
    """One min-cost max-flow; returns (child index, volunteer index) pairs."""
    table = _VolunteerTable(volunteers, spare)
    n, m = len(children), len(volunteers)
    source, sink = n + m, n + m + 1
    tails: list[int] = []
    heads: list[int] = []
    capacities: list[int] = []
    costs: list[int] = []
    # Larger than the best possible total quality: coverage always comes first.
    second_place_penalty = MAX_SCORE * (sum(places) + 1) + 1
    pair_arcs: list[tuple[int, int]] = []
    pair_tails: list[int] = []
    pair_heads: list[int] = []
    pair_costs: list[int] = []
    for c, child in enumerate(children):
        if places[c] < 1:
            continue
        for v, score in table.candidates(child, candidates_per_child):
            pair_arcs.append((c, v))
            pair_tails.append(c)
            pair_heads.append(n + v)
            pair_costs.append(MAX_SCORE - score)
        tails.append(source)
        heads.append(c)
        capacities.append(1)
        costs.append(0)
        if places[c] > 1:
            tails.append(source)
            heads.append(c)
            capacities.append(places[c] - 1)
            costs.append(second_place_penalty)
    if not pair_arcs:
        return []
    for v in range(m):
        if spare[v] > 0:
            tails.append(n + v)
            heads.append(sink)
            capacities.append(spare[v])
            costs.append(0)
    flow = min_cost_flow.SimpleMinCostFlow()
    first_pair_arc = flow.add_arcs_with_capacity_and_unit_cost(
        np.array(pair_tails, dtype=np.int32),
        np.array(pair_heads, dtype=np.int32),
        np.ones(len(pair_tails), dtype=np.int64),
        np.array(pair_costs, dtype=np.int64),
    )[0]
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(capacities, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    demand = sum(places)
    flow.set_node_supply(source, demand)
    flow.set_node_supply(sink, -demand)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    arcs = np.arange(first_pair_arc, first_pair_arc + len(pair_arcs), dtype=np.int32)
    used = np.nonzero(flow.flows(arcs))[0]
    return [pair_arcs[int(i)] for i in used]


def propose_pairings(
    children: Sequence[ChildToPair],
    volunteers: Sequence[VolunteerToPair],
    options: PairingOptions,
    *,
    candidates_per_child: int = CANDIDATES_PER_CHILD,
) -> PairingPlan:
    """The best pairing of these children with these volunteers' spare load."""
    # Sorted by id so the same input in any order gives the same plan.
    kids = sorted(children, key=lambda c: str(c.beneficiary_id))
    helpers = sorted((v for v in volunteers if v.spare_capacity > 0), key=lambda v: v.volunteer_id)
    places = [
        max(0, options.volunteers_per_child - len(child.current_volunteer_ids)) for child in kids
    ]
    spare = [v.spare_capacity for v in helpers]
    chosen: list[tuple[int, int]] = []
    taken: list[set[str]] = [set(child.current_volunteer_ids) for child in kids]
    for _ in range(MAX_ROUNDS):
        if not helpers or not any(places) or not any(spare):
            break
        open_kids = [i for i, p in enumerate(places) if p > 0]
        round_children = [
            ChildToPair(
                beneficiary_id=kids[i].beneficiary_id,
                school_id=kids[i].school_id,
                county=kids[i].county,
                subject_needs=kids[i].subject_needs,
                last_volunteer_id=kids[i].last_volunteer_id,
                current_volunteer_ids=tuple(sorted(taken[i])),
                barred_volunteer_ids=kids[i].barred_volunteer_ids,
            )
            for i in open_kids
        ]
        pairs = _solve_round(
            round_children, [places[i] for i in open_kids], helpers, spare, candidates_per_child
        )
        if not pairs:
            break
        for c, v in pairs:
            child_index = open_kids[c]
            chosen.append((child_index, v))
            places[child_index] -= 1
            spare[v] -= 1
            taken[child_index].add(helpers[v].volunteer_id)
        if len(helpers) <= candidates_per_child:
            break  # the graph was complete: this round was already optimal
    chosen.sort(key=lambda pair: (str(kids[pair[0]].beneficiary_id), helpers[pair[1]].volunteer_id))
    proposals = tuple(propose(kids[c], helpers[v]) for c, v in chosen)
    paired = {c for c, _ in chosen}
    unpaired = tuple(
        child for i, child in enumerate(kids) if i not in paired and not child.current_volunteer_ids
    )
    return PairingPlan(
        proposals=proposals, objective=sum(p.score for p in proposals), unpaired=unpaired
    )
