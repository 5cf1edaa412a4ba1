"""The independent timetable checker: judges any list of lessons against the problem.

Its own code, never the solver's model: every hard violation described in words, every soft
rule's penalty recomputed, the objective their weighted sum. Publishing refuses a timetable
with any hard violation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from services.scheduling.domain.timetabling import (
    SOFT_RULES,
    Lesson,
    TimetableProblem,
)


@dataclass(frozen=True)
class TimetableJudgement:
    hard_violations: tuple[str, ...]
    counts: dict[str, int]  # raw count per soft rule (excess pupils, missing days, ...)
    penalties: dict[str, int]  # weighted per soft rule
    objective: int


def check_timetable(problem: TimetableProblem, lessons: Iterable[Lesson]) -> TimetableJudgement:
    lessons = list(lessons)
    hard: list[str] = []
    counts = dict.fromkeys(SOFT_RULES, 0)
    known: list[Lesson] = []
    for lesson in lessons:
        problem_with = _unknown_reference(problem, lesson)
        if problem_with:
            hard.append(problem_with)
        else:
            known.append(lesson)
    hard += _lesson_counts(problem, known)
    hard += _clashes(problem, known)
    hard += _placement(problem, known)

    for lesson in known:
        course = problem.course_by_id[lesson.course_id]
        capacity = problem.room_by_id[lesson.room_id].capacity
        counts["room_capacity"] += max(0, problem.pupils_of(course) - capacity)
    by_course: dict[str, list[Lesson]] = defaultdict(list)
    for lesson in known:
        by_course[lesson.course_id].append(lesson)
    for course_id, held in by_course.items():
        course = problem.course_by_id[course_id]
        days = {(x.week, problem.period_by_id[x.period_id].day) for x in held}
        counts["min_days"] += max(0, course.min_days - len(days))
        counts["room_stability"] += len({x.room_id for x in held}) - 1
    counts["isolated"] = _isolated_lessons(problem, known)

    penalties = {rule: counts[rule] * problem.weights.of(rule) for rule in SOFT_RULES}
    return TimetableJudgement(
        hard_violations=tuple(hard),
        counts=counts,
        penalties=penalties,
        objective=sum(penalties.values()),
    )


def _unknown_reference(problem: TimetableProblem, lesson: Lesson) -> str | None:
    where = f"lesson of {lesson.course_id!r} in week {lesson.week + 1} at {lesson.period_id!r}"
    if lesson.course_id not in problem.course_by_id:
        return f"{where}: no such course"
    if lesson.period_id not in problem.period_by_id:
        return f"{where}: no such period"
    if lesson.room_id not in problem.room_by_id:
        return f"{where}: no such room {lesson.room_id!r}"
    if not 0 <= lesson.week < problem.weeks:
        return f"{where}: the problem has {problem.weeks} week(s)"
    course = problem.course_by_id[lesson.course_id]
    if lesson.week != course.week:
        return f"{where}: the course runs in week {course.week + 1}"
    return None


def _lesson_counts(problem: TimetableProblem, lessons: list[Lesson]) -> list[str]:
    held = Counter(lesson.course_id for lesson in lessons)
    return [
        f"course {c.course_id!r} has {held[c.course_id]} lesson(s), needs exactly {c.lessons}"
        for c in problem.courses
        if held[c.course_id] != c.lessons
    ]


def _clashes(problem: TimetableProblem, lessons: list[Lesson]) -> list[str]:
    teachers: dict[tuple[str, int, str], list[str]] = defaultdict(list)
    classes: dict[tuple[str, int, str], list[str]] = defaultdict(list)
    rooms: dict[tuple[str, int, str], list[str]] = defaultdict(list)
    for lesson in lessons:
        course = problem.course_by_id[lesson.course_id]
        slot = (lesson.week, lesson.period_id)
        teachers[(course.teacher_id, *slot)].append(course.course_id)
        for class_id in course.class_ids:
            classes[(class_id, *slot)].append(course.course_id)
        rooms[(lesson.room_id, *slot)].append(course.course_id)
    found: list[str] = []
    for what, table in (("teacher", teachers), ("class", classes), ("room", rooms)):
        for (who, week, period), courses in sorted(table.items()):
            if len(courses) > 1:
                found.append(
                    f"{what} {who!r} has {len(courses)} lessons in week {week + 1} at "
                    f"{period!r}: {', '.join(sorted(courses))}"
                )
    return found


def _placement(problem: TimetableProblem, lessons: list[Lesson]) -> list[str]:
    found: list[str] = []
    for lesson in lessons:
        course = problem.course_by_id[lesson.course_id]
        where = f"lesson of {course.course_id!r} in week {lesson.week + 1} at {lesson.period_id!r}"
        if lesson.period_id in course.unavailable:
            found.append(f"{where}: the course is unavailable then")
        teacher = problem.teacher_by_id.get(course.teacher_id)
        if teacher is None:
            found.append(f"{where}: no such teacher {course.teacher_id!r}")
        elif lesson.period_id in teacher.unavailable:
            found.append(f"{where}: teacher {teacher.teacher_id!r} is unavailable then")
        for class_id in course.class_ids:
            if lesson.period_id in problem.class_by_id[class_id].unavailable:
                found.append(f"{where}: class {class_id!r} is unavailable then")
        if lesson.room_id not in _allowed_rooms(problem, course.course_id):
            found.append(f"{where}: room {lesson.room_id!r} is not one of the course's rooms")
    return found


def _allowed_rooms(problem: TimetableProblem, course_id: str) -> set[str]:
    course = problem.course_by_id[course_id]
    school = problem.class_by_id[course.class_ids[0]].school_id
    at_school = {r.room_id for r in problem.rooms if r.school_id == school}
    if course.room_ids:
        return set(course.room_ids) & at_school
    return at_school


def _isolated_lessons(problem: TimetableProblem, lessons: list[Lesson]) -> int:
    """Per class: lessons with no lesson of the same class in an adjacent period that day."""
    busy: dict[tuple[str, int], set[str]] = defaultdict(set)
    attended: list[tuple[str, int, str]] = []
    for lesson in lessons:
        for class_id in problem.course_by_id[lesson.course_id].class_ids:
            busy[(class_id, lesson.week)].add(lesson.period_id)
            attended.append((class_id, lesson.week, lesson.period_id))
    slots = {(p.day, p.index): p.period_id for p in problem.periods}
    isolated = 0
    for class_id, week, period_id in attended:
        period = problem.period_by_id[period_id]
        around = [slots.get((period.day, period.index + d)) for d in (-1, 1)]
        if not any(p is not None and p in busy[(class_id, week)] for p in around):
            isolated += 1
    return isolated
