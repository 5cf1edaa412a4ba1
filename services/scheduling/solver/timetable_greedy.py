"""A first timetable for a part in milliseconds, before any CP-SAT search.

Periods are filled one at a time (day by day, the ends of sessions last) with the most
urgent courses that still fit (teacher and classes free, a room left), urgency being lessons
left over periods left open to the course; then the period's lessons get rooms, the largest
classes first, each the free room of least cost (excess pupils, plus the room-change weight
for a room the course has not used yet). It may fail (a course left short); the search then
starts without it. `relocate` then moves lessons and whole courses into better rooms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations, islice

from services.scheduling.domain.timetabling import Course, Lesson, TimetableProblem
from services.scheduling.solver.timetable_cost import lessons_cost

MAX_COMBINATIONS = 30


def greedy_timetable(
    problem: TimetableProblem, course_ids: Sequence[str], home: dict[str, str]
) -> tuple[Lesson, ...] | None:
    courses = [problem.course_by_id[c] for c in course_ids]
    # Session ends (no period right after) come last, so the periods a class is left without
    # are ends of sessions and leave no lesson alone.
    slots = {(p.day, p.index) for p in problem.periods}
    periods = sorted(
        problem.periods, key=lambda p: ((p.day, p.index + 1) not in slots, p.day, p.index)
    )
    order = {p.period_id: n for n, p in enumerate(periods)}
    open_at = {c.course_id: {order[p.period_id] for p in problem.periods_for(c)} for c in courses}
    left = {c.course_id: c.lessons for c in courses}
    per_day_cap = {c.course_id: -(-c.lessons // max(1, c.min_days)) for c in courses}
    today: dict[tuple[str, int], int] = defaultdict(int)
    rooms_used: dict[str, set[str]] = defaultdict(set)
    days: dict[str, set[int]] = defaultdict(set)
    lessons: list[Lesson] = []
    for n, period in enumerate(periods):
        ranked = []
        for course in courses:
            cid = course.course_id
            if not left[cid] or n not in open_at[cid]:
                continue
            urgency = left[cid] / sum(1 for m in open_at[cid] if m >= n)
            here = today[(cid, period.day)]
            if here and len(days[cid]) + left[cid] <= course.min_days and urgency < 1.0:
                continue  # each lesson left must open a new day
            spread = here < per_day_cap[cid]
            ranked.append((urgency >= 1.0, spread, urgency, course.lessons, cid))
        teachers: set[str] = set()
        classes: set[str] = set()
        chosen: list[Course] = []
        for *_rank, cid in sorted(ranked, reverse=True):
            course = problem.course_by_id[cid]
            if course.teacher_id in teachers or classes.intersection(course.class_ids):
                continue
            teachers.add(course.teacher_id)
            classes.update(course.class_ids)
            chosen.append(course)
        taken: set[str] = set()
        for course in sorted(chosen, key=lambda c: (-problem.pupils_of(c), c.course_id)):
            room = _room(problem, course, taken, rooms_used, home)
            if room is None:
                continue
            cid = course.course_id
            taken.add(room)
            rooms_used[cid].add(room)
            left[cid] -= 1
            today[(cid, period.day)] += 1
            days[cid].add(period.day)
            lessons.append(Lesson(cid, course.week, period.period_id, room))
    if any(left.values()):
        return None
    return tuple(lessons)


def _room(
    problem: TimetableProblem,
    course: Course,
    taken: set[str],
    rooms_used: dict[str, set[str]],
    home: dict[str, str],
) -> str | None:
    pupils = problem.pupils_of(course)
    used = rooms_used[course.course_id] or {home.get(course.course_id, "")}
    weights = problem.weights
    free = [r for r in problem.rooms_for(course) if r not in taken]
    if not free:
        return None

    def cost(room: str) -> tuple[int, int, str]:
        excess = max(0, pupils - problem.room_by_id[room].capacity)
        change = 0 if room in used else weights.room_stability
        return (excess * weights.room_capacity + change, room not in used, room)

    return min(free, key=cost)


def relocate(
    problem: TimetableProblem, lessons: tuple[Lesson, ...], *, rounds: int = 50
) -> tuple[Lesson, ...]:
    """Local search while the part's cost falls: move a whole course into a room with fewer
    excess pupils (into that room's free periods), or a single lesson into a free (period,
    room) of such a room; every hard rule kept."""
    current = list(lessons)
    cost = lessons_cost(problem, current)
    for _ in range(rounds):
        found = _better_move(problem, current, cost)
        if found is None:
            break
        current, cost = found
    return tuple(current)


def _better_move(
    problem: TimetableProblem, current: list[Lesson], cost: int
) -> tuple[list[Lesson], int] | None:
    by_course: dict[str, list[int]] = defaultdict(list)
    for n, lesson in enumerate(current):
        by_course[lesson.course_id].append(n)
    for course_id, held in by_course.items():
        course = problem.course_by_id[course_id]
        pupils = problem.pupils_of(course)
        now = min(_excess(problem, pupils, current[n].room_id) for n in held)
        if not now:
            continue
        others = [x for m, x in enumerate(current) if m not in held]
        teacher_busy = {(problem.course_by_id[x.course_id].teacher_id, x.period_id) for x in others}
        class_busy = {
            (k, x.period_id) for x in others for k in problem.course_by_id[x.course_id].class_ids
        }
        room_busy = {(x.room_id, x.period_id) for x in others}
        open_periods = [
            p.period_id
            for p in problem.periods_for(course)
            if (course.teacher_id, p.period_id) not in teacher_busy
            and not any((k, p.period_id) in class_busy for k in course.class_ids)
        ]
        for room in problem.rooms_for(course):
            if _excess(problem, pupils, room) >= now:
                continue
            free = [p for p in open_periods if (room, p) not in room_busy]
            week = current[held[0]].week
            # The whole course in the room ...
            for periods in islice(combinations(free, len(held)), MAX_COMBINATIONS):
                trial = others + [Lesson(course_id, week, p, room) for p in periods]
                trial_cost = lessons_cost(problem, trial)
                if trial_cost < cost:
                    return trial, trial_cost
            # ... or one lesson of it.
            for n in held:
                for period in free:
                    trial = current.copy()
                    trial[n] = Lesson(course_id, week, period, room)
                    if any(m != n and current[m].period_id == period for m in held):
                        continue
                    trial_cost = lessons_cost(problem, trial)
                    if trial_cost < cost:
                        return trial, trial_cost
    return None


def _excess(problem: TimetableProblem, pupils: int, room: str) -> int:
    return max(0, pupils - problem.room_by_id[room].capacity)
