"""CP-SAT search for teaching timetables, one model per independent part of the problem.

Courses that share no teacher, class or room in the same week never interact, so the
problem splits into parts (the summer programme: one per school and week), searched
`workers` at a time. Each part first gets a timetable fast with every course in a planned
room (each class in its own room where it can: rooms matched to classes by size), and a
lower bound from the linear relaxation of its full model; the time left goes to the parts
not proven optimal, searched on the full model from their timetable. The answer is judged
by the independent checker (services.scheduling.domain.timetable_checker), never by the
solver's numbers.
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from services.scheduling.domain.solving import ProgressSink, SolveProgress, StopFlag
from services.scheduling.domain.timetable_checker import check_timetable
from services.scheduling.domain.timetabling import (
    Lesson,
    TimetableOutcome,
    TimetableProblem,
    relative_gap,
)
from services.scheduling.solver.timetable_conflicts import explain_infeasible_part
from services.scheduling.solver.timetable_model import PartModel, split_into_parts
from services.scheduling.solver.timetable_rooms import lower_bound, room_plan

FIRST_PASS_SHARE = 0.3  # of the time limit, for every part's first timetable
MIN_SLICE_S = 0.1
FIRST_SLICE_S = 1.0  # at least, for a part's first timetable


@dataclass
class _Part:
    course_ids: tuple[str, ...]
    size: int
    lessons: tuple[Lesson, ...] = ()
    objective: float | None = None
    bound: float = 0.0
    infeasible: bool = False
    exact: bool = False  # objective proven to be the lessons' cost (an OPTIMAL end)

    @property
    def settled(self) -> bool:
        return self.infeasible or (self.objective is not None and self.objective <= self.bound)


@dataclass
class _Run:
    """What the parts' searches share: the clock, the stop flag, progress, live solvers."""

    problem: TimetableProblem
    started: float
    deadline: float
    progress: ProgressSink | None
    stop: StopFlag | None
    parts: list[_Part]
    lock: threading.Lock = field(default_factory=threading.Lock)
    live: set[cp_model.CpSolver] = field(default_factory=set)
    stopped: bool = False
    finished: bool = False
    last_reported: tuple[float, float] | None = None

    def remaining(self) -> float:
        return self.deadline - time.perf_counter()

    def report(self) -> None:
        """Sum of the parts' best objectives and bounds, once every part has a timetable."""
        if self.progress is None:
            return
        with self.lock:
            if any(p.objective is None for p in self.parts):
                return
            objective = sum(p.objective or 0.0 for p in self.parts)
            bound = sum(min(p.bound, p.objective or 0.0) for p in self.parts)
            if (objective, bound) == self.last_reported:
                return
            self.last_reported = (objective, bound)
            elapsed = time.perf_counter() - self.started
        self.progress(SolveProgress(objective=objective, bound=bound, elapsed_s=elapsed))


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
        _Part(course_ids=ids, size=sum(problem.course_by_id[c].lessons for c in ids))
        for ids in split_into_parts(problem)
    ]
    parts.sort(key=lambda p: -p.size)
    run = _Run(problem, started, started + time_limit_s, progress, stop, parts)
    watcher = threading.Thread(target=_watch_stop, args=(run,), daemon=True)
    watcher.start()
    workers = max(1, workers)
    feasible_at: float | None = None
    try:
        first_budget = time_limit_s * FIRST_PASS_SHARE * workers
        _each(run, parts, workers, lambda p: _first(run, p, first_budget * p.size / _total(parts)))
        while not run.stopped and not any(p.infeasible for p in parts):
            if feasible_at is None and all(p.objective is not None for p in parts):
                feasible_at = time.perf_counter() - started
            todo = [p for p in parts if not p.settled]
            if not todo or run.remaining() <= MIN_SLICE_S:
                break
            _improve(run, todo, workers)
    finally:
        run.stopped = run.stopped or (stop is not None and stop())
        run.finished = True
        watcher.join()
    return _outcome(run, feasible_at, time.perf_counter() - started)


def _total(parts: list[_Part]) -> int:
    return sum(p.size for p in parts) or 1


def _each(run: _Run, todo: list[_Part], workers: int, work: object) -> None:
    def one(part: _Part) -> None:
        if not run.stopped and run.remaining() > 0.01:
            work(part)  # type: ignore[operator]

    if workers == 1 or len(todo) == 1:
        for part in todo:
            one(part)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, todo))


