"""The summer timetable benchmark (`campusflow bench scheduling`).

30 schools, 30 teams of 5 volunteers (150), the summer template: 8 Jul–11 Aug 2024, five
weeks, each team at a different school every week. Generated with a fixed seed: 30–60
pupils a school in three grade classes, three classrooms a school whose capacities are the
class sizes give or take a few seats (so some lessons cannot avoid excess pupils), a film
screening place that does not always hold everyone, and volunteers away for 0–3 periods a
week. Some 14,400 lessons in 150 independent parts (a school in a week).

Timed: `timetable_feasible_s`, when every part has a timetable without hard violations;
`timetable_gap_60s`, the relative gap between the checker's objective and the proven lower
bound after a 60 s solve on 2 workers. The timetable is re-judged by the independent
checker in the same run (`timetable_hard_violations`).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from services.scheduling.domain.solving import ProblemLimits, SolveProgress
from services.scheduling.domain.timetable_checker import check_timetable
from services.scheduling.schemas.timetabling import parse_timetable_problem
from services.scheduling.solver.timetabling import solve_timetable

SEED = 8
DAYTIME = [f"{d}-{n}" for d in ("mon", "tue", "wed", "thu", "fri") for n in range(1, 7)] + [
    f"sat-{n}" for n in (1, 2, 3)
]
REPORT_EVERY_S = 2.0


@dataclass(frozen=True)
class Size:
    schools: int
    team_size: int
    time_limit_s: float


FULL = Size(schools=30, team_size=5, time_limit_s=60.0)
QUICK = Size(schools=3, team_size=5, time_limit_s=10.0)


def summer_document(*, schools: int, team_size: int, seed: int = SEED) -> dict[str, Any]:
    """A summer programme problem in the service's JSON format."""
    rng = random.Random(seed)
    placed = []
    for i in range(schools):
        pupils = rng.randint(30, 60)
        sizes = [pupils // 3 + (1 if k < pupils % 3 else 0) for k in range(3)]
        placed.append(
            {
                "id": f"school-{i + 1:02d}",
                "name": f"第{i + 1}小学",
                "classes": [
                    {"id": f"school-{i + 1:02d}-g{g}", "name": f"{g}年级", "pupils": sizes[k]}
                    for k, g in enumerate((3, 4, 5))
                ],
                "rooms": [
                    {
                        "id": f"school-{i + 1:02d}-r{k + 1}",
                        "capacity": max(8, s + rng.randint(-4, 6)),
                    }
                    for k, s in enumerate(sizes)
                ],
                "screening": {"capacity": rng.choice([pupils, pupils, 40, 50])},
            }
        )
    teams = [
        {
            "id": f"team-{t + 1:02d}",
            "volunteers": [
                {
                    "id": f"v{t + 1:02d}-{j + 1}",
                    "unavailable": rng.sample(DAYTIME, rng.choice([0, 0, 1, 2, 3])),
                }
                for j in range(team_size)
            ],
        }
        for t in range(schools)
    ]
    return {
        "template": "summer",
        "name": f"bench: {schools} schools",
        "year": 2024,
        "schools": placed,
        "teams": teams,
    }


def bench_timetable(console: Console, quick: bool) -> dict[str, Any]:
    size = QUICK if quick else FULL
    problem = parse_timetable_problem(
        summer_document(schools=size.schools, team_size=size.team_size), ProblemLimits()
    )
    console.print(
        f"timetable: {len(problem.schools)} schools, {len(problem.teachers)} volunteers, "
        f"{problem.total_lessons:,} lessons over {problem.weeks} weeks, "
        f"limit {size.time_limit_s:g} s on 2 workers"
    )
    last = [-REPORT_EVERY_S]

    def report(progress: SolveProgress) -> None:
        if progress.elapsed_s - last[0] >= REPORT_EVERY_S:
            last[0] = progress.elapsed_s
            console.print(
                f"timetable: {progress.elapsed_s:6.2f} s objective {progress.objective:g} "
                f"bound {progress.bound:g}"
            )

    started = time.perf_counter()
    outcome = solve_timetable(problem, time_limit_s=size.time_limit_s, workers=2, progress=report)
    judged = check_timetable(problem, outcome.lessons)
    console.print(
        f"timetable: {outcome.status} in {time.perf_counter() - started:.2f} s, "
        f"{outcome.parts} parts, first timetable after {_round(outcome.feasible_s)} s, "
        f"objective {judged.objective} (solver {outcome.solver_objective}), "
        f"bound {outcome.bound}, gap {_round(outcome.gap, 4)}, "
        f"hard violations {len(judged.hard_violations)}"
    )
    feasible_ok = outcome.feasible_s is not None and outcome.feasible_s <= 10
    gap_ok = outcome.gap is not None and outcome.gap <= 0.05
    console.print(
        f"timetable: goals feasible <= 10 s {'PASS' if feasible_ok else 'MISS'}, "
        f"gap <= 5% at 60 s {'PASS' if gap_ok else 'MISS'}"
    )
    return {
        "timetable_feasible_s": _round(outcome.feasible_s),
        "timetable_gap_60s": _round(outcome.gap, 4),
        "timetable_objective": judged.objective if outcome.lessons else None,
        "timetable_bound": outcome.bound,
        "timetable_lessons": len(outcome.lessons),
        "timetable_hard_violations": len(judged.hard_violations) if outcome.lessons else None,
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)
