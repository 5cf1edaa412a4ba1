"""The duty-rota benchmarks (`campusflow bench scheduling`): rota and repair.

Rota: 2,000 members x 140 weekly shifts (10 posts x 7 days x a day and an evening shift,
3 seats each), generated with a fixed seed. Each member has a class timetable (busy
half-days, so unavailable for every post then), at most two duties a week, at most one a
day, a quarter of them experienced (every shift needs one), some shift-on and day-off
requests, and fairness (balanced load). Timed: CP-SAT from the model build to the proven
optimum (or the time limit), the first feasible solution from the solution callback; the
answer is re-judged by the independent checker (`roster_hard_violations`). Baseline in the
same run: the greedy fill's objective by the same checker.

Repair: one member with duties withdraws (unavailable for the whole week); the repair
keeps every other member's past-free assignments pinned only by preference (minimal
change), and `repair_changes` counts the other members' assignments changed.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field, replace
from datetime import date
from datetime import time as wall
from typing import Any

from rich.console import Console

from services.scheduling.domain.roster_checker import check_rota
from services.scheduling.domain.rostering import (
    Cover,
    Fairness,
    RotaOutcome,
    RotaProblem,
    ShiftRequest,
    ShiftType,
    SkillRequirement,
    Staff,
)
from services.scheduling.domain.solving import SolveProgress
from services.scheduling.solver.repair import repair_rota
from services.scheduling.solver.rostering import solve_rota
from services.scheduling.solver.rota_greedy import greedy_rota

START = date(2024, 9, 2)  # a Monday
SEED = 8


@dataclass(frozen=True)
class Size:
    members: int
    posts: int
    time_limit_s: float
    repair_limit_s: float


FULL = Size(members=2000, posts=10, time_limit_s=30.0, repair_limit_s=10.0)
QUICK = Size(members=200, posts=3, time_limit_s=10.0, repair_limit_s=5.0)


@dataclass
class RotaBench:
    problem: RotaProblem
    outcome: RotaOutcome
    figures: dict[str, Any] = field(default_factory=dict)


def generate_rota(*, members: int, posts: int, seed: int = SEED, days: int = 7) -> RotaProblem:
    rng = random.Random(seed)
    kinds = []
    for p in range(posts):
        place = f"building {p + 1}"
        kinds.append(ShiftType(f"P{p + 1:02d}-day", f"post-{p + 1:02d}", wall(8), 240, place))
        kinds.append(ShiftType(f"P{p + 1:02d}-eve", f"post-{p + 1:02d}", wall(14), 240, place))
    staff = []
    requests = []
    for i in range(members):
        sid = f"m{i:05d}"
        busy_half_days = {
            (day, half)
            for day in range(days)
            for half in (0, 1)
            if (START.toordinal() + day) % 7 < 5 and rng.random() < 0.55
        }
        unavailable = frozenset(
            (day, kind.id)
            for day, half in busy_half_days
            for kind in kinds
            if (kind.start.hour >= 12) == bool(half)
        )
        home = rng.sample(range(posts), min(2, posts))  # their department's post and one more
        elsewhere = {k.id: 0 for k in kinds if int(k.post[-2:]) - 1 not in home}
        staff.append(
            Staff(
                sid,
                max_shifts=elsewhere,
                max_total_min=480,
                unavailable=unavailable,
                skills=frozenset({"experienced"}) if rng.random() < 0.25 else frozenset(),
            )
        )
        roll = rng.random()
        if roll < 0.3:  # one to three wished-for shifts at their posts (at most two granted)
            theirs = [k for k in kinds if k.id not in elsewhere]
            for _ in range(rng.randint(1, 3)):
                kind = rng.choice(theirs)
                requests.append(
                    ShiftRequest(sid, rng.randrange(days), kind.id, rng.randint(1, 3), True)
                )
        elif roll < 0.5:
            requests.append(ShiftRequest(sid, rng.randrange(days), None, rng.randint(1, 3), False))
    cover = tuple(Cover(day, kind.id, 3) for day in range(days) for kind in kinds)
    needs = tuple(
        SkillRequirement(day, kind.id, "experienced") for day in range(days) for kind in kinds
    )
    return RotaProblem(
        start=START,
        days=days,
        shift_types=tuple(kinds),
        staff=tuple(staff),
        cover=cover,
        requests=tuple(requests),
        skill_requirements=needs,
        fairness=Fairness(1),
        name="bench rota",
    )


def bench_rota(console: Console, quick: bool) -> RotaBench:
    size = QUICK if quick else FULL
    problem = generate_rota(members=size.members, posts=size.posts)
    cells = len(problem.cover)
    console.print(
        f"rota: {len(problem.staff):,} members x {cells} shifts x 3 seats, "
        f"limit {size.time_limit_s:g} s"
    )
    started = time.perf_counter()
    greedy = greedy_rota(problem)
    greedy_s = time.perf_counter() - started
    baseline = check_rota(problem, greedy)
    console.print(
        f"rota: greedy fill {greedy_s:.2f} s, objective {baseline.objective:g}, "
        f"{len(baseline.violations)} hard violations"
    )

    def report(progress: SolveProgress) -> None:
        console.print(
            f"rota: {progress.elapsed_s:6.2f} s objective {progress.objective:g} "
            f"bound {progress.bound:g}"
        )

    outcome = solve_rota(problem, time_limit_s=size.time_limit_s, workers=2, progress=report)
    judged = check_rota(problem, outcome.assignments)
    console.print(
        f"rota: {outcome.status} in {outcome.wall_s:.2f} s, objective {outcome.objective} "
        f"(solver {outcome.solver_objective}), bound {outcome.bound}, gap {outcome.gap}, "
        f"hard violations {len(judged.violations)}"
    )
    figures = {
        "roster_feasible_s": _round(outcome.first_feasible_s),
        "roster_optimal_s": _round(outcome.wall_s) if outcome.status == "optimal" else None,
        "roster_gap": outcome.gap,
        "roster_objective": judged.objective,
        "roster_greedy_objective": baseline.objective if baseline.feasible else None,
        "roster_hard_violations": len(judged.violations) if outcome.assignments else None,
    }
    return RotaBench(problem, outcome, figures)


def bench_repair(console: Console, rota: RotaBench, quick: bool) -> dict[str, Any]:
    size = QUICK if quick else FULL
    current = list(rota.outcome.assignments)
    if not current:
        console.print("repair: no rota to repair")
        return {"repair_s": None, "repair_changes": None, "repair_hard_violations": None}
    leaver = current[len(current) // 2].staff
    problem = rota.problem
    kinds = [kind.id for kind in problem.shift_types]
    staff = tuple(
        replace(
            person,
            unavailable=frozenset((d, k) for d in range(problem.days) for k in kinds),
        )
        if person.id == leaver
        else person
        for person in problem.staff
    )
    changed = replace(problem, staff=staff)
    theirs = [item for item in current if item.staff == leaver]
    console.print(f"repair: {leaver} withdraws from {len(theirs)} duties")
    started = time.perf_counter()
    outcome = repair_rota(changed, current, pinned=(), time_limit_s=size.repair_limit_s, workers=2)
    repair_s = time.perf_counter() - started
    # each freed seat costs one removal and one refill at least: the rest are other changes
    other_changes = (
        max(0, outcome.changes - 2 * len(theirs)) if outcome.changes is not None else None
    )
    judged = check_rota(changed, outcome.assignments)
    console.print(
        f"repair: {outcome.status} in {repair_s:.2f} s, {outcome.changes} changes in all, "
        f"{other_changes} to other members' duties, hard violations {len(judged.violations)}"
    )
    return {
        "repair_s": round(repair_s, 3),
        "repair_changes": other_changes,
        "repair_hard_violations": len(judged.violations),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