def _first(run: _Run, part: _Part, budget: float) -> None:
    """A timetable with planned rooms, a lower bound; the full model if the plan fails."""
    with run.lock:
        part.bound = max(part.bound, lower_bound(run.problem, part.course_ids))
    plan = room_plan(run.problem, part.course_ids)
    limit = max(FIRST_SLICE_S, budget)
    planned = PartModel(run.problem, part.course_ids, rooms=plan)
    for attempt in range(3):
        if part.objective is not None or run.stopped or run.remaining() <= 0.01:
            break
        status = _search(run, part, planned, min(run.remaining(), limit * 2**attempt), full=False)
        if status == int(cp_model.INFEASIBLE):
            break
    if part.objective is None and not run.stopped and run.remaining() > 0.01:
        full = PartModel(run.problem, part.course_ids)
        _search(run, part, full, min(run.remaining(), 4 * limit), full=True)
    run.report()


def _improve(run: _Run, todo: list[_Part], workers: int) -> None:
    """The time left, shared by the open parts by their gap (parts without a timetable first)."""
    todo.sort(key=lambda p: (p.objective is not None, -((p.objective or 0) - p.bound)))
    weight = {id(p): 1.0 + (p.objective or 1000.0) - p.bound for p in todo}
    total = sum(weight.values())
    budget = max(0.0, run.remaining()) * workers

    def work(part: _Part) -> None:
        limit = min(run.remaining(), max(MIN_SLICE_S, budget * weight[id(part)] / total))
        model = PartModel(run.problem, part.course_ids)
        if part.lessons:
            model.hint(part.lessons)
        _search(run, part, model, limit, full=True)

    _each(run, todo, workers, work)


def _search(run: _Run, part: _Part, model: PartModel, limit: float, *, full: bool) -> int:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 7
    if not full:
        # The planned-room model is small: presolve costs more than it saves.
        solver.parameters.cp_model_presolve = False

    class Improved(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            _offer(run, part, self.objective_value, model.lessons(self))

    with run.lock:
        if run.stopped:
            return int(cp_model.UNKNOWN)
        run.live.add(solver)
    try:
        status = solver.solve(model.model, Improved())
    finally:
        with run.lock:
            run.live.discard(solver)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        _offer(run, part, solver.objective_value, model.lessons(solver))
        if status == cp_model.OPTIMAL:
            with run.lock:
                part.exact = part.objective == solver.objective_value
    with run.lock:
        if full and status == cp_model.INFEASIBLE:
            part.infeasible = True
        elif full and status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            part.bound = max(part.bound, math.ceil(solver.best_objective_bound - 1e-6))
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"invalid timetable model: {model.model.validate()}")
    run.report()
    return int(status)


def _offer(run: _Run, part: _Part, objective: float, lessons: tuple[Lesson, ...]) -> None:
    with run.lock:
        better = part.objective is None or objective < part.objective
        if better:
            part.objective, part.lessons, part.exact = objective, lessons, False
    if better:
        run.report()


def _price(problem: TimetableProblem, part: _Part) -> None:
    """The model's exact objective of the part's lessons (the penalty variables of a solution
    found on the way may overstate it)."""
    model = PartModel(problem, part.course_ids)
    model.fix(part.lessons)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    if solver.solve(model.model) == cp_model.OPTIMAL:
        part.objective, part.exact = solver.objective_value, True


def _watch_stop(run: _Run) -> None:
    while not run.finished:
        if run.stop is not None and run.stop():
            with run.lock:
                run.stopped = True
                for solver in run.live:
                    solver.stop_search()
            return
        time.sleep(0.05)


def _outcome(run: _Run, feasible_at: float | None, wall_s: float) -> TimetableOutcome:
    problem, parts = run.problem, run.parts
    infeasible = [p for p in parts if p.infeasible]
    if infeasible:
        conflicts = explain_infeasible_part(problem, infeasible[0].course_ids, time_limit_s=10.0)
        return TimetableOutcome(
            problem=problem,
            status="infeasible",
            wall_s=time.perf_counter() - run.started,
            conflicts=conflicts,
            parts=len(parts),
        )
    if any(p.objective is None for p in parts):
        return TimetableOutcome(
            problem=problem,
            status="cancelled" if run.stopped else "unknown",
            wall_s=wall_s,
            parts=len(parts),
        )
    for part in parts:
        if not part.exact:
            _price(problem, part)
    lessons = tuple(sorted(lesson for p in parts for lesson in p.lessons))
    judgement = check_timetable(problem, lessons)
    solver_objective = sum(p.objective or 0.0 for p in parts)
    bound = sum(min(p.bound, p.objective or 0.0) for p in parts)
    objective = float(judgement.objective)
    return TimetableOutcome(
        problem=problem,
        status=(
            "cancelled"
            if run.stopped
            else "optimal"
            if all(p.settled for p in parts)
            else "feasible"
        ),
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
