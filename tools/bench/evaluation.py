"""`campusflow bench evaluation`: the evaluation service's figures (issue 9, "Benchmarks").

Three parts, each printing its progress: the similarity gate against an index of reports
in PostgreSQL (tools/bench/evaluation_similarity.py), the committee review assignment
(evaluation_assignment.py) and the calibration gain in simulation
(evaluation_calibration.py). The command prints one JSON object as its last line; its
headline keys are `KEYS`, and `goals_met` says which of the issue's goals each figure met
(a miss is reported, never an error).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console

from tools.bench.evaluation_assignment import bench_assignment
from tools.bench.evaluation_calibration import bench_calibration
from tools.stack import StackEndpoints


@dataclass(frozen=True)
class EvaluationBench:
    quick: bool


@dataclass(frozen=True)
class EvaluationGoal:
    key: str
    threshold: float
    at_least: bool  # True: reach the threshold; False: stay at or below it
    strict: bool = False  # stay strictly below it

    def met(self, value: float | None) -> bool:
        if value is None:
            return False
        if self.at_least:
            return value >= self.threshold
        return value < self.threshold if self.strict else value <= self.threshold


GOALS = (
    EvaluationGoal("similarity_p95_ms", 200.0, at_least=False, strict=True),
    EvaluationGoal("similarity_recall", 0.95, at_least=True),
    EvaluationGoal("similarity_false_flag_rate", 0.01, at_least=False),
    EvaluationGoal("assignment_s", 10.0, at_least=False, strict=True),
    EvaluationGoal("assignment_conflicts", 0, at_least=False),
    EvaluationGoal("assignment_load_spread", 1, at_least=False),
    EvaluationGoal("calibration_gain_points", 10.0, at_least=True),
)

KEYS = (
    "similarity_p95_ms",
    "index_build_s",
    "similarity_recall",
    "similarity_false_flag_rate",
    "assignment_s",
    "assignment_conflicts",
    "assignment_load_spread",
    "calibration_gain_points",
)


def goals_met(figures: dict[str, Any]) -> dict[str, bool]:
    return {goal.key: goal.met(figures.get(goal.key)) for goal in GOALS}


async def run_evaluation(
    endpoints: StackEndpoints, settings: EvaluationBench, console: Console
) -> dict[str, Any]:
    """Every figure of the run, the issue's headline keys first."""
    from tools.bench.evaluation_similarity import run_similarity_bench

    def progress(line: str) -> None:
        console.print(line, markup=False, highlight=False)

    figures: dict[str, Any] = {}
    figures.update(
        await run_similarity_bench(
            endpoints.postgres_admin_dsn, quick=settings.quick, progress=progress
        )
    )
    figures.update(bench_assignment(console, quick=settings.quick))
    figures.update(bench_calibration(console, quick=settings.quick))
    missing = [key for key in KEYS if key not in figures]
    if missing:
        raise RuntimeError(f"the evaluation bench lacks {', '.join(missing)}")
    headline = {key: figures.pop(key) for key in KEYS}
    return {**headline, **figures, "quick": settings.quick, "goals_met": goals_met(headline)}
