"""The searches of one part of a timetable problem, and what the parts' searches share.

A part is first built greedily and polished by moving single lessons into better rooms
(milliseconds); then searched in neighbourhoods of its lessons, one class at a time (the
courses the class attends free in periods and rooms, every other lesson held); when those
stall, on its full model from its best timetable (which also gives CP-SAT's bound). Parts
without a greedy timetable are searched from scratch.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from services.scheduling.domain.solving import ProgressSink, SolveProgress, StopFlag
from services.scheduling.domain.timetabling import Lesson, TimetableProblem
from services.scheduling.solver.timetable_cost import lessons_cost
from services.scheduling.solver.timetable_greedy import greedy_timetable, relocate
from services.scheduling.solver.timetable_model import PartModel
from services.scheduling.solver.timetable_rooms import lower_bound, room_plan

MIN_SLICE_S = 0.1
RELOCATE_ROUNDS = 50


@dataclass
class Part:
    course_ids: tuple[str, ...]
    size: int
    lessons: tuple[Lesson, ...] = ()
    objective: float | None = None  # the solver's price of `lessons`
    model_objective: float | None = None  # CP-SAT's, when a search proved `lessons` optimal
    bound: float = 0.0
    infeasible: bool = False
    stalled: int = 0  # neighbourhood rounds in a row that found nothing better
    deep: bool = False  # searched on its full model since its last improvement
    home: dict[str, str] = field(default_factory=dict)

    @property
    def proven(self) -> bool:
        return self.objective is not None and self.objective <= self.bound

    @property
    def gap(self) -> float:
        return 1e9 if self.objective is None else self.objective - self.bound


@dataclass
class Run:
    """What the parts' searches share: the clock, the stop flag, progress, live solvers."""

    problem: TimetableProblem
    started: float
    deadline: float
    progress: ProgressSink | None
    stop: StopFlag | None
    parts: list[Part]
    lock: threading.Lock = field(default_factory=threading.Lock)
    live: set[cp_model.CpSolver] = field(default_factory=set)
    stopped: bool = False
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

    def stop_live(self) -> None:
        """No search starts any more, and every live one is asked to stop."""
        with self.lock:
            self.stopped = True
            for solver in self.live:
                solver.stop_search()


def construct(run: Run, part: Part) -> None:
    """The part's lower bound and, when the greedy construction succeeds, a first timetable."""
    part.bound = lower_bound(run.problem, part.course_ids)
    part.home = room_plan(run.problem, part.course_ids)
    lessons = greedy_timetable(run.problem, part.course_ids, part.home)
    if lessons is not None:
        offer(run, part, lessons)


def polish(run: Run, part: Part) -> None:
    """Single lessons and whole courses moved into better-fitting rooms (milliseconds)."""
    if part.lessons:
        offer(run, part, relocate(run.problem, part.lessons, rounds=RELOCATE_ROUNDS))


def first(run: Run, part: Part, limit: float) -> None:
    """A timetable from scratch: courses in their planned rooms, else on the full model."""
    planned = {c: (r,) for c, r in part.home.items()}
    model = PartModel(run.problem, part.course_ids, rooms=planned)
    for attempt in range(3):
        if part.lessons or run.stopped or run.remaining() <= 0.01:
            break
        if search(run, part, model, limit * 2**attempt) == cp_model.INFEASIBLE:
            break
    if not part.lessons and not run.stopped and run.remaining() > 0.01:
        search(run, part, PartModel(run.problem, part.course_ids), 4 * limit, full=True)


def improve(run: Run, part: Part, limit: float) -> None:
    """One round of class neighbourhoods: for each class in turn, the courses it attends
    are free (periods and rooms) and every other lesson stays where it is."""
    before = part.objective
    problem = run.problem
    classes = sorted({k for c in part.course_ids for k in problem.course_by_id[c].class_ids})
    for class_id in classes:
        if run.stopped or run.remaining() <= 0.01:
            break
        held_periods: dict[str, set[str]] = defaultdict(set)
        held_rooms: dict[str, set[str]] = defaultdict(set)
        for lesson in part.lessons:
            if class_id not in problem.course_by_id[lesson.course_id].class_ids:
                held_periods[lesson.course_id].add(lesson.period_id)
                held_rooms[lesson.course_id].add(lesson.room_id)
        model = PartModel(problem, part.course_ids, rooms=held_rooms, periods=held_periods)
        model.hint(part.lessons)
        search(run, part, model, limit / len(classes), quick=True)
    with run.lock:
        part.stalled = part.stalled + 1 if part.objective == before else 0


def deepen(run: Run, part: Part, limit: float) -> None:
    """The part's full model from its best timetable: better timetables and a bound."""
    model = PartModel(run.problem, part.course_ids)
    if part.lessons:
        model.hint(part.lessons)
    search(run, part, model, limit, full=True)
    with run.lock:
        part.deep = True


def search(
    run: Run,
    part: Part,
    model: PartModel,
    limit: float,
    *,
    full: bool = False,
    quick: bool = False,
) -> int:
    """One CP-SAT search of a part (its full model, or a neighbourhood of its lessons)."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, min(limit, run.remaining()))
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 7
    if quick:
        # A small neighbourhood from a hint: presolve costs more than it saves.
        solver.parameters.cp_model_presolve = False
    with run.lock:
        if run.stopped:
            return int(cp_model.UNKNOWN)
        run.live.add(solver)
    try:
        status = solver.solve(model.model)
    finally:
        with run.lock:
            run.live.discard(solver)
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"invalid timetable model: {model.model.validate()}")
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Integer weights: CP-SAT's float objective is an integer up to rounding.
        exact = float(round(solver.objective_value)) if status == cp_model.OPTIMAL else None
        offer(run, part, model.lessons(solver), model_objective=exact)
    with run.lock:
        if full and status == cp_model.INFEASIBLE:
            part.infeasible = True
        elif full and status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            part.bound = max(part.bound, math.ceil(solver.best_objective_bound - 1e-6))
    run.report()
    return int(status)


def offer(
    run: Run, part: Part, lessons: tuple[Lesson, ...], *, model_objective: float | None = None
) -> None:
    """Keeps the lessons if they cost less than the part's best so far."""
    cost = lessons_cost(run.problem, lessons)
    with run.lock:
        better = part.objective is None or cost < part.objective
        if better:
            part.objective, part.lessons, part.deep = cost, lessons, False
            part.model_objective = model_objective
        elif cost == part.objective and model_objective is not None:
            part.model_objective = model_objective
    if better:
        run.report()


def by_gap(parts: list[Part]) -> Mapping[int, float]:
    """Each open part's share of the time left: its gap (parts without a timetable first)."""
    return {id(p): 1.0 + min(p.gap, 1000.0) for p in parts}
