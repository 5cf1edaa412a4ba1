"""`campusflow schedule solve PROBLEM.json`: a duty rota solved without the service.

Reads a rota problem in the service's JSON format (general, or `"template": "office"`),
solves it with CP-SAT, judges the answer with the independent checker and prints the
result document as JSON on stdout; progress lines go to stderr. Exit code 0 when a rota
without hard violations was found, 1 when the problem is infeasible (the conflicting
requirements are printed) or no rota was found in time, 2 when the input is bad.
"""

from __future__ import annotations

from pathlib import Path

from services.scheduling.domain.rostering import RotaOutcome, RotaProblem
from services.scheduling.schemas.rostering import parse_rota_problem, rota_result_document
from services.scheduling.solver.rostering import solve_rota
from tools.schedule.problem_file import INFEASIBLE, solve_problem_file


def _describe(problem: RotaProblem, name: str) -> str:
    return (
        f"rota {problem.name or name}: {len(problem.staff)} staff, "
        f"{len(problem.cover)} dated shifts over {problem.days} days"
    )


def _verdict(outcome: RotaOutcome) -> tuple[int, list[str]]:
    if outcome.status == "infeasible":
        return 1, [INFEASIBLE, *(f"  - {conflict}" for conflict in outcome.conflicts)]
    if not outcome.publishable:
        return 1, [
            f"no rota without hard violations ({outcome.status})",
            *(f"  - {violation.message}" for violation in outcome.hard_violations),
        ]
    return 0, [
        f"{outcome.status}: objective {outcome.objective:g}, bound {outcome.bound:g}, "
        f"gap {outcome.gap:g}, {len(outcome.assignments)} assignments, checked"
    ]


def solve_file(path: Path, *, time_limit_s: float) -> int:
    return solve_problem_file(
        path,
        time_limit_s=time_limit_s,
        parse=parse_rota_problem,
        describe=_describe,
        solve=lambda problem, limit, workers, progress: solve_rota(
            problem, time_limit_s=limit, workers=workers, progress=progress
        ),
        document=rota_result_document,
        verdict=_verdict,
    )
