"""A room plan for a part: each class gets a home room (the largest classes the largest
rooms), its own courses are held there, and a course shared by several classes goes to the
room that fits it best. Searching with the plan is fast; it is a restriction, so its
answers are improved afterwards on the full model, which may move lessons."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ortools.graph.python import min_cost_flow

from services.scheduling.domain.timetabling import TimetableProblem


def room_plan(problem: TimetableProblem, course_ids: Sequence[str]) -> dict[str, str]:
    courses = [problem.course_by_id[c] for c in course_ids]
    room_time = len(problem.periods)
    load: dict[str, int] = defaultdict(int)
    home: dict[str, str] = {}
    single: dict[str, set[str]] = defaultdict(set)  # class -> rooms its own courses may use
    for course in courses:
        if len(course.class_ids) == 1:
            fits = set(problem.rooms_for(course))
            class_id = course.class_ids[0]
            single[class_id] = single[class_id] & fits if class_id in single else fits
    taken: set[str] = set()
    by_size = sorted(single, key=lambda k: (-problem.class_by_id[k].pupils, k))
    for class_id in by_size:
        free = [problem.room_by_id[r] for r in single[class_id] if r not in taken]
        if free:
            biggest = max(free, key=lambda r: (r.capacity, r.room_id))
            home[class_id] = biggest.room_id
            taken.add(biggest.room_id)
    plan: dict[str, str] = {}
    for course in sorted(courses, key=lambda c: (-problem.pupils_of(c), c.course_id)):
        allowed = problem.rooms_for(course)
        preferred = home.get(course.class_ids[0]) if len(course.class_ids) == 1 else None
        if preferred in allowed and load[preferred] + course.lessons <= room_time:
            room = preferred
        else:
            pupils = problem.pupils_of(course)
            room = min(
                allowed,
                key=lambda r: (
                    load[r] + course.lessons > room_time,
                    max(0, pupils - problem.room_by_id[r].capacity),
                    load[r],
                    r,
                ),
            )
        plan[course.course_id] = room
        load[room] += course.lessons
    return plan


def lower_bound(problem: TimetableProblem, course_ids: Sequence[str]) -> int:
    """A lower bound of the part's objective: the least excess pupils over all ways of
    sending each course's lessons to its rooms when a room holds at most one lesson in
    each period some course may use it (a min-cost flow, relaxing everything else), plus
    the days a course must miss because its open periods fall on fewer days than its
    minimum."""
    courses = [problem.course_by_id[c] for c in course_ids]
    weights = problem.weights
    missing = 0
    for course in courses:
        open_days = {p.day for p in problem.periods_for(course)}
        missing += max(0, course.min_days - len(open_days))
    if not weights.room_capacity:
        return missing * weights.min_days
    rooms = sorted({r for c in courses for r in problem.rooms_for(c)})
    node = {r: len(courses) + n for n, r in enumerate(rooms)}
    sink = len(courses) + len(rooms)
    flow = min_cost_flow.SimpleMinCostFlow()
    for n, course in enumerate(courses):
        pupils = problem.pupils_of(course)
        flow.set_node_supply(n, course.lessons)
        for room in problem.rooms_for(course):
            excess = max(0, pupils - problem.room_by_id[room].capacity)
            flow.add_arc_with_capacity_and_unit_cost(n, node[room], course.lessons, excess)
    open_periods: dict[str, set[str]] = {r: set() for r in rooms}
    for course in courses:
        held = {p.period_id for p in problem.periods_for(course)}
        for room in problem.rooms_for(course):
            open_periods[room] |= held
    for room in rooms:
        flow.add_arc_with_capacity_and_unit_cost(node[room], sink, len(open_periods[room]), 0)
    flow.set_node_supply(sink, -sum(c.lessons for c in courses))
    capacity = flow.optimal_cost() if flow.solve() == flow.OPTIMAL else 0
    return capacity * weights.room_capacity + missing * weights.min_days
