"""A teaching timetable on a general model (课表): schools, classes (pupil groups), courses
taught by volunteers, rooms and the periods of a weekly cycle.

Hard rules: each course gets exactly its lessons; a teacher, a class and a room hold at most
one lesson at a time; nobody teaches or attends in a period they are unavailable; a lesson
is held in one of the course's rooms (a room of the course's school).
Soft rules, weighted: a room too small (per excess pupil), a course on fewer distinct days
than its minimum (per missing day), an isolated lesson of a class (no other lesson of that
class in an adjacent period of the same day), a course that changes rooms (per extra room).

Periods are adjacent when they are on the same day of the cycle and their `index` differs by
one: leave a gap in the indexes (0, 1, 2, 4, 5, 6) to make a lunch break separate them.
A course belongs to one week of the horizon (`week`, 0-based): a problem of several weeks
(the summer programme's rotation) has its lessons at (week, period); week w's day d is dated
`starts_on + 7 w + d` when the problem has a `starts_on`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from services.scheduling.domain.calendar_time import at_campus
from services.scheduling.domain.solving import SolveStatus

SOFT_RULES = ("room_capacity", "min_days", "isolated", "room_stability")


@dataclass(frozen=True)
class Period:
    """One teaching period of the cycle: day offset from the week's start, order in the day."""

    period_id: str
    day: int
    index: int
    starts: time
    ends: time
    name: str = ""


@dataclass(frozen=True)
class School:
    school_id: str
    name: str = ""


@dataclass(frozen=True)
class SchoolClass:
    """A group of pupils who attend lessons together (班)."""

    class_id: str
    school_id: str
    pupils: int
    name: str = ""
    unavailable: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Room:
    room_id: str
    school_id: str
    capacity: int
    name: str = ""


@dataclass(frozen=True)
class Teacher:
    """A volunteer who teaches; `unavailable` holds period ids of every week."""

    teacher_id: str
    name: str = ""
    unavailable: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Course:
    """`lessons` lessons a week of one subject for one or more classes of one school."""

    course_id: str
    subject: str
    class_ids: tuple[str, ...]
    teacher_id: str
    lessons: int
    min_days: int = 1
    week: int = 0
    name: str = ""
    # Rooms the course may use (empty: any room of its school).
    room_ids: tuple[str, ...] = ()
    unavailable: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Weights:
    """The weight of each soft rule (the ITC-2007 course timetabling defaults)."""

    room_capacity: int = 1
    min_days: int = 5
    isolated: int = 2
    room_stability: int = 1

    def of(self, rule: str) -> int:
        return int(getattr(self, rule))


@dataclass(frozen=True)
class TimetableProblem:
    name: str
    periods: tuple[Period, ...]
    schools: tuple[School, ...]
    classes: tuple[SchoolClass, ...]
    rooms: tuple[Room, ...]
    teachers: tuple[Teacher, ...]
    courses: tuple[Course, ...]
    weeks: int = 1
    starts_on: date | None = None
    weights: Weights = field(default_factory=Weights)
    # Free-form notes of a template (e.g. the rotation of teams), carried into the result.
    notes: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def period_by_id(self) -> dict[str, Period]:
        return {p.period_id: p for p in self.periods}

    @cached_property
    def class_by_id(self) -> dict[str, SchoolClass]:
        return {k.class_id: k for k in self.classes}

    @cached_property
    def room_by_id(self) -> dict[str, Room]:
        return {r.room_id: r for r in self.rooms}

    @cached_property
    def teacher_by_id(self) -> dict[str, Teacher]:
        return {t.teacher_id: t for t in self.teachers}

    @cached_property
    def course_by_id(self) -> dict[str, Course]:
        return {c.course_id: c for c in self.courses}

    @cached_property
    def school_by_id(self) -> dict[str, School]:
        return {s.school_id: s for s in self.schools}

    def school_of(self, course: Course) -> str:
        return self.class_by_id[course.class_ids[0]].school_id

    def pupils_of(self, course: Course) -> int:
        return sum(self.class_by_id[k].pupils for k in course.class_ids)

    def rooms_for(self, course: Course) -> tuple[str, ...]:
        """The rooms the course may use, in problem order."""
        if course.room_ids:
            return course.room_ids
        school = self.school_of(course)
        return tuple(r.room_id for r in self.rooms if r.school_id == school)

    def blocked_periods(self, course: Course) -> frozenset[str]:
        """Periods the course may not use: its own, its teacher's, its classes' unavailability."""
        blocked = set(course.unavailable)
        teacher = self.teacher_by_id.get(course.teacher_id)
        if teacher is not None:
            blocked |= teacher.unavailable
        for class_id in course.class_ids:
            school_class = self.class_by_id.get(class_id)
            if school_class is not None:
                blocked |= school_class.unavailable
        return frozenset(blocked)

    def periods_for(self, course: Course) -> tuple[Period, ...]:
        blocked = self.blocked_periods(course)
        return tuple(p for p in self.periods if p.period_id not in blocked)

    @cached_property
    def neighbours(self) -> dict[str, tuple[str, ...]]:
        """Each period's adjacent periods (same day, index one apart)."""
        by_slot = {(p.day, p.index): p.period_id for p in self.periods}
        return {
            p.period_id: tuple(
                by_slot[(p.day, p.index + d)] for d in (-1, 1) if (p.day, p.index + d) in by_slot
            )
            for p in self.periods
        }

    def date_of(self, week: int, period: Period) -> date | None:
        if self.starts_on is None:
            return None
        return self.starts_on + timedelta(days=7 * week + period.day)

    def times_of(self, week: int, period: Period) -> tuple[datetime, datetime] | None:
        day = self.date_of(week, period)
        if day is None:
            return None
        return at_campus(day, period.starts), at_campus(day, period.ends)

    @property
    def total_lessons(self) -> int:
        return sum(c.lessons for c in self.courses)


@dataclass(frozen=True, order=True)
class Lesson:
    """One lesson of a course: in week `week`, period `period_id`, room `room_id`."""

    course_id: str
    week: int
    period_id: str
    room_id: str


@dataclass(frozen=True)
class Conflict:
    """One requirement of a set that cannot hold together (an infeasibility explanation)."""

    requirement: str
    description: str


@dataclass(frozen=True)
class TimetableOutcome:
    """A solve's answer, judged by the independent checker (objective, penalties, violations)."""

    problem: TimetableProblem
    status: SolveStatus
    lessons: tuple[Lesson, ...] = ()
    objective: float | None = None  # the checker's
    solver_objective: float | None = None  # what CP-SAT reported (must agree)
    bound: float | None = None
    gap: float | None = None
    wall_s: float = 0.0
    feasible_s: float | None = None  # when every part had a timetable
    penalties: Mapping[str, int] = field(default_factory=dict)  # weighted, per soft rule
    hard_violations: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    parts: int = 0  # independent parts the problem decomposed into


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """(objective - bound) / objective; 0 when both are 0."""
    if objective is None or bound is None:
        return None
    if abs(objective) < 1e-9:
        return 0.0 if abs(bound) < 1e-9 else 1.0
    return max(0.0, (objective - bound) / abs(objective))
