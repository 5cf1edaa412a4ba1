"""Repair a published rota after life happens: keep every pinned assignment, change as few
others as possible (first objective), then make the rota as good as possible (second)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from ortools.sat.python import cp_model

from services.scheduling.domain.rostering import Assignment, RotaOutcome, RotaProblem
from services.scheduling.solver.rostering import explain, run_model
from services.scheduling.solver.rota_model import RotaModel

FIRST_PHASE_SHARE = 0.5  # of the time limit, at most, for the fewest changes


def repair_rota(
    problem: RotaProblem,
    current: Iterable[Assignment],
    *,
    pinned: Iterable[Assignment],
    time_limit_s: float,
    workers: int = 2,
) -> RotaOutcome:
    """The rota closest to `current` (fewest assignments added or removed) that keeps every
    `pinned` one and breaks no hard rule of `problem`; among those, the best. The outcome's
    `changes` counts the assignments added plus removed against `current`."""
    started = time.monotonic()
    now = set(current)
    rota = RotaModel(problem, pinned=pinned)
    if rota.blocked:
        return RotaOutcome(
            problem, "infeasible", conflicts=tuple(rota.blocked), wall_s=time.monotonic() - started
        )
    gone = sum(1 for item in now if (item.staff, item.day, item.shift_type) not in rota.x)
    moved = [
        (1 - var) if Assignment(*key) in now else var for key, var in _distinct(rota.x.items())
    ]
    changes = sum(moved) + gone
    rota.hint(now)
    rota.model.minimize(changes)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit_s * FIRST_PHASE_SHARE)
    solver.parameters.num_workers = max(1, workers)
    code = solver.solve(rota.model)
    if code == cp_model.INFEASIBLE:
        return RotaOutcome(
            problem,
            "infeasible",
            conflicts=explain(problem, pinned=rota.pinned),
            wall_s=time.monotonic() - started,
        )
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return RotaOutcome(problem, "unknown", wall_s=time.monotonic() - started)
    fewest = round(solver.objective_value)
    first = rota.assignments(solver.boolean_value)
    rota.model.clear_hints()
    rota.model.add(changes <= fewest)
    rota.model.minimize(rota.objective)
    outcome = run_model(
        rota,
        time_limit_s=time_limit_s,
        workers=workers,
        started=started,
        hint=first,
    )
    if outcome.status not in ("optimal", "feasible"):
        outcome = run_model(  # out of time for quality: the fewest-change rota as it is
            _fixed(problem, rota.pinned, first),
            time_limit_s=time_limit_s + 5.0,
            workers=1,
            started=time.monotonic(),
            hint=first,
        )
    changed = len(now.symmetric_difference(outcome.assignments))
    return _with_changes(outcome, changed, started)


def _distinct(
    items: Iterable[tuple[tuple[str, int, str], cp_model.IntVar]],
) -> list[tuple[tuple[str, int, str], cp_model.IntVar]]:
    return list(items)


def _fixed(problem: RotaProblem, pinned: set[Assignment], chosen: list[Assignment]) -> RotaModel:
    rota = RotaModel(problem, pinned=pinned)
    keep = set(chosen)
    for key, var in rota.x.items():
        rota.model.add(var == (1 if Assignment(*key) in keep else 0))
    return rota


def _with_changes(outcome: RotaOutcome, changed: int, started: float) -> RotaOutcome:
    from dataclasses import replace

    return replace(outcome, changes=changed, wall_s=time.monotonic() - started)
