"""`campusflow schedule solve PROBLEM.json`: a duty rota solved without the service.

Reads a rota problem in the service's JSON format (general, or `"template": "office"`),
solves it with CP-SAT, judges the answer with the independent checker and prints the
result document as JSON on stdout; progress lines go to stderr. Exit code 0 when a rota
without hard violations was found, 1 when the problem is infeasible (the conflicting
requirements are printed) or no rota was found in time, 2 when the input is bad.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from services.scheduling.domain.solving import ProblemLimits, SolveProgress
from services.scheduling.schemas.rostering import parse_rota_problem, rota_result_document
from services.scheduling.solver.rostering import solve_rota
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
        problem = parse_rota_problem(data, ProblemLimits())
    except RuleBroken as broken:
        _say(f"bad input: field {broken.field}: {broken.message} (rule {broken.rule})")
        return 2
    _say(
        f"rota {problem.name or path.name}: {len(problem.staff)} staff, "
        f"{len(problem.cover)} dated shifts over {problem.days} days, "
        f"limit {time_limit_s:g} s"
    )

    def progress(step: SolveProgress) -> None:
        _say(f"{step.elapsed_s:7.2f} s  objective {step.objective:g}  bound {step.bound:g}")

    outcome = solve_rota(problem, time_limit_s=time_limit_s, workers=WORKERS, progress=progress)
    document = rota_result_document(outcome)
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()
    if outcome.status == "infeasible":
        _say("infeasible: these requirements cannot hold together:")
        for conflict in outcome.conflicts:
            _say(f"  - {conflict}")
        return 1
    if not outcome.publishable:
        _say(f"no rota without hard violations ({outcome.status})")
        for violation in outcome.hard_violations:
            _say(f"  - {violation.message}")
        return 1
    _say(
        f"{outcome.status}: objective {outcome.objective:g}, bound {outcome.bound:g}, "
        f"gap {outcome.gap:g}, {len(outcome.assignments)} assignments, checked"
    )
    return 0
