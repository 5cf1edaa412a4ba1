"""Repair a published rota after life happens: keep every pinned assignment, change as few
others as possible (first objective), then make the rota as good as possible (second).

First the small neighbourhood: every current assignment that may stay stays, and only the
dated shifts that lost someone are refilled. Its fewest changes are provably the fewest
of all when they equal the unavoidable ones (each assignment that may not stay, plus each
seat a hard cover then misses); otherwise the whole rota is searched.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from ortools.sat.python import cp_model

from services.scheduling.domain.rostering import Assignment, RotaOutcome, RotaProblem
from services.scheduling.solver.rostering import explain, run_model, tune
from services.scheduling.solver.rota_model import Key, RotaModel

FIRST_PHASE_SHARE = 0.5  # of the time left, at most, for the fewest changes


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
    kept_pins = set(pinned)
    people = {person.id: person for person in problem.staff}
    covers = {(c.day, c.shift_type): c for c in problem.cover}
    leaving = {
        a
        for a in now
        if a not in kept_pins
        and (
            a.staff not in people
            or (a.day, a.shift_type) not in covers
            or not people[a.staff].may_work(a.day, a.shift_type)
        )
    }
    staying = now - leaving
    freed = Counter((a.day, a.shift_type) for a in leaving)
    unavoidable = len(leaving)
    for cell in freed:
        cover = covers.get(cell)
        if cover is not None and cover.under_weight is None:
            left = sum(1 for a in staying if (a.day, a.shift_type) == cell)
            unavoidable += max(0, cover.required - left)
    if leaving:
        near: set[Key] = {(a.staff, a.day, a.shift_type) for a in staying | kept_pins}
        near |= {
            (person.id, day, type_id)
            for day, type_id in freed
            for person in problem.staff
            if person.may_work(day, type_id)
        }
        rota = RotaModel(problem, pinned=kept_pins, only=near)
        for key, var in rota.x.items():
            if Assignment(*key) in staying:
                rota.model.add(var == 1)
        outcome = _lexicographic(rota, now, started, time_limit_s * 0.5, workers)
        if outcome is not None and outcome.changes == unavoidable:
            return replace(outcome, wall_s=time.monotonic() - started)
    rota = RotaModel(problem, pinned=kept_pins)
    outcome = _lexicographic(rota, now, started, time_limit_s, workers)
    if outcome is None:
        return RotaOutcome(problem, "unknown", wall_s=time.monotonic() - started)
    return outcome


def _lexicographic(
    rota: RotaModel, now: set[Assignment], started: float, time_limit_s: float, workers: int
) -> RotaOutcome | None:
    """Fewest changes first, then the best objective among those; None when the first
    phase finds nothing in time."""
    problem = rota.problem
    if rota.blocked:
        return RotaOutcome(
            problem, "infeasible", conflicts=tuple(rota.blocked), wall_s=time.monotonic() - started
        )
    gone = sum(1 for item in now if (item.staff, item.day, item.shift_type) not in rota.x)
    moved = [(1 - var) if Assignment(*key) in now else var for key, var in rota.x.items()]
    changes = sum(moved) + gone
    rota.hint(now)
    rota.model.minimize(changes)
    solver = cp_model.CpSolver()
    left = time_limit_s - (time.monotonic() - started)
    tune(solver, rota, left * FIRST_PHASE_SHARE, workers)
    code = solver.solve(rota.model)
    if code == cp_model.INFEASIBLE:
        if rota.only is not None:
            return None
        return RotaOutcome(
            problem,
            "infeasible",
            conflicts=explain(problem, pinned=rota.pinned),
            wall_s=time.monotonic() - started,
        )
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    fewest = round(solver.objective_value)
    first = rota.assignments(solver.boolean_value)
    rota.model.add(changes <= fewest)
    rota.model.minimize(rota.objective)
    outcome = run_model(
        rota, time_limit_s=time_limit_s, workers=workers, started=started, hint=first
    )
    if outcome.status not in ("optimal", "feasible", "cancelled"):
        # out of time for quality: the fewest-change rota as it is, judged
        fixed = RotaModel(problem, pinned=rota.pinned, only=rota.only)
        chosen = set(first)
        for key, var in fixed.x.items():
            fixed.model.add(var == int(Assignment(*key) in chosen))
        outcome = run_model(
            fixed, time_limit_s=5.0, workers=1, started=time.monotonic(), hint=first
        )
    changed = len(now.symmetric_difference(outcome.assignments))
    return replace(outcome, changes=changed, wall_s=time.monotonic() - started)
