"""What `campusflow schedule solve` and `campusflow schedule timetable` share: read a
problem file in the service's JSON format, solve it with progress lines on stderr, print
the result document as JSON on stdout and answer the exit code (0 a checked answer, 1
infeasible or nothing usable in time, 2 bad input)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from services.scheduling.domain.solving import ProblemLimits, ProgressSink, SolveProgress
from shared.rules import RuleBroken

WORKERS = 2

Problem = TypeVar("Problem")
Outcome = TypeVar("Outcome")


def say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def solve_problem_file(
    path: Path,
    *,
    time_limit_s: float,
    parse: Callable[[Any, ProblemLimits], Problem],
    describe: Callable[[Problem, str], str],
    solve: Callable[[Problem, float, int, ProgressSink], Outcome],
    document: Callable[[Outcome], Mapping[str, Any]],
    verdict: Callable[[Outcome], tuple[int, list[str]]],
) -> int:
    """`describe(problem, name)` is the line said before solving (name: the file's, for a
    problem without one); `verdict(outcome)` the exit code and the lines said after."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        say(f"bad input: {path}: not a JSON document ({error})")
        return 2
    try:
        problem = parse(data, ProblemLimits())
    except RuleBroken as broken:
        say(f"bad input: field {broken.field}: {broken.message} (rule {broken.rule})")
        return 2
    say(f"{describe(problem, path.name)}, limit {time_limit_s:g} s")

    def progress(step: SolveProgress) -> None:
        say(f"{step.elapsed_s:7.2f} s  objective {step.objective:g}  bound {step.bound:g}")

    outcome = solve(problem, time_limit_s, WORKERS, progress)
    sys.stdout.write(json.dumps(document(outcome), ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()
    code, lines = verdict(outcome)
    for line in lines:
        say(line)
    return code


INFEASIBLE = "infeasible: these requirements cannot hold together:"
