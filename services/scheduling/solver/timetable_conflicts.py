"""Why a part of a timetable problem has no timetable: a small set of its requirements that
cannot hold together, found with CP-SAT assumptions (one literal per requirement: a course's
lesson count, a teacher's, class's or room's one-lesson-at-a-time, an unavailability) and
shrunk by deletion (drop a requirement when the rest is still infeasible)."""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from services.scheduling.domain.timetabling import Conflict, TimetableProblem
from services.scheduling.solver.cores import sufficient_assumptions
from services.scheduling.solver.timetable_model import PartModel

MAX_DELETION_TRIALS = 40


def explain_infeasible_part(
    problem: TimetableProblem, course_ids: Sequence[str], *, time_limit_s: float
) -> tuple[Conflict, ...]:
    """A small set of requirements of the part that cannot all hold (deletion-minimised)."""
    part = PartModel(problem, course_ids, explain=True)
    names = list(part.requirements)
    core = _core(part, names, time_limit_s)
    if core is None:
        return tuple(Conflict(n, d) for n, (_lit, d) in part.requirements.items())
    trials = 0
    for name in list(core):
        if name not in core or len(core) <= 1 or trials >= MAX_DELETION_TRIALS:
            continue
        trials += 1
        smaller = _core(part, [n for n in core if n != name], time_limit_s / 8)
        if smaller is not None:
            core = smaller
    return tuple(Conflict(n, part.requirements[n][1]) for n in sorted(core))


def _core(part: PartModel, names: list[str], time_limit_s: float) -> list[str] | None:
    """A sufficient infeasible subset of `names`, or None when they are (or may be) feasible."""
    literal_of = {n: part.requirements[n][0] for n in names}
    name_of = {literal.index: n for n, literal in literal_of.items()}
    model: cp_model.CpModel = part.model
    model.clear_assumptions()
    model.add_assumptions(list(literal_of.values()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # assumptions need a single worker and no objective
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s)
    # With the linear relaxation a teacher or class with more lessons than periods is
    # proved at once; without it such a pigeonhole was not proved within the 10 s.
    solver.parameters.linearization_level = 2
    if solver.solve(model) != cp_model.INFEASIBLE:
        return None
    return sufficient_assumptions(solver, name_of, otherwise=names)
