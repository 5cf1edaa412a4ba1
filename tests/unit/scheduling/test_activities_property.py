"""Property: on random small months, the solver's answer has no clash by the independent
checker, the checker and the solver agree on the objective, and an impossible month is
explained by a minimal set of named activities."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from services.scheduling.domain.activities import ActivityNeeds
from services.scheduling.domain.activity_check import check_calendar
from services.scheduling.domain.activity_plans import CalendarProblem
from services.scheduling.domain.solving import SolveProgress
from services.scheduling.solver.calendar import solve_calendar
from tests.unit.scheduling.activities_support import campus, needs

pytestmark = pytest.mark.unit


@st.composite
def activity(draw: st.DrawFn, n: int) -> ActivityNeeds:
    start = campus(
        draw(st.integers(0, 2)), draw(st.integers(7, 20)), draw(st.sampled_from((0, 30)))
    )
    length = timedelta(minutes=draw(st.integers(2, 40)) * 30)
    return needs(
        n,
        window=(start, start + length),
        duration=draw(st.sampled_from((30, 45, 60, 90, 120, 180))),
        people=tuple(draw(st.sets(st.sampled_from("abcd"), max_size=2))),
        room=draw(st.sampled_from((None, "r1", "r2"))),
        department=draw(st.sampled_from(("volunteers", "publicity", "sports"))),
    )


@st.composite
def month(draw: st.DrawFn) -> CalendarProblem:
    count = draw(st.integers(1, 7))
    return CalendarProblem(tuple(draw(activity(n)) for n in range(1, count + 1)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=month())
def test_the_solver_never_publishes_a_clash(problem: CalendarProblem) -> None:
    seen: list[SolveProgress] = []
    outcome = solve_calendar(problem, time_limit_s=10, workers=1, progress=seen.append)
    assert outcome.status in ("optimal", "infeasible")
    event(outcome.status)
    if outcome.status == "optimal":
        verdict = check_calendar(problem.drafts, outcome.placements)
        assert verdict.conflicts == 0, verdict
        assert seen[-1].objective == verdict.delay_min == outcome.objective
        return
    named = {c: None for c in outcome.conflicts}
    assert named and set(named) <= {d.activity_id for d in problem.drafts}
    subset = tuple(d for d in problem.drafts if d.activity_id in named)
    assert solve_calendar(CalendarProblem(subset), time_limit_s=5, workers=1).status == "infeasible"
    for left_out in subset:
        rest = tuple(d for d in subset if d is not left_out)
        assert solve_calendar(CalendarProblem(rest), time_limit_s=5, workers=1).status == "optimal"
