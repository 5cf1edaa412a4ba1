"""Solve a rota with CP-SAT, judge the answer with the independent checker, and explain an
infeasible problem by a small set of named requirements that cannot hold together."""

from __future__ import annotations

import time
from collections.abc import Iterable

from ortools.sat.python import cp_model

from services.scheduling.domain.roster_checker import check_rota
from services.scheduling.domain.rostering import Assignment, RotaOutcome, RotaProblem
from services.scheduling.domain.solving import ProgressSink, SolveProgress, SolveStatus, StopFlag
from services.scheduling.solver.cores import sufficient_assumptions
from services.scheduling.solver.rota_greedy import greedy_rota
from services.scheduling.solver.rota_model import RotaModel
from services.scheduling.solver.stop_watch import stop_when

EXPLAIN_LIMIT_S = 10.0  # at most this long spent naming the conflicts of an infeasible problem
MAX_CONFLICTS_SHRUNK = 24  # cores up to this size are shrunk by deletion
PHYSICS = "no staff member can work two shifts that overlap in time"


class _Watch(cp_model.CpSolverSolutionCallback):
    """Reports each better solution (objective and bound) and honours the stop flag."""

    def __init__(
        self, model: RotaModel, started: float, progress: ProgressSink | None, stop: StopFlag | None
    ) -> None:
        super().__init__()
        self.rota = model
        self.started = started
        self.progress = progress
        self.stop = stop
        self.first_s: float | None = None
        self.solutions = 0

    def on_solution_callback(self) -> None:
        elapsed = time.monotonic() - self.started
        self.solutions += 1
        if self.first_s is None:
            self.first_s = elapsed
        if self.progress is not None:
            scale = self.rota.scale
            self.progress(
                SolveProgress(
                    objective=self.objective_value / scale,
                    bound=self.best_objective_bound / scale,
                    elapsed_s=elapsed,
                )
            )
        if self.stop is not None and self.stop():
            self.stop_search()


def run_model(
    rota: RotaModel,
    *,
    time_limit_s: float,
    workers: int,
    started: float,
    progress: ProgressSink | None = None,
    stop: StopFlag | None = None,
    hint: Iterable[Assignment] = (),
) -> RotaOutcome:
    """Solve a built model and judge its best solution with the checker."""
    problem = rota.problem
    if rota.blocked:
        return _infeasible(problem, tuple(rota.blocked), started)
    rota.hint(hint)
    solver = cp_model.CpSolver()
    tune(solver, rota, time_limit_s - (time.monotonic() - started), workers)
    watch = _Watch(rota, started, progress, stop)
    # The flag is polled while CP-SAT runs too: it may stop before any solution.
    with stop_when(stop, solver.stop_search, name="rota-stop-watch", every_s=0.1):
        code = solver.solve(rota.model, watch)
    stopped = stop is not None and stop()
    if code == cp_model.INFEASIBLE:
        return _infeasible(problem, explain(problem, pinned=rota.pinned), started)
    if code == cp_model.MODEL_INVALID:
        return RotaOutcome(
            problem,
            "invalid",
            wall_s=time.monotonic() - started,
            conflicts=(solver.status_name(code),),
        )
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        status: SolveStatus = "cancelled" if stopped else "unknown"
        return RotaOutcome(problem, status, wall_s=time.monotonic() - started)
    chosen = rota.assignments(solver.boolean_value)
    judged = check_rota(problem, chosen, pinned=rota.pinned)
    solver_objective = solver.objective_value / rota.scale
    bound = solver.best_objective_bound / rota.scale
    status = "optimal" if code == cp_model.OPTIMAL else ("cancelled" if stopped else "feasible")
    return RotaOutcome(
        problem=problem,
        status=status,
        assignments=tuple(chosen),
        objective=judged.objective,
        bound=bound,
        gap=relative_gap(judged.objective, bound),
        wall_s=time.monotonic() - started,
        first_feasible_s=watch.first_s if watch.first_s is not None else None,
        penalties=judged.penalties,
        hard_violations=judged.violations,
        solver_objective=solver_objective,
    )


