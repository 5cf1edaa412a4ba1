"""Property tests on random small rotas: the solver's answers, judged by the checker."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from services.scheduling.domain.roster_checker import check_rota
from services.scheduling.domain.rostering import (
    Cover,
    Fairness,
    RotaProblem,
    ShiftRequest,
    SkillRequirement,
    Staff,
)
from services.scheduling.solver.repair import repair_rota
from services.scheduling.solver.rostering import solve_rota
from tests.unit.scheduling.rota_support import DAY, EVENING, MONDAY

pytestmark = pytest.mark.unit

KINDS = (DAY, EVENING)


@st.composite
def rotas(draw: st.DrawFn) -> RotaProblem:
    days = draw(st.integers(2, 7))
    count = draw(st.integers(2, 6))
    staff = []
    for i in range(count):
        staff.append(
            Staff(
                f"s{i}",
                max_shifts={"E": draw(st.integers(0, 4))} if draw(st.booleans()) else {},
                max_total_min=draw(st.sampled_from([None, 480, 960])),
                max_consecutive_days=draw(st.sampled_from([None, 2, 3])),
                min_consecutive_days=draw(st.sampled_from([1, 1, 2])),
                min_consecutive_days_off=draw(st.sampled_from([1, 1, 2])),
                max_weekends=draw(st.sampled_from([None, 0, 1])),
                days_off=frozenset(draw(st.sets(st.integers(0, days - 1), max_size=2))),
                unavailable=frozenset(
                    draw(
                        st.sets(
                            st.tuples(st.integers(0, days - 1), st.sampled_from("DE")), max_size=3
                        )
                    )
                ),
                skills=frozenset({"exp"}) if draw(st.booleans()) else frozenset(),
            )
        )
    cover = tuple(
        Cover(
            d,
            k,
            draw(st.sampled_from([0, 1, 1, 2])),
            under_weight=draw(st.sampled_from([None, 1, 3, 5])),
            over_weight=draw(st.sampled_from([None, 2])),
        )
        for d in range(days)
        for k in "DE"
    )
    requests = tuple(
        ShiftRequest(
            f"s{draw(st.integers(0, count - 1))}",
            draw(st.integers(0, days - 1)),
            draw(st.sampled_from([None, "D", "E"])),
            draw(st.integers(1, 5)),
            draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 4)))
    )
    needs = tuple(
        SkillRequirement(draw(st.integers(0, days - 1)), draw(st.sampled_from("DE")), "exp")
        for _ in range(draw(st.integers(0, 1)))
    )
    return RotaProblem(
        MONDAY,
        days,
        KINDS,
        tuple(staff),
        cover,
        requests,
        needs,
        min_rest_min=draw(st.sampled_from([0, 0, 900])),
        fairness=Fairness(draw(st.integers(1, 3))) if draw(st.booleans()) else None,
    )


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(rotas())
def test_a_returned_rota_has_no_hard_violation_and_the_objectives_agree(
    problem: RotaProblem,
) -> None:
    outcome = solve_rota(problem, time_limit_s=3, workers=1)
    event(outcome.status)
    assert outcome.status in ("optimal", "infeasible")
    if outcome.status == "infeasible":
        assert outcome.conflicts and not outcome.assignments
        return
    judged = check_rota(problem, outcome.assignments)
    assert judged.violations == ()
    assert outcome.objective == judged.objective
    assert outcome.solver_objective == pytest.approx(judged.objective)
    assert outcome.bound == pytest.approx(judged.objective)


@SETTINGS
@given(rotas(), st.data())
def test_repair_never_changes_a_pinned_assignment(
    problem: RotaProblem, data: st.DataObject
) -> None:
    first = solve_rota(problem, time_limit_s=3, workers=1)
    if first.status != "optimal" or not first.assignments:
        return
    pinned = data.draw(st.lists(st.sampled_from(first.assignments), unique=True, max_size=4))
    leaver = data.draw(st.sampled_from(problem.staff)).id
    changed = replace(
        problem,
        staff=tuple(
            replace(
                s,
                days_off=frozenset(range(problem.days))
                - {p.day for p in pinned if p.staff == s.id},
            )
            if s.id == leaver
            else s
            for s in problem.staff
        ),
    )
    outcome = repair_rota(changed, first.assignments, pinned=pinned, time_limit_s=3, workers=1)
    event(f"repair {outcome.status}")
    if outcome.status == "infeasible":
        assert outcome.conflicts
        return
    assert outcome.status in ("optimal", "feasible")
    assert set(pinned) <= set(outcome.assignments)
    judged = check_rota(changed, outcome.assignments, pinned=pinned)
    assert judged.violations == ()
    assert outcome.objective == judged.objective
    assert outcome.changes == len(set(first.assignments) ^ set(outcome.assignments))
