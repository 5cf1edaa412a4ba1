"""The independent timetable checker, one rule at a time on tiny timetables."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.scheduling.domain.timetable_checker import check_timetable
from services.scheduling.domain.timetabling import Lesson, Room, School, SchoolClass, Teacher
from tests.unit.scheduling.timetable_support import course, problem, with_weights

pytestmark = pytest.mark.unit


def lesson(course_id: str, period: str, room: str = "r1", week: int = 0) -> Lesson:
    return Lesson(course_id, week, period, room)


def test_a_clean_timetable_has_no_violation_and_costs_nothing() -> None:
    p = problem((course("a", lessons=2, min_days=1),))
    judged = check_timetable(p, [lesson("a", "d0-1"), lesson("a", "d0-2")])
    assert judged.hard_violations == ()
    assert judged.objective == 0


@pytest.mark.parametrize("held", [0, 1, 3])
def test_each_course_gets_exactly_its_lessons(held: int) -> None:
    p = problem((course("a", lessons=2),))
    lessons = [lesson("a", f"d0-{i + 1}") for i in range(held)]
    judged = check_timetable(p, lessons)
    assert judged.hard_violations == (f"course 'a' has {held} lesson(s), needs exactly 2",)


def test_a_teacher_teaches_one_lesson_at_a_time() -> None:
    p = problem((course("a", ("k1",), "t1"), course("b", ("k2",), "t1")))
    judged = check_timetable(p, [lesson("a", "d0-1", "r1"), lesson("b", "d0-1", "r2")])
    assert judged.hard_violations == ("teacher 't1' has 2 lessons in week 1 at 'd0-1': a, b",)


def test_a_class_attends_one_lesson_at_a_time_even_through_a_shared_course() -> None:
    film = course("film", ("k1", "k2"), "t1")
    p = problem((film, course("b", ("k2",), "t2")))
    judged = check_timetable(p, [lesson("film", "d0-3", "r1"), lesson("b", "d0-3", "r2")])
    assert judged.hard_violations == ("class 'k2' has 2 lessons in week 1 at 'd0-3': b, film",)


def test_a_room_holds_one_lesson_at_a_time() -> None:
    p = problem((course("a", ("k1",), "t1"), course("b", ("k2",), "t2")))
    judged = check_timetable(p, [lesson("a", "d1-2", "r2"), lesson("b", "d1-2", "r2")])
    assert judged.hard_violations == ("room 'r2' has 2 lessons in week 1 at 'd1-2': a, b",)


def test_the_same_period_in_another_week_is_no_clash() -> None:
    p = replace(problem((course("a", teacher="t1"), course("b", teacher="t1", week=1))), weeks=2)
    judged = check_timetable(p, [lesson("a", "d0-1"), lesson("b", "d0-1", week=1)])
    assert judged.hard_violations == ()


def test_course_teacher_and_class_unavailability_are_respected() -> None:
    p = problem(
        (course("a", unavailable=frozenset({"d0-1"})), course("b", ("k2",), "t2")),
        teachers=(Teacher("t1"), Teacher("t2", unavailable=frozenset({"d0-2"}))),
        classes=(
            SchoolClass("k1", "s1", 20),
            SchoolClass("k2", "s1", 20, unavailable=frozenset({"d0-2"})),
        ),
    )
    judged = check_timetable(p, [lesson("a", "d0-1"), lesson("b", "d0-2", "r2")])
    assert judged.hard_violations == (
        "lesson of 'a' in week 1 at 'd0-1': the course is unavailable then",
        "lesson of 'b' in week 1 at 'd0-2': teacher 't2' is unavailable then",
        "lesson of 'b' in week 1 at 'd0-2': class 'k2' is unavailable then",
    )


def test_a_lesson_is_held_in_one_of_the_course_s_rooms_at_its_school() -> None:
    p = problem(
        (course("a", room_ids=("r1",)), course("b", ("k2",), "t2")),
        rooms=(Room("r1", "s1", 30), Room("r2", "s1", 30), Room("far", "s2", 30)),
    )
    p = replace(p, schools=(*p.schools, School("s2")))
    judged = check_timetable(p, [lesson("a", "d0-1", "r2"), lesson("b", "d0-1", "far")])
    assert judged.hard_violations == (
        "lesson of 'a' in week 1 at 'd0-1': room 'r2' is not one of the course's rooms",
        "lesson of 'b' in week 1 at 'd0-1': room 'far' is not one of the course's rooms",
    )


def test_unknown_references_and_wrong_weeks_are_violations() -> None:
    p = problem((course("a"),))
    judged = check_timetable(
        p,
        [
            lesson("nope", "d0-1"),
            lesson("a", "d9-9"),
            lesson("a", "d0-1", "r9"),
            lesson("a", "d0-1", week=1),
            lesson("a", "d0-2"),
        ],
    )
    assert judged.hard_violations == (
        "lesson of 'nope' in week 1 at 'd0-1': no such course",
        "lesson of 'a' in week 1 at 'd9-9': no such period",
        "lesson of 'a' in week 1 at 'd0-1': no such room 'r9'",
        "lesson of 'a' in week 2 at 'd0-1': the problem has 1 week(s)",
    )


def test_a_room_too_small_costs_each_excess_pupil_of_each_lesson() -> None:
    film = course("film", ("k1", "k2"), lessons=2, min_days=1)
    p = problem((film,), rooms=(Room("r1", "s1", 40), Room("r2", "s1", 30)))
    judged = check_timetable(p, [lesson("film", "d0-1", "r1"), lesson("film", "d0-2", "r1")])
    assert judged.counts["room_capacity"] == 2 * (45 - 40)
    assert judged.penalties["room_capacity"] == 10


def test_fewer_distinct_days_than_the_minimum_costs_each_missing_day() -> None:
    p = problem((course("a", lessons=3, min_days=3),), days=3)
    judged = check_timetable(p, [lesson("a", "d0-1"), lesson("a", "d0-2"), lesson("a", "d0-3")])
    assert judged.counts["min_days"] == 2
    assert judged.penalties["min_days"] == 2 * 5
    spread = check_timetable(p, [lesson("a", "d0-1"), lesson("a", "d1-1"), lesson("a", "d2-1")])
    assert spread.counts["min_days"] == 0


def test_isolated_lessons_are_counted_per_class() -> None:
    p = problem((course("a", lessons=2), course("b", ("k1",), "t2")), days=2)
    apart = check_timetable(p, [lesson("a", "d0-1"), lesson("a", "d0-3"), lesson("b", "d1-2")])
    assert apart.counts["isolated"] == 3
    assert apart.penalties["isolated"] == 6
    together = check_timetable(
        p, [lesson("a", "d0-1"), lesson("a", "d1-1"), lesson("b", "d1-2", "r2")]
    )
    assert together.counts["isolated"] == 1  # d0-1 alone; d1-1 and d1-2 are adjacent


def test_a_shared_lesson_is_isolated_for_each_class_with_nothing_next_to_it() -> None:
    p = problem((course("film", ("k1", "k2")), course("b", ("k1",), "t2")))
    judged = check_timetable(p, [lesson("film", "d0-2"), lesson("b", "d0-1", "r2")])
    assert judged.counts["isolated"] == 1  # k2's film; k1 has b right before it


def test_periods_are_adjacent_only_when_their_indexes_are_consecutive() -> None:
    p = problem((course("a", lessons=2),), days=1, per_day=2)
    gap = replace(p, periods=(p.periods[0], replace(p.periods[1], index=2)))
    assert check_timetable(p, [lesson("a", "d0-1"), lesson("a", "d0-2")]).counts["isolated"] == 0
    assert check_timetable(gap, [lesson("a", "d0-1"), lesson("a", "d0-2")]).counts["isolated"] == 2


def test_a_course_that_changes_rooms_costs_each_extra_room() -> None:
    p = problem((course("a", lessons=3),), rooms=(Room("r1", "s1", 30), Room("r2", "s1", 30)))
    judged = check_timetable(
        p, [lesson("a", "d0-1", "r1"), lesson("a", "d0-2", "r2"), lesson("a", "d0-3", "r1")]
    )
    assert judged.counts["room_stability"] == 1
    assert judged.penalties["room_stability"] == 1


def test_the_objective_is_the_weighted_sum_of_the_penalties() -> None:
    p = with_weights(
        problem(
            (course("a", lessons=2, min_days=2),),
            rooms=(Room("r1", "s1", 15), Room("r2", "s1", 30)),
        ),
        room_capacity=3,
        min_days=7,
        isolated=0,
        room_stability=11,
    )
    judged = check_timetable(p, [lesson("a", "d0-1", "r1"), lesson("a", "d0-2", "r2")])
    assert judged.counts == {
        "room_capacity": 5,
        "min_days": 1,
        "isolated": 0,
        "room_stability": 1,
    }
    assert judged.penalties == {
        "room_capacity": 15,
        "min_days": 7,
        "isolated": 0,
        "room_stability": 11,
    }
    assert judged.objective == 33
