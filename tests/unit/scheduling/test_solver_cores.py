"""What CP-SAT names as the reason for an infeasibility is used only when it can be
trusted (`solver.cores.sufficient_assumptions`)."""

from __future__ import annotations

from typing import Any

import pytest
from ortools.sat.python import cp_model

from services.scheduling.solver.cores import sufficient_assumptions

pytestmark = pytest.mark.unit


def _solved(model: cp_model.CpModel) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.INFEASIBLE
    return solver


def test_the_assumptions_that_make_it_infeasible_are_named() -> None:
    model = cp_model.CpModel()
    x = model.new_int_var(0, 10, "x")
    too_much, fine = model.new_bool_var("too much"), model.new_bool_var("fine")
    model.add(x >= 20).only_enforce_if(too_much)
    model.add(x <= 5).only_enforce_if(fine)
    model.add_assumptions([too_much, fine])
    named = {too_much.index: "too much", fine.index: "fine"}
    assert sufficient_assumptions(_solved(model), named, otherwise=["both"]) == ["too much"]


def test_an_infeasibility_proved_before_any_assumption_is_all_of_them() -> None:
    model = cp_model.CpModel()
    x = model.new_int_var(0, 10, "x")
    model.add(x >= 20)  # infeasible whatever is assumed: CP-SAT names no assumption
    wanted = model.new_bool_var("wanted")
    model.add(x <= 5).only_enforce_if(wanted)
    model.add_assumptions([wanted])
    solver = _solved(model)
    assert solver.sufficient_assumptions_for_infeasibility() == []
    assert sufficient_assumptions(solver, {wanted.index: "wanted"}, otherwise=["all"]) == ["all"]


class _Answer:
    """A solver's answer naming a literal that was never assumed (OR-Tools issue 5141)."""

    def sufficient_assumptions_for_infeasibility(self) -> list[int]:
        return [3, 99]


def test_a_literal_never_assumed_is_not_trusted() -> None:
    solver: Any = _Answer()
    assert sufficient_assumptions(solver, {3: "a", 4: "b"}, otherwise=["a", "b"]) == ["a", "b"]
