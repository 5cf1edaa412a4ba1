"""The timetable solver, every answer judged by the independent checker."""

from __future__ import annotations

import pickle
import time
from dataclasses import replace

import pytest

from services.scheduling.domain.solving import SolveProgress
from services.scheduling.domain.timetable_checker import check_timetable
from services.scheduling.domain.timetabling import Room, SchoolClass, Teacher
from services.scheduling.solver.timetabling import solve_timetable
from tests.unit.scheduling.timetable_support import course, problem, with_weights

pytestmark = pytest.mark.unit


def test_a_small_timetable_is_optimal_and_checked() -> None:
    p = problem(
        (
            course("maths", ("k1",), "t1", lessons=3, min_days=2),
            course("english", ("k1",), "t2", lessons=2, min_days=2),
            course("art", ("k2",), "t1", lessons=2),
            course("film", ("k1", "k2"), "t3", lessons=1),
        ),
        rooms=(Room("r1", "s1", 50), Room("r2", "s1", 30)),
    )
    outcome = solve_timetable(p, time_limit_s=10)
    judged = check_timetable(p, outcome.lessons)
    assert outcome.status == "optimal"
    assert judged.hard_violations == outcome.hard_violations == ()
    assert outcome.objective == judged.objective == outcome.bound
    assert outcome.solver_objective == outcome.objective
    assert outcome.gap == 0.0
    assert outcome.feasible_s is not None
    pickle.loads(pickle.dumps(outcome))  # crosses the job runner's process pool


def test_an_unavoidable_penalty_is_found_and_proven() -> None:
    # 45 pupils in rooms of 40: five excess pupils for each of two lessons, no way round.
    p = problem(
        (course("film", ("k1", "k2"), lessons=2, min_days=2),),
        rooms=(Room("r1", "s1", 40), Room("r2", "s1", 30)),
    )
    outcome = solve_timetable(with_weights(p, isolated=0), time_limit_s=10)
    assert outcome.status == "optimal"
    assert outcome.objective == outcome.bound == 10
    assert outcome.penalties == {
        "room_capacity": 10,
        "min_days": 0,
        "isolated": 0,
        "room_stability": 0,
    }


def test_the_solver_prefers_the_room_that_fits() -> None:
    p = problem(
        (course("a", ("k2",), lessons=2, min_days=1),),
        rooms=(Room("small", "s1", 10), Room("big", "s1", 30)),
    )
    outcome = solve_timetable(p, time_limit_s=10)
    assert {x.room_id for x in outcome.lessons} == {"big"}
    assert outcome.objective == 0


def test_independent_schools_and_weeks_are_solved_as_separate_parts() -> None:
    base = problem(())
    p = replace(
        base,
        weeks=2,
        classes=(SchoolClass("k1", "s1", 10), SchoolClass("m1", "s2", 10)),
        rooms=(Room("r1", "s1", 20), Room("q1", "s2", 20)),
        courses=(
            course("a", ("k1",), "t1", lessons=2),
            course("b", ("m1",), "t2", lessons=2),
            course("c", ("k1",), "t1", lessons=2, week=1),
        ),
    )
    outcome = solve_timetable(p, time_limit_s=10)
    assert outcome.parts == 3
    assert outcome.hard_violations == ()
    assert sorted({(x.course_id, x.week) for x in outcome.lessons}) == [
        ("a", 0),
        ("b", 0),
        ("c", 1),
    ]


def test_progress_reports_objective_and_bound() -> None:
    seen: list[SolveProgress] = []
    p = problem((course("a", lessons=3, min_days=3), course("b", ("k2",), "t2", lessons=3)))
    solve_timetable(p, time_limit_s=5, progress=seen.append)
    assert seen
    assert all(s.bound <= s.objective for s in seen)


def test_a_raised_stop_flag_cancels_the_solve() -> None:
    p = problem((course("a", lessons=2),))
    outcome = solve_timetable(p, time_limit_s=30, stop=lambda: True)
    assert outcome.status == "cancelled"
    assert outcome.wall_s < 5


@pytest.mark.parametrize(
    ("lessons", "days", "per_day"),
    [
        (3, 2, 2),  # four periods for six lessons of t1
        # Twenty lessons in sixteen periods: a pigeonhole the explaining solve proves only
        # with the linear relaxation (without it, it was not proved within its 10 s and
        # every requirement of the part was named instead: 18 in the audit's example).
        (10, 4, 4),
    ],
    ids=["six-in-four", "twenty-in-sixteen"],
)
def test_an_overloaded_teacher_is_named_with_the_courses_that_overload_them(
    lessons: int, days: int, per_day: int
) -> None:
    p = problem(
        (
            course("a", ("k1",), "t1", lessons=lessons),
            course("b", ("k2",), "t1", lessons=lessons),
            course("c", ("k2",), "t2", lessons=1),
        ),
        days=days,
        per_day=per_day,
    )
    started = time.monotonic()
    outcome = solve_timetable(p, time_limit_s=10)
    assert outcome.status == "infeasible"
    assert outcome.lessons == ()
    names = {c.requirement for c in outcome.conflicts}
    assert names == {"lessons:a", "lessons:b", "teacher-clash:t1"}
    assert all(c.description for c in outcome.conflicts)
    assert time.monotonic() - started < 10  # a safety limit (0.2 s here)


def test_unavailability_that_leaves_too_few_periods_is_named() -> None:
    p = problem(
        (course("a", ("k1",), "t1", lessons=2), course("b", ("k2",), "t2", lessons=1)),
        days=1,
        per_day=3,
        teachers=(Teacher("t1", unavailable=frozenset({"d0-1"})), Teacher("t2")),
        classes=(
            SchoolClass("k1", "s1", 20, unavailable=frozenset({"d0-2"})),
            SchoolClass("k2", "s1", 20),
        ),
    )
    outcome = solve_timetable(p, time_limit_s=10)
    assert outcome.status == "infeasible"
    # Two lessons in the one period left would need k1 to attend two lessons at once.
    assert {c.requirement for c in outcome.conflicts} == {
        "lessons:a",
        "teacher-unavailable:t1",
        "class-unavailable:k1",
        "class-clash:k1",
    }


def test_a_room_shortage_is_named() -> None:
    p = problem(
        (course("a", ("k1",), "t1", lessons=2), course("b", ("k2",), "t2", lessons=2)),
        days=1,
        per_day=2,
        rooms=(Room("r1", "s1", 30),),
    )
    outcome = solve_timetable(p, time_limit_s=10)
    assert outcome.status == "infeasible"
    assert {c.requirement for c in outcome.conflicts} == {
        "lessons:a",
        "lessons:b",
        "room-clash:r1",
    }
