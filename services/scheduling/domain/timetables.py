"""A published teaching timetable: its dated lessons, and who may read which."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from services.scheduling.domain.rules import RuleBroken
from services.scheduling.domain.timetabling import Lesson, TimetableProblem

MAX_LISTED_VIOLATIONS = 5


@dataclass(frozen=True)
class Timetable:
    college: str
    timetable_id: UUID
    name: str
    starts_on: date
    ends_on: date
    status: str
    job_id: UUID
    objective: float
    penalties: Mapping[str, int]
    lesson_count: int
    schools: Mapping[str, str]
    classes: Mapping[str, Mapping[str, Any]]
    volunteers: Mapping[str, str]
    notes: Mapping[str, Any]
    published_by: str
    published_at: datetime


@dataclass(frozen=True)
class PublishedLesson:
    college: str
    lesson_id: UUID
    timetable_id: UUID
    school: str
    class_id: str
    class_ids: tuple[str, ...]
    course: str
    subject: str
    course_name: str
    volunteer_id: str
    room: str
    week: int  # 1-based
    period: str
    starts_at: datetime
    ends_at: datetime
    version: int = 0


@dataclass(frozen=True)
class LessonFilter:
    """Which lessons of a timetable a view shows (None: any)."""

    school: str | None = None
    class_id: str | None = None
    volunteer_id: str | None = None
    week: int | None = None


def lesson_id(timetable_id: UUID, lesson: Lesson) -> UUID:
    """Stable per timetable and (course, week, period): a calendar feed's UID."""
    return uuid5(timetable_id, f"{lesson.course_id}|{lesson.week}|{lesson.period_id}")


def refuse_violations(violations: Iterable[str], *, job_id: UUID) -> None:
    found = list(violations)
    if found:
        listed = "; ".join(found[:MAX_LISTED_VIOLATIONS])
        more = (
            f" (and {len(found) - MAX_LISTED_VIOLATIONS} more)"
            if len(found) > MAX_LISTED_VIOLATIONS
            else ""
        )
        raise RuleBroken(
            "hard_violations",
            field="job_id",
            message=f"the timetable of job {job_id} breaks hard rules: {listed}{more}",
        )


def dated_lessons(
    problem: TimetableProblem, lessons: Iterable[Lesson], *, college: str, timetable_id: UUID
) -> list[PublishedLesson]:
    """The lessons with their instants (the problem must have a `starts_on`)."""
    dated = []
    for lesson in lessons:
        course = problem.course_by_id[lesson.course_id]
        period = problem.period_by_id[lesson.period_id]
        times = problem.times_of(lesson.week, period)
        if times is None:
            raise RuleBroken(
                "dated_timetable",
                field="job_id",
                message="the problem has no starts_on: its lessons cannot be dated",
            )
        dated.append(
            PublishedLesson(
                college=college,
                lesson_id=lesson_id(timetable_id, lesson),
                timetable_id=timetable_id,
                school=problem.school_of(course),
                class_id=course.class_ids[0],
                class_ids=course.class_ids,
                course=course.course_id,
                subject=course.subject,
                course_name=course.name,
                volunteer_id=course.teacher_id,
                room=lesson.room_id,
                week=lesson.week + 1,
                period=period.period_id,
                starts_at=times[0],
                ends_at=times[1],
            )
        )
    return dated


def period_of(problem: TimetableProblem) -> tuple[date, date]:
    """The first and last day of the timetable's weeks."""
    if problem.starts_on is None:
        raise RuleBroken(
            "dated_timetable",
            field="job_id",
            message="the problem has no starts_on: its lessons cannot be dated",
        )
    return problem.starts_on, problem.starts_on + timedelta(days=7 * problem.weeks - 1)
