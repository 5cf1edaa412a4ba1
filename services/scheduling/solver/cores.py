"""What CP-SAT names as the reason a problem with assumptions is infeasible, when it can
be trusted (shared by the rota, timetable and calendar explanations)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from ortools.sat.python import cp_model

T = TypeVar("T")


def sufficient_assumptions(
    solver: cp_model.CpSolver, named: Mapping[int, T], otherwise: Sequence[T]
) -> list[T]:
    """The assumptions (by name) that CP-SAT found sufficient for the infeasibility it just
    proved; `otherwise` when it names none (it may prove infeasibility before it uses any)
    or names a literal that was never assumed (OR-Tools issue 5141, with presolve)."""
    found = solver.sufficient_assumptions_for_infeasibility()
    if not found or any(index not in named for index in found):
        return list(otherwise)
    return [named[index] for index in found]
