"""Property tests on random small timetables: whatever the solver returns as a timetable
has no hard violation by the independent checker, and they agree on its objective."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from services.scheduling.domain.timetable_checker import check_timetable
from services.scheduling.domain.timetabling import (
    Room,
    SchoolClass,
    Teacher,
    TimetableProblem,
    Weights,
)
from services.scheduling.solver.timetabling import solve_timetable
from tests.unit.scheduling.timetable_support import course, periods, problem

pytestmark = pytest.mark.unit


@st.composite
def timetables(draw: st.DrawFn) -> TimetableProblem:
    days = draw(st.integers(1, 3))
    per_day = draw(st.integers(2, 4))
    ids = [p.period_id for p in periods(days, per_day)]
    some_periods = st.frozensets(st.sampled_from(ids), max_size=2)
    classes = tuple(
        SchoolClass(f"k{i}", "s1", draw(st.integers(5, 40)), unavailable=draw(some_periods))
        for i in range(draw(st.integers(1, 3)))
    )
    rooms = tuple(
        Room(f"r{i}", "s1", draw(st.integers(5, 40))) for i in range(draw(st.integers(1, 3)))
    )
    teachers = tuple(
        Teacher(f"t{i}", unavailable=draw(some_periods)) for i in range(draw(st.integers(1, 3)))
    )
    courses = []
    for n in range(draw(st.integers(1, 5))):
        attending = draw(
            st.lists(st.sampled_from([k.class_id for k in classes]), min_size=1, unique=True)
        )
        lessons = draw(st.integers(1, 3))
        courses.append(
            course(
                f"c{n}",
                tuple(attending),
                draw(st.sampled_from([t.teacher_id for t in teachers])),
                lessons=lessons,
                min_days=draw(st.integers(0, lessons)),
                unavailable=draw(some_periods),
                room_ids=tuple(
                    draw(st.lists(st.sampled_from([r.room_id for r in rooms]), unique=True))
                ),
            )
        )
    p = problem(
        tuple(courses), days=days, per_day=per_day, classes=classes, rooms=rooms, teachers=teachers
    )
    # Keep only courses with enough open periods (the JSON format refuses the others).
    kept = tuple(c for c in p.courses if len(p.periods_for(c)) >= c.lessons)
    weights = Weights(
        room_capacity=draw(st.integers(0, 3)),
        min_days=draw(st.integers(0, 6)),
        isolated=draw(st.integers(0, 3)),
        room_stability=draw(st.integers(0, 3)),
    )
    return TimetableProblem(
        name=p.name,
        periods=p.periods,
        schools=p.schools,
        classes=p.classes,
        rooms=p.rooms,
        teachers=p.teachers,
        courses=kept,
        starts_on=p.starts_on,
        weights=weights,
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(timetables())
def test_no_returned_timetable_has_a_hard_violation(p: TimetableProblem) -> None:
    outcome = solve_timetable(p, time_limit_s=5, workers=1)
    event(outcome.status)
    if outcome.status == "infeasible":
        assert outcome.conflicts
        assert outcome.lessons == ()
        return
    assert outcome.status in ("optimal", "feasible")
    judged = check_timetable(p, outcome.lessons)
    assert judged.hard_violations == () == outcome.hard_violations
    assert outcome.objective == judged.objective
    # The solver's own objective (CP-SAT's where it proved optimality) agrees with the checker.
    assert outcome.solver_objective == judged.objective
    assert outcome.bound is not None and outcome.bound <= judged.objective
    if outcome.status == "optimal":
        assert outcome.bound == judged.objective
