"""The timetable problem's JSON format (general, or `{"template": "summer", ...}`) and the
result document of a solve (per school, class and volunteer views).

General format (weeks and `week` are 1-based in JSON):
    {"name": "...", "starts_on": "2024-07-08", "weeks": 1,
     "periods": [{"id": "mon-1", "day": 0, "index": 0, "starts": "08:30", "ends": "09:15"}],
     "schools": [{"id": "s1", "name": "..."}],
     "classes": [{"id": "s1-g3", "school": "s1", "pupils": 18, "unavailable": []}],
     "rooms": [{"id": "s1-r1", "school": "s1", "capacity": 20}],
     "teachers": [{"id": "v1", "name": "...", "unavailable": ["mon-1"]}],
     "courses": [{"id": "c1", "subject": "english", "classes": ["s1-g3"], "teacher": "v1",
                  "lessons": 3, "min_days": 3, "week": 1, "rooms": [], "unavailable": []}],
     "weights": {"room_capacity": 1, "min_days": 5, "isolated": 2, "room_stability": 1}}
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.domain.summer_programme import TEMPLATE
from services.scheduling.domain.timetabling import (
    SOFT_RULES,
    Course,
    Lesson,
    Period,
    Room,
    School,
    SchoolClass,
    Teacher,
    TimetableOutcome,
    TimetableProblem,
    Weights,
)
from services.scheduling.schemas.timetable_reading import (
    bad,
    day,
    ident,
    ids,
    integer,
    obj,
    seq,
    text,
    unique,
    wall,
)


def parse_timetable_problem(data: object, limits: ProblemLimits) -> TimetableProblem:
    """The domain problem of a JSON document; bad or oversize input raises RuleBroken."""
    document = obj(data, "")
    if "template" in document:
        from services.scheduling.schemas.timetable_template import parse_summer_programme

        if document["template"] != TEMPLATE:
            raise bad("template", f"unknown template (known: {TEMPLATE!r})", "unknown_template")
        problem = parse_summer_programme(document, limits)
    else:
        problem = _parse_general(document, limits)
    check_size(problem, limits, field="courses")
    return problem


def parse_weights(document: dict[str, Any]) -> Weights:
    raw = obj(document.get("weights", {}), "weights")
    for key in raw:
        if key not in SOFT_RULES:
            raise bad(f"weights.{key}", f"unknown soft rule (known: {', '.join(SOFT_RULES)})")
    return Weights(
        **{
            r: integer(raw, r, "weights", default=Weights().of(r), minimum=0, maximum=10_000)
            for r in SOFT_RULES
        }
    )


def _parse_general(document: dict[str, Any], limits: ProblemLimits) -> TimetableProblem:
    name = text(document, "name", "", default="timetable")
    weeks = integer(
        document, "weeks", "", default=1, minimum=1, maximum=max(1, limits.max_days // 7)
    )
    starts_on = day(document, "starts_on", "") if document.get("starts_on") is not None else None
    periods = _periods(document)
    known_periods = {p.period_id for p in periods}
    seen: set[str] = set()
    schools = []
    for n, raw in enumerate(seq(document, "schools", "")):
        at = f"schools[{n}]"
        raw = obj(raw, at)
        school_id = ident(raw, "id", at)
        unique(f"{at}.id", seen, school_id, "school")
        schools.append(School(school_id, text(raw, "name", at, default="")))
    school_ids = {s.school_id for s in schools}
    classes, seen = [], set()
    for n, raw in enumerate(seq(document, "classes", "")):
        at = f"classes[{n}]"
        raw = obj(raw, at)
        class_id = ident(raw, "id", at)
        unique(f"{at}.id", seen, class_id, "class")
        classes.append(
            SchoolClass(
                class_id=class_id,
                school_id=_known(raw, "school", at, school_ids, "school"),
                pupils=integer(raw, "pupils", at, minimum=1, maximum=10_000),
                name=text(raw, "name", at, default=""),
                unavailable=frozenset(ids(raw, "unavailable", at, known_periods, "period")),
            )
        )
    rooms, seen = [], set()
    for n, raw in enumerate(seq(document, "rooms", "")):
        at = f"rooms[{n}]"
        raw = obj(raw, at)
        room_id = ident(raw, "id", at)
        unique(f"{at}.id", seen, room_id, "room")
        rooms.append(
            Room(
                room_id=room_id,
                school_id=_known(raw, "school", at, school_ids, "school"),
                capacity=integer(raw, "capacity", at, minimum=1, maximum=100_000),
                name=text(raw, "name", at, default=""),
            )
        )
    teachers, seen = [], set()
    for n, raw in enumerate(seq(document, "teachers", "")):
        at = f"teachers[{n}]"
        raw = obj(raw, at)
        teacher_id = ident(raw, "id", at)
        unique(f"{at}.id", seen, teacher_id, "teacher")
        teachers.append(
            Teacher(
                teacher_id=teacher_id,
                name=text(raw, "name", at, default=""),
                unavailable=frozenset(ids(raw, "unavailable", at, known_periods, "period")),
            )
        )
    if len(teachers) > limits.max_staff:
        raise bad("teachers", f"more than {limits.max_staff} teachers", "too_large")
    courses = _courses(document, weeks, periods, classes, rooms, {t.teacher_id for t in teachers})
    problem = TimetableProblem(
        name=name,
        periods=periods,
        schools=tuple(schools),
        classes=tuple(classes),
        rooms=tuple(rooms),
        teachers=tuple(teachers),
        courses=tuple(courses),
        weeks=weeks,
        starts_on=starts_on,
        weights=parse_weights(document),
    )
    for n, course in enumerate(problem.courses):
        check_room_for(problem, course, f"courses[{n}]")
        check_periods_for(problem, course, f"courses[{n}].lessons")
    return problem


def _periods(document: dict[str, Any]) -> tuple[Period, ...]:
    raws = seq(document, "periods", "")
    if not raws:
        raise bad("periods", "at least one period is required", "required")
    periods: list[Period] = []
    seen: set[str] = set()
    slots: set[tuple[int, int]] = set()
    for n, raw in enumerate(raws):
        at = f"periods[{n}]"
        raw = obj(raw, at)
        period_id = ident(raw, "id", at)
        unique(f"{at}.id", seen, period_id, "period")
        weekday = integer(raw, "day", at, minimum=0, maximum=6)
        index = integer(raw, "index", at, default=n, minimum=0, maximum=1000)
        if (weekday, index) in slots:
            raise bad(f"{at}.index", f"day {weekday} already has a period {index}", "duplicate")
        slots.add((weekday, index))
        starts, ends = wall(raw, "starts", at), wall(raw, "ends", at)
        if ends <= starts:
            raise bad(f"{at}.ends", "must be after starts", "not_positive")
        periods.append(
            Period(period_id, weekday, index, starts, ends, text(raw, "name", at, default=""))
        )
    return tuple(periods)


def _courses(
    document: dict[str, Any],
    weeks: int,
    periods: tuple[Period, ...],
    classes: list[SchoolClass],
    rooms: list[Room],
    teacher_ids: set[str],
) -> list[Course]:
    known_periods = {p.period_id for p in periods}
    school_of = {k.class_id: k.school_id for k in classes}
    room_school = {r.room_id: r.school_id for r in rooms}
    courses: list[Course] = []
    seen: set[str] = set()
    for n, raw in enumerate(seq(document, "courses", "")):
        at = f"courses[{n}]"
        raw = obj(raw, at)
        course_id = ident(raw, "id", at)
        unique(f"{at}.id", seen, course_id, "course")
        class_ids = ids(raw, "classes", at, school_of, "class")
        if not class_ids:
            raise bad(f"{at}.classes", "at least one class attends a course", "required")
        if len(set(class_ids)) != len(class_ids):
            raise bad(f"{at}.classes", "a class is listed twice", "duplicate")
        if len({school_of[k] for k in class_ids}) > 1:
            raise bad(f"{at}.classes", "the classes of a course are of one school", "one_school")
        course_rooms = ids(raw, "rooms", at, room_school, "room")
        for m, room in enumerate(course_rooms):
            if room_school[room] != school_of[class_ids[0]]:
                raise bad(f"{at}.rooms[{m}]", f"room {room!r} is at another school", "other_school")
        lessons = integer(raw, "lessons", at, minimum=1, maximum=len(periods))
        courses.append(
            Course(
                course_id=course_id,
                subject=ident(raw, "subject", at),
                class_ids=class_ids,
                teacher_id=_known(raw, "teacher", at, teacher_ids, "teacher"),
                lessons=lessons,
                min_days=integer(raw, "min_days", at, default=1, minimum=0, maximum=lessons),
                week=integer(raw, "week", at, default=1, minimum=1, maximum=weeks) - 1,
                name=text(raw, "name", at, default=""),
                room_ids=course_rooms,
                unavailable=frozenset(ids(raw, "unavailable", at, known_periods, "period")),
            )
        )
    return courses


def _known(raw: dict[str, Any], key: str, at: str, known: set[str], what: str) -> str:
    value = ident(raw, key, at)
    if value not in known:
        raise bad(f"{at}.{key}", f"unknown {what} {value!r}", f"unknown_{what}")
    return value


def check_room_for(problem: TimetableProblem, course: Course, field: str) -> None:
    if not problem.rooms_for(course):
        raise bad(f"{field}.rooms", "no room of the course's school to hold it", "no_room")


def check_periods_for(problem: TimetableProblem, course: Course, field: str) -> None:
    free = len(problem.periods_for(course))
    if course.lessons > free:
        raise bad(
            field,
            f"course {course.course_id!r} needs {course.lessons} lessons but only {free} "
            "periods are open to it (course, teacher and class unavailability)",
            "more_lessons_than_periods",
        )


def check_size(problem: TimetableProblem, limits: ProblemLimits, *, field: str) -> None:
    if problem.total_lessons > limits.max_lessons:
        raise bad(
            field,
            f"{problem.total_lessons} lessons exceed the limit of {limits.max_lessons}",
            "too_large",
        )
    if problem.weeks * 7 > limits.max_days:
        raise bad("weeks", f"more than {limits.max_days} days", "too_large")


# --- the result document ------------------------------------------------------------------


def lesson_document(problem: TimetableProblem, lesson: Lesson) -> dict[str, Any]:
    course = problem.course_by_id[lesson.course_id]
    period = problem.period_by_id[lesson.period_id]
    day = problem.date_of(lesson.week, period)
    times = problem.times_of(lesson.week, period)
    return {
        "course": course.course_id,
        "subject": course.subject,
        "name": course.name or course.subject,
        "school": problem.school_of(course),
        "classes": list(course.class_ids),
        "volunteer": course.teacher_id,
        "room": lesson.room_id,
        "week": lesson.week + 1,
        "period": period.period_id,
        "date": day.isoformat() if day else None,
        "starts": period.starts.strftime("%H:%M"),
        "ends": period.ends.strftime("%H:%M"),
        "starts_at": times[0].isoformat() if times else None,
        "ends_at": times[1].isoformat() if times else None,
    }


def timetable_result_document(outcome: TimetableOutcome) -> dict[str, Any]:
    problem = outcome.problem
    lessons = [lesson_document(problem, x) for x in outcome.lessons]
    schools: dict[str, list[int]] = defaultdict(list)
    classes: dict[str, list[int]] = defaultdict(list)
    volunteers: dict[str, list[int]] = defaultdict(list)
    for n, doc in enumerate(lessons):
        schools[doc["school"]].append(n)
        volunteers[doc["volunteer"]].append(n)
        for class_id in doc["classes"]:
            classes[class_id].append(n)
    ends_on = (
        problem.starts_on + timedelta(days=7 * problem.weeks - 1) if problem.starts_on else None
    )
    return {
        "kind": "timetable",
        "name": problem.name,
        "status": outcome.status,
        "objective": outcome.objective,
        "solver_objective": outcome.solver_objective,
        "bound": outcome.bound,
        "gap": outcome.gap,
        "wall_s": round(outcome.wall_s, 3),
        "feasible_s": None if outcome.feasible_s is None else round(outcome.feasible_s, 3),
        "parts": outcome.parts,
        "penalties": dict(outcome.penalties),
        "hard_violations": list(outcome.hard_violations),
        "conflicts": [
            {"requirement": c.requirement, "description": c.description} for c in outcome.conflicts
        ],
        "starts_on": problem.starts_on.isoformat() if problem.starts_on else None,
        "ends_on": ends_on.isoformat() if ends_on else None,
        "weeks": problem.weeks,
        "lessons": lessons,
        "views": {
            "schools": {
                s.school_id: {"name": s.name, "lessons": schools.get(s.school_id, [])}
                for s in problem.schools
            },
            "classes": {
                k.class_id: {
                    "name": k.name,
                    "school": k.school_id,
                    "pupils": k.pupils,
                    "lessons": classes.get(k.class_id, []),
                }
                for k in problem.classes
            },
            "volunteers": {
                t.teacher_id: {"name": t.name, "lessons": volunteers.get(t.teacher_id, [])}
                for t in problem.teachers
            },
        },
        "notes": dict(problem.notes),
    }


def lessons_from_document(document: object) -> tuple[Lesson, ...]:
    """The lessons of a result document (as stored with a solve job), for re-checking."""
    raw = obj(document, "result")
    found: list[Lesson] = []
    for n, item in enumerate(seq(raw, "lessons", "result")):
        at = f"result.lessons[{n}]"
        item = obj(item, at)
        found.append(
            Lesson(
                course_id=ident(item, "course", at),
                week=integer(item, "week", at, minimum=1) - 1,
                period_id=ident(item, "period", at),
                room_id=ident(item, "room", at),
            )
        )
    return tuple(found)