LARGE_MODEL = 10_000  # variables from which presolve is kept light


def tune(solver: cp_model.CpSolver, rota: RotaModel, time_limit_s: float, workers: int) -> None:
    """Rota models are LP-friendly (assignment structure): the worker that linearises every
    constraint proves the bound; huge models get a light presolve (it otherwise costs
    seconds for nothing on 2 cores)."""
    params = solver.parameters
    params.max_time_in_seconds = max(0.05, time_limit_s)
    params.num_workers = max(1, workers)
    if workers >= 2:
        params.ignore_subsolvers.append("default_lp")
        params.extra_subsolvers.append("max_lp")
    else:
        params.linearization_level = 2
    if len(rota.x) >= LARGE_MODEL:
        params.symmetry_level = 0
        params.cp_model_probing_level = 0
        params.find_big_linear_overlap = False
        params.max_presolve_iterations = 1


def relative_gap(objective: float, bound: float) -> float:
    return round(max(0.0, objective - bound) / max(abs(objective), 1.0), 6)


def _infeasible(problem: RotaProblem, conflicts: tuple[str, ...], started: float) -> RotaOutcome:
    return RotaOutcome(
        problem, "infeasible", wall_s=time.monotonic() - started, conflicts=conflicts
    )


def solve_rota(
    problem: RotaProblem,
    *,
    time_limit_s: float,
    workers: int = 2,
    progress: ProgressSink | None = None,
    stop: StopFlag | None = None,
) -> RotaOutcome:
    """The best rota CP-SAT finds within the time limit, judged by the checker."""
    started = time.monotonic()
    rota = RotaModel(problem)
    return run_model(
        rota,
        time_limit_s=time_limit_s,
        workers=workers,
        started=started,
        progress=progress,
        stop=stop,
        hint=greedy_rota(problem, {cell: list(crew) for cell, crew in rota.by_cell.items()}),
    )


def explain(problem: RotaProblem, *, pinned: Iterable[Assignment] = ()) -> tuple[str, ...]:
    """A small set of named hard requirements that cannot hold together (CP-SAT's
    sufficient assumptions, then shrunk by deletion while time allows)."""
    deadline = time.monotonic() + EXPLAIN_LIMIT_S
    rota = RotaModel(problem, explain=True, pinned=pinned)
    if rota.blocked:
        return tuple(rota.blocked)
    rota.model.clear_objective()

    def core_of(active: list[str]) -> list[str] | None:
        """Requirements of `active` that cannot hold together (all of them when CP-SAT's
        answer cannot be trusted); None if they can, or it was not decided in time."""
        rota.model.clear_assumptions()
        rota.model.add_assumptions([rota.groups[name] for name in active])
        solver = cp_model.CpSolver()
        tune(solver, rota, deadline - time.monotonic(), 1)  # assumptions need one worker
        code = solver.solve(rota.model)
        if code != cp_model.INFEASIBLE:
            return None
        assumed = {rota.groups[name].index: name for name in active}
        return sufficient_assumptions(solver, assumed, otherwise=active)

    everything = sorted(rota.groups)
    core = core_of(everything)
    if core is None:
        return (
            f"infeasible; the conflicting requirements were not named within {EXPLAIN_LIMIT_S:g} s",
        )
    if not core or core_of([]) is not None:  # infeasible with no requirement at all
        return (PHYSICS,)
    # A core CP-SAT could not name (all of them) is shrunk whatever its size.
    if len(core) <= MAX_CONFLICTS_SHRUNK or set(core) == set(everything):
        for name in list(core):
            if time.monotonic() >= deadline or len(core) <= 1:
                break
            if name not in core:
                continue
            rest = [n for n in core if n != name]
            smaller = core_of(rest)
            if smaller is not None:
                core = smaller
    return tuple(sorted(core))
