"""`campusflow schedule timetable PROBLEM.json`: a teaching timetable solved without the service.

Reads a timetable problem in the service's JSON format (general, or `"template": "summer"`),
solves it with CP-SAT, judges the answer with the independent checker and prints the result
document (lessons, views per school, class and volunteer) as JSON on stdout; progress lines
go to stderr. Exit code 0 when a timetable without hard violations was found, 1 when the
problem is infeasible (the conflicting requirements are printed) or no timetable was found
in time, 2 when the input is bad.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from services.scheduling.domain.solving import ProblemLimits, SolveProgress
from services.scheduling.schemas.timetabling import (
    parse_timetable_problem,
    timetable_result_document,
)
from services.scheduling.solver.timetabling import solve_timetable
from shared.rules import RuleBroken

WORKERS = 2


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def solve_file(path: Path, *, time_limit_s: float) -> int:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        _say(f"bad input: {path}: not a JSON document ({error})")
        return 2
    try:
        problem = parse_timetable_problem(data, ProblemLimits())
    except RuleBroken as broken:
        _say(f"bad input: field {broken.field}: {broken.message} (rule {broken.rule})")
        return 2
    _say(
        f"timetable {problem.name or path.name}: {len(problem.schools)} schools, "
        f"{len(problem.classes)} classes, {len(problem.teachers)} volunteers, "
        f"{problem.total_lessons} lessons over {problem.weeks} week(s), "
        f"limit {time_limit_s:g} s"
    )

    def progress(step: SolveProgress) -> None:
        _say(f"{step.elapsed_s:7.2f} s  objective {step.objective:g}  bound {step.bound:g}")

    outcome = solve_timetable(
        problem, time_limit_s=time_limit_s, workers=WORKERS, progress=progress
    )
    sys.stdout.write(
        json.dumps(timetable_result_document(outcome), ensure_ascii=False, indent=2) + "\n"
    )
    sys.stdout.flush()
    if outcome.status == "infeasible":
        _say("infeasible: these requirements cannot hold together:")
        for conflict in outcome.conflicts:
            _say(f"  - {conflict.requirement}: {conflict.description}")
        return 1
    if not outcome.lessons or outcome.hard_violations:
        _say(f"no timetable without hard violations ({outcome.status})")
        for violation in outcome.hard_violations:
            _say(f"  - {violation}")
        return 1
    _say(
        f"{outcome.status}: objective {outcome.objective:g}, bound {outcome.bound:g}, "
        f"gap {outcome.gap:.4f}, {len(outcome.lessons)} lessons in {outcome.parts} parts, "
        f"first timetable after {outcome.feasible_s or 0:.2f} s, checked"
    )
    return 0
