"""The calendar solver, judged by the independent checker (never by its own numbers)."""

from __future__ import annotations

import time
from itertools import pairwise

import pytest

from services.scheduling.domain.activity_check import check_calendar
from services.scheduling.domain.activity_plans import CalendarProblem
from services.scheduling.domain.solving import SolveProgress
from services.scheduling.solver.calendar import solve_calendar
from tests.unit.scheduling.activities_support import at, campus, needs
from tools.bench.scheduling_calendar import generate_month

pytestmark = pytest.mark.unit


def test_shared_people_and_rooms_are_placed_apart_as_early_as_possible() -> None:
    window = (campus(0, 14), campus(0, 22))
    drafts = (
        needs(1, window=window, duration=120, people=("head", "a"), department="volunteers"),
        needs(2, window=window, duration=90, people=("head", "b"), department="publicity"),
        needs(3, window=window, duration=60, people=("c",), room="报告厅", department="sports"),
        needs(4, window=window, duration=60, people=("d",), room="报告厅", department="arts"),
    )
    outcome = solve_calendar(CalendarProblem(drafts), time_limit_s=5, workers=1)
    assert outcome.status == "optimal" and outcome.publishable
    verdict = check_calendar(drafts, outcome.placements)
    assert verdict.clash_free
    # The head's two activities back to back from 14:00; the room's two likewise.
    assert verdict.delay_min == 90 + 60 == outcome.objective
    assert outcome.best_bound == outcome.objective and outcome.gap == 0.0


def test_activities_already_scheduled_keep_their_time_and_block_people_and_rooms() -> None:
    fixed = needs(9, people=("head",), room="会议室 1")
    draft = needs(1, window=(campus(0, 9), campus(0, 12)), duration=60, people=("head",))
    room_draft = needs(2, window=(campus(0, 9), campus(0, 12)), duration=60, room="会议室 1")
    problem = CalendarProblem((draft, room_draft), scheduled=((fixed, at(fixed, campus(0, 9))),))
    outcome = solve_calendar(problem, time_limit_s=5, workers=1)
    verdict = check_calendar(problem.drafts, outcome.placements, scheduled=problem.scheduled)
    assert verdict.clash_free
    assert [p.starts_at for p in outcome.placements] == [campus(0, 10), campus(0, 10)]


def test_a_window_crossing_days_is_placed_within_one_day_of_campus_hours() -> None:
    # 21:00 on day 0 to 10:00 on day 1: a two-hour activity fits only from 08:00 on day 1.
    late = needs(1, window=(campus(0, 21), campus(1, 10)), duration=120)
    outcome = solve_calendar(CalendarProblem((late,)), time_limit_s=5, workers=1)
    assert [p.starts_at for p in outcome.placements] == [campus(1, 8)]
    assert check_calendar((late,), outcome.placements).clash_free


def test_an_impossible_month_names_the_few_activities_that_cannot_fit_together() -> None:
    morning = (campus(0, 8), campus(0, 12))
    # Three 90-minute activities of the same person in a four-hour morning: one too many.
    crowded = tuple(needs(n, window=morning, duration=90, people=("head",)) for n in (1, 2, 3))
    others = tuple(
        needs(n, window=(campus(0, 8), campus(3, 22)), duration=60, people=("head", f"m{n}"))
        for n in range(10, 20)
    )
    outcome = solve_calendar(CalendarProblem(crowded + others), time_limit_s=10, workers=2)
    assert outcome.status == "infeasible" and not outcome.publishable
    assert sorted(c.int for c in outcome.conflicts) == [1, 2, 3]
    # Any two of them fit: the set named is minimal.
    for left_out in crowded:
        pair = tuple(a for a in crowded if a is not left_out)
        assert solve_calendar(CalendarProblem(pair), time_limit_s=5, workers=1).publishable


def test_a_draft_blocked_by_scheduled_activities_is_named_alone() -> None:
    fixed = needs(9, people=("head",), window=(campus(0, 8), campus(0, 22)), duration=14 * 60)
    draft = needs(1, window=(campus(0, 8), campus(0, 22)), people=("head",))
    free = needs(2, window=(campus(0, 8), campus(0, 22)), people=("other",))
    problem = CalendarProblem((draft, free), scheduled=((fixed, at(fixed, campus(0, 8))),))
    outcome = solve_calendar(problem, time_limit_s=5, workers=1)
    assert outcome.status == "infeasible"
    assert [c.int for c in outcome.conflicts] == [1]


def test_a_month_of_activities_is_clash_free_by_the_checker_with_progress() -> None:
    problem = generate_month(activities=120, departments=6, seed=3)
    seen: list[SolveProgress] = []
    outcome = solve_calendar(
        problem, time_limit_s=10, workers=2, progress=seen.append, improve_s=0.5
    )
    assert outcome.status in ("optimal", "feasible")
    verdict = check_calendar(problem.drafts, outcome.placements)
    assert verdict.conflicts == 0 and len(outcome.placements) == 120
    assert outcome.objective == verdict.delay_min
    assert seen and all(a.objective >= b.objective for a, b in pairwise(seen))
    assert seen[-1].objective == verdict.delay_min
    assert outcome.first_solution_s is not None and outcome.first_solution_s <= outcome.wall_s


def test_a_stop_ends_the_search_soon() -> None:
    problem = generate_month(activities=300, departments=12, seed=5)
    started = time.monotonic()
    outcome = solve_calendar(
        problem, time_limit_s=30, workers=2, stop=lambda: time.monotonic() - started > 1.0
    )
    assert time.monotonic() - started < 5
    assert outcome.status == "cancelled" and not outcome.publishable


def test_nothing_to_place_is_trivially_optimal() -> None:
    outcome = solve_calendar(CalendarProblem(()), time_limit_s=1)
    assert outcome.status == "optimal" and outcome.placements == ()
