"""Placing a month of activities with CP-SAT: one interval per activity, no overlap per
shared person and per room, each window (within one campus day's hours) as the domain
of its start. The answer is judged by the independent checker (domain/activity_check).

Times are in minutes from an origin on the hour; starts lie on the quarter-hour grid
(`SLOT_MIN`), so a start variable counts slots. The objective is the checker's: total
minutes each activity starts after its window opens (as early as the calendar allows).

When the drafts cannot all be placed, a second model makes each draft optional behind
an assumption literal; CP-SAT's sufficient assumptions (one worker) give a core, which
is then shrunk by dropping one activity at a time while the rest stays infeasible.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from ortools.sat.python import cp_model

from services.scheduling.domain.activities import (
    SLOT_MIN,
    ActivityNeeds,
    Placement,
    possible_starts,
)
from services.scheduling.domain.activity_check import check_calendar
from services.scheduling.domain.activity_plans import CalendarOutcome, CalendarProblem
from services.scheduling.domain.solving import (
    ProgressSink,
    SolveProgress,
    SolveStatus,
    StopFlag,
)
from services.scheduling.solver.cores import sufficient_assumptions
from services.scheduling.solver.stop_watch import stop_when

# The core is shrunk for at most this long, each trial solve at most this long.
CORE_SHRINK_S = 5.0
CORE_TRIAL_S = 1.0


class _Model:
    """The CP-SAT model of one problem (or of a subset of its drafts)."""

    def __init__(
        self,
        problem: CalendarProblem,
        drafts: Sequence[ActivityNeeds],
        *,
        optional: bool = False,
        objective: bool = True,
    ) -> None:
        self.model = cp_model.CpModel()
        moments = [d.earliest_start for d in drafts] + [p.starts_at for _, p in problem.scheduled]
        self.origin = min(moments).replace(minute=0, second=0, microsecond=0)
        self.starts: dict[UUID, cp_model.IntVar] = {}
        self.present: dict[UUID, cp_model.IntVar] = {}
        self.unplaceable: list[UUID] = []
        uses: dict[tuple[str, str], list[cp_model.IntervalVar]] = defaultdict(list)
        drafted: dict[tuple[str, str], bool] = defaultdict(bool)
        delay_terms = []
        offset = 0
        for needs in drafts:
            ranges = [
                (self._slot(first), self._slot(last))
                for first, last in possible_starts(needs, problem.hours)
            ]
            if not ranges:
                self.unplaceable.append(needs.activity_id)
                continue
            key = needs.activity_id.hex[:12]
            start = self.model.new_int_var_from_domain(
                cp_model.Domain.from_intervals(ranges), f"s_{key}"
            )
            self.starts[needs.activity_id] = start
            if optional:
                present = self.model.new_bool_var(f"p_{key}")
                self.present[needs.activity_id] = present
                interval = self.model.new_optional_fixed_size_interval_var(
                    SLOT_MIN * start, needs.duration_min, present, f"i_{key}"
                )
            else:
                interval = self.model.new_fixed_size_interval_var(
                    SLOT_MIN * start, needs.duration_min, f"i_{key}"
                )
            for resource in _resources(needs):
                uses[resource].append(interval)
                drafted[resource] = True
            delay_terms.append(SLOT_MIN * start)
            offset += self._minutes(needs.earliest_start)
        for needs, placement in problem.scheduled:
            resources = [r for r in _resources(needs) if drafted[r]]
            if not resources:
                continue
            fixed = self.model.new_fixed_size_interval_var(
                self._minutes(placement.starts_at),
                self._minutes(placement.ends_at) - self._minutes(placement.starts_at),
                f"fixed_{needs.activity_id.hex[:12]}",
            )
            for resource in resources:
                uses[resource].append(fixed)
        for resource, intervals in uses.items():
            if drafted[resource] and len(intervals) > 1:
                self.model.add_no_overlap(intervals)
        # The checker's objective: minutes after each window opens (windows are whole
        # minutes, so this is exact).
        self.offset = offset
        if objective and delay_terms:
            self.model.minimize(sum(delay_terms) - offset)
        if optional:
            self.model.add_assumptions(list(self.present.values()))

    def _minutes(self, moment: datetime) -> int:
        return int((moment - self.origin).total_seconds() // 60)

    def _slot(self, moment: datetime) -> int:
        return self._minutes(moment) // SLOT_MIN

    def placements(
        self, solver: cp_model.CpSolver, drafts: Sequence[ActivityNeeds]
    ) -> tuple[Placement, ...]:
        placed = []
        for needs in drafts:
            start = self.origin + timedelta(
                minutes=SLOT_MIN * solver.value(self.starts[needs.activity_id])
            )
            placed.append(
                Placement(needs.activity_id, start, start + timedelta(minutes=needs.duration_min))
            )
        return tuple(placed)


def _resources(needs: ActivityNeeds) -> list[tuple[str, str]]:
    found = [("person", person) for person in dict.fromkeys(needs.people)]
    if needs.room is not None:
        found.append(("room", needs.room))
    return found


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: ProgressSink | None) -> None:
        super().__init__()
        self._progress = progress
        self.first_solution_at: float | None = None  # time.monotonic()
        self.first_solution_s: float | None = None

    def on_solution_callback(self) -> None:
        elapsed = self.wall_time
        if self.first_solution_s is None:
            self.first_solution_at, self.first_solution_s = time.monotonic(), elapsed
        if self._progress is not None:
            self._progress(
                SolveProgress(
                    objective=self.objective_value,
                    bound=self.best_objective_bound,
                    elapsed_s=elapsed,
                )
            )


def _solve(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    callback: _Progress,
    *,
    stop: StopFlag | None,
    improve_s: float | None,
) -> int:
    """Solve while a watcher thread stops the search as soon as `stop` says so, or
    `improve_s` after the first solution."""

    def should_stop() -> bool:
        first = callback.first_solution_at
        # The improvement's end first: it holds even while the flag cannot be read.
        return (
            improve_s is not None and first is not None and time.monotonic() - first >= improve_s
        ) or (stop is not None and stop())

    with stop_when(should_stop, solver.stop_search, name="calendar-watch"):
        return int(solver.solve(model, callback))


def solve_calendar(
    problem: CalendarProblem,
    *,
    time_limit_s: float,
    workers: int = 2,
    progress: ProgressSink | None = None,
    stop: StopFlag | None = None,
    improve_s: float | None = None,
) -> CalendarOutcome:
    """Place every draft clash-free (or name a small set that cannot fit together).

    The search improves the objective until it is proven optimal, `time_limit_s` is
    over, `stop` says so, or `improve_s` seconds have passed since the first solution
    (0: the first clash-free plan is enough)."""
    started = time.perf_counter()
    if not problem.drafts:
        verdict = check_calendar((), (), scheduled=problem.scheduled, hours=problem.hours)
        return CalendarOutcome("optimal", (), verdict, 0.0, 0.0, 0.0, 0.0)
    drafts = problem.drafts
    built = _Model(problem, drafts)
    if built.unplaceable:
        return CalendarOutcome(
            "infeasible",
            wall_s=time.perf_counter() - started,
            conflicts=tuple(built.unplaceable[:1]),
        )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit_s)
    solver.parameters.num_workers = max(1, workers)
    if improve_s == 0:
        solver.parameters.stop_after_first_solution = True
    callback = _Progress(progress)
    status = _solve(solver, built.model, callback, stop=stop, improve_s=improve_s)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        placements = built.placements(solver, drafts)
        verdict = check_calendar(
            drafts, placements, scheduled=problem.scheduled, hours=problem.hours
        )
        stopped = stop is not None and stop() and status != cp_model.OPTIMAL
        solve_status: SolveStatus = (
            "optimal" if status == cp_model.OPTIMAL else "cancelled" if stopped else "feasible"
        )
        return CalendarOutcome(
            solve_status,
            placements,
            verdict,
            objective=float(verdict.delay_min),
            best_bound=float(solver.best_objective_bound),
            wall_s=time.perf_counter() - started,
            first_solution_s=callback.first_solution_s,
        )
    if status == cp_model.INFEASIBLE:
        remaining = max(1.0, time_limit_s - (time.perf_counter() - started))
        conflicts = _small_core(problem, drafts, time_limit_s=remaining, stop=stop)
        return CalendarOutcome(
            "infeasible", wall_s=time.perf_counter() - started, conflicts=conflicts
        )
    cancelled = stop is not None and stop()
    return CalendarOutcome(
        "cancelled" if cancelled else "invalid" if status == cp_model.MODEL_INVALID else "unknown",
        wall_s=time.perf_counter() - started,
    )


def _feasible(
    problem: CalendarProblem, drafts: Sequence[ActivityNeeds], time_limit_s: float
) -> bool | None:
    built = _Model(problem, drafts, objective=False)
    if built.unplaceable:
        return False
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    status = solver.solve(built.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return False if status == cp_model.INFEASIBLE else None


def _core(
    problem: CalendarProblem, drafts: Sequence[ActivityNeeds], time_limit_s: float, presolve: bool
) -> list[UUID]:
    built = _Model(problem, drafts, optional=True, objective=False)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1  # sufficient assumptions are exact with one worker
    solver.parameters.cp_model_presolve = presolve
    if solver.solve(built.model) != cp_model.INFEASIBLE:
        return []
    by_index = {literal.index: activity for activity, literal in built.present.items()}
    return sufficient_assumptions(solver, by_index, otherwise=())  # none: try without presolve


def _small_core(
    problem: CalendarProblem,
    drafts: Sequence[ActivityNeeds],
    *,
    time_limit_s: float,
    stop: StopFlag | None,
) -> tuple[UUID, ...]:
    """Drafts that cannot all be placed together: a core, shrunk while time allows."""
    core = _core(problem, drafts, time_limit_s, presolve=True) or _core(
        problem, drafts, time_limit_s, presolve=False
    )
    if not core:
        return ()
    by_id = {d.activity_id: d for d in drafts}
    kept = list(core)
    deadline = time.monotonic() + CORE_SHRINK_S
    for candidate in list(core):
        if time.monotonic() > deadline or (stop is not None and stop()) or len(kept) <= 1:
            break
        trial = [by_id[i] for i in kept if i != candidate]
        if _feasible(problem, trial, CORE_TRIAL_S) is False:
            kept.remove(candidate)
    return tuple(kept)
