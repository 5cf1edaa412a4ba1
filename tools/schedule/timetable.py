"""`campusflow schedule timetable PROBLEM.json`: a teaching timetable solved without the service.

Reads a timetable problem in the service's JSON format (general, or `"template": "summer"`),
solves it with CP-SAT, judges the answer with the independent checker and prints the result
document (lessons, views per school, class and volunteer) as JSON on stdout; progress lines
go to stderr. Exit code 0 when a timetable without hard violations was found, 1 when the
problem is infeasible (the conflicting requirements are printed) or no timetable was found
in time, 2 when the input is bad.
"""

from __future__ import annotations

from pathlib import Path

from services.scheduling.domain.timetabling import TimetableOutcome, TimetableProblem
from services.scheduling.schemas.timetabling import (
    parse_timetable_problem,
    timetable_result_document,
)
from services.scheduling.solver.timetabling import solve_timetable
from tools.schedule.problem_file import INFEASIBLE, solve_problem_file


def _describe(problem: TimetableProblem, name: str) -> str:
    return (
        f"timetable {problem.name or name}: {len(problem.schools)} schools, "
        f"{len(problem.classes)} classes, {len(problem.teachers)} volunteers, "
        f"{problem.total_lessons} lessons over {problem.weeks} week(s)"
    )


def _verdict(outcome: TimetableOutcome) -> tuple[int, list[str]]:
    if outcome.status == "infeasible":
        return 1, [
            INFEASIBLE,
            *(f"  - {c.requirement}: {c.description}" for c in outcome.conflicts),
        ]
    if not outcome.lessons or outcome.hard_violations:
        return 1, [
            f"no timetable without hard violations ({outcome.status})",
            *(f"  - {violation}" for violation in outcome.hard_violations),
        ]
    return 0, [
        f"{outcome.status}: objective {outcome.objective:g}, bound {outcome.bound:g}, "
        f"gap {outcome.gap:.4f}, {len(outcome.lessons)} lessons in {outcome.parts} parts, "
        f"first timetable after {outcome.feasible_s or 0:.2f} s, checked"
    ]


def solve_file(path: Path, *, time_limit_s: float) -> int:
    return solve_problem_file(
        path,
        time_limit_s=time_limit_s,
        parse=parse_timetable_problem,
        describe=_describe,
        solve=lambda problem, limit, workers, progress: solve_timetable(
            problem, time_limit_s=limit, workers=workers, progress=progress
        ),
        document=timetable_result_document,
        verdict=_verdict,
    )
