"""Tiny timetable problems for the unit tests: one school, a few periods, a few courses."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

from services.scheduling.domain.timetabling import (
    Course,
    Period,
    Room,
    School,
    SchoolClass,
    Teacher,
    TimetableProblem,
)

MONDAY = date(2024, 7, 8)


def periods(days: int = 2, per_day: int = 3) -> tuple[Period, ...]:
    """`per_day` consecutive periods (index 0..) on each of `days` days: d0-1, d0-2, ..."""
    return tuple(
        Period(f"d{d}-{i + 1}", d, i, time(8 + i, 0), time(8 + i, 45))
        for d in range(days)
        for i in range(per_day)
    )


def course(
    course_id: str,
    classes: tuple[str, ...] = ("k1",),
    teacher: str = "t1",
    lessons: int = 1,
    min_days: int = 1,
    **more: object,
) -> Course:
    return Course(
        course_id=course_id,
        subject=course_id,
        class_ids=classes,
        teacher_id=teacher,
        lessons=lessons,
        min_days=min_days,
        **more,  # type: ignore[arg-type]
    )


def problem(
    courses: tuple[Course, ...],
    *,
    days: int = 2,
    per_day: int = 3,
    classes: tuple[SchoolClass, ...] | None = None,
    rooms: tuple[Room, ...] | None = None,
    teachers: tuple[Teacher, ...] | None = None,
) -> TimetableProblem:
    return TimetableProblem(
        name="tiny",
        periods=periods(days, per_day),
        schools=(School("s1", "school"),),
        classes=classes or (SchoolClass("k1", "s1", 20), SchoolClass("k2", "s1", 25)),
        rooms=rooms or (Room("r1", "s1", 30), Room("r2", "s1", 30)),
        teachers=teachers or (Teacher("t1"), Teacher("t2"), Teacher("t3")),
        courses=courses,
        starts_on=MONDAY,
    )


def with_weights(p: TimetableProblem, **weights: int) -> TimetableProblem:
    return replace(p, weights=replace(p.weights, **weights))
