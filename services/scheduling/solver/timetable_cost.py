"""The solver's own price of a part's lessons (its weighted soft penalties), for lessons no
CP-SAT search has priced exactly (the greedy construction's, a search cut short whose
penalty variables were not yet tight). The independent checker recomputes it in the end."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from services.scheduling.domain.timetabling import Lesson, TimetableProblem


def lessons_cost(problem: TimetableProblem, lessons: Iterable[Lesson]) -> int:
    w = problem.weights
    days: dict[str, set[int]] = defaultdict(set)
    rooms: dict[str, set[str]] = defaultdict(set)
    busy: dict[tuple[str, int], set[str]] = defaultdict(set)
    excess = 0
    for lesson in lessons:
        course = problem.course_by_id[lesson.course_id]
        excess += max(0, problem.pupils_of(course) - problem.room_by_id[lesson.room_id].capacity)
        days[course.course_id].add(problem.period_by_id[lesson.period_id].day)
        rooms[course.course_id].add(lesson.room_id)
        for class_id in course.class_ids:
            busy[(class_id, lesson.week)].add(lesson.period_id)
    missing = sum(max(0, problem.course_by_id[c].min_days - len(held)) for c, held in days.items())
    changes = sum(len(used) - 1 for used in rooms.values())
    alone = sum(
        1
        for periods in busy.values()
        for p in periods
        if not any(n in periods for n in problem.neighbours[p])
    )
    return (
        excess * w.room_capacity
        + missing * w.min_days
        + changes * w.room_stability
        + alone * w.isolated
    )
