"""CP-SAT search for teaching timetables, one independent part of the problem at a time.

Courses that share no teacher, class or room in the same week never interact, so the
problem splits into parts (the summer programme: one per school and week), searched
`workers` at a time (CP-SAT releases the GIL while it searches). Every part first gets a
greedy timetable and a lower bound (a min-cost flow of lessons into rooms); the time left
goes to the parts furthest from their bound (timetabling_search). The answer is judged by
the independent checker (services.scheduling.domain.timetable_checker), never by the
solver's numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from services.scheduling.domain.solving import ProgressSink, StopFlag
from services.scheduling.domain.timetable_checker import check_timetable
from services.scheduling.domain.timetabling import (
    TimetableOutcome,
    TimetableProblem,
    relative_gap,
)
from services.scheduling.solver.stop_watch import stop_when
from services.scheduling.solver.timetable_conflicts import explain_infeasible_part
from services.scheduling.solver.timetable_model import split_into_parts
from services.scheduling.solver.timetable_search import (
    MIN_SLICE_S,
    Part,
    Run,
    by_gap,
    construct,
    deepen,
    first,
    improve,
    polish,
)

FIRST_SHARE = 0.3  # of the time limit, for parts the greedy construction leaves without one
FIRST_SLICE_S = 1.0
ROUND_SLICE_S = 3.0  # one round of a part's class neighbourhoods
STALLED_ROUNDS = 2  # rounds without a better timetable before the full model
EXPLAIN_LIMIT_S = 10.0


def solve_timetable(
    problem: TimetableProblem,
    *,
    time_limit_s: float,
    workers: int = 2,
    progress: ProgressSink | None = None,
    stop: StopFlag | None = None,
) -> TimetableOutcome:
    started = time.perf_counter()
    parts = [
        Part(course_ids=ids, size=sum(problem.course_by_id[c].lessons for c in ids))
        for ids in split_into_parts(problem)
    ]
    parts.sort(key=lambda p: -p.size)
    run = Run(problem, started, started + time_limit_s, progress, stop, parts)
    with stop_when(stop, run.stop_live, name="timetable-stop-watch"):
        try:
            feasible_at = _search(run, max(1, workers), time_limit_s)
        finally:
            run.stopped = run.stopped or (stop is not None and stop())
    return _outcome(run, feasible_at, time.perf_counter() - started)


def _search(run: Run, workers: int, time_limit_s: float) -> float | None:
    """Every part built and polished, then searched while time is left and no stop is
    asked; when (seconds from the start) every part first had a timetable."""
    parts = run.parts
    feasible_at: float | None = None
    for part in parts:
        if run.stopped:
            break
        construct(run, part)
    if all(p.lessons for p in parts):
        feasible_at = time.perf_counter() - run.started
    for part in parts:
        if run.stopped or run.remaining() <= MIN_SLICE_S:
            break
        polish(run, part)
    slice_s = max(FIRST_SLICE_S, time_limit_s * FIRST_SHARE * workers / max(1, len(parts)))
    _each(run, [p for p in parts if not p.lessons], workers, lambda p: first(run, p, slice_s))
    while not run.stopped and not any(p.infeasible for p in parts):
        if feasible_at is None and all(p.lessons for p in parts):
            feasible_at = time.perf_counter() - run.started
        if run.remaining() <= MIN_SLICE_S or not _round(run, workers):
            break
    return feasible_at


def _round(run: Run, workers: int) -> bool:
    """One round over the open parts; False when none is left to search."""
    open_parts = [p for p in run.parts if not p.proven and not p.infeasible]
    nearby = [p for p in open_parts if p.stalled < STALLED_ROUNDS or not p.lessons]
    deep = [p for p in open_parts if p not in nearby and not p.deep]
    if not nearby and not deep:
        return False
    todo = nearby or deep
    todo.sort(key=lambda p: -p.gap)
    weight = by_gap(todo)
    total = sum(weight.values())
    budget = max(0.0, run.remaining()) * workers

    def work(part: Part) -> None:
        share = max(MIN_SLICE_S, budget * weight[id(part)] / total)
        if nearby and part.lessons:
            improve(run, part, min(ROUND_SLICE_S, share))
        elif nearby:
            first(run, part, share)
        else:
            deepen(run, part, share)

    _each(run, todo, workers, work)
    return True


def _each(run: Run, todo: list[Part], workers: int, work: Callable[[Part], None]) -> None:
    def one(part: Part) -> None:
        if not run.stopped and run.remaining() > 0.01:
            work(part)

    if workers == 1 or len(todo) <= 1:
        for part in todo:
            one(part)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, todo))


def _outcome(run: Run, feasible_at: float | None, wall_s: float) -> TimetableOutcome:
    problem, parts = run.problem, run.parts
    infeasible = [p for p in parts if p.infeasible]
    if infeasible:
        conflicts = explain_infeasible_part(
            problem, infeasible[0].course_ids, time_limit_s=EXPLAIN_LIMIT_S
        )
        return TimetableOutcome(
            problem=problem,
            status="infeasible",
            wall_s=time.perf_counter() - run.started,
            conflicts=conflicts,
            parts=len(parts),
        )
    if any(not p.lessons for p in parts):
        return TimetableOutcome(
            problem=problem,
            status="cancelled" if run.stopped else "unknown",
            wall_s=wall_s,
            parts=len(parts),
        )
    lessons = tuple(sorted(lesson for p in parts for lesson in p.lessons))
    judgement = check_timetable(problem, lessons)
    solver_objective = sum(
        p.model_objective if p.model_objective is not None else (p.objective or 0.0) for p in parts
    )
    bound = sum(min(p.bound, p.objective or 0.0) for p in parts)
    objective = float(judgement.objective)
    if run.stopped:
        status = "cancelled"
    elif all(p.proven for p in parts):
        status = "optimal"
    else:
        status = "feasible"
    return TimetableOutcome(
        problem=problem,
        status=status,  # type: ignore[arg-type]
        lessons=lessons,
        objective=objective,
        solver_objective=solver_objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        wall_s=wall_s,
        feasible_s=feasible_at,
        penalties=judgement.penalties,
        hard_violations=judgement.hard_violations,
        parts=len(parts),
    )
