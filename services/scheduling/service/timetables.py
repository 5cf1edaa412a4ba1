"""Timetable use cases: publishing from a done solve job (the stored answer re-judged by the
independent checker), reading timetables and their lessons; each runs in the one
transaction it is handed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

import asyncpg

from services.scheduling.domain.rules import NotFound, RuleBroken
from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.domain.timetable_checker import check_timetable
from services.scheduling.domain.timetables import (
    LessonFilter,
    PublishedLesson,
    Timetable,
    dated_lessons,
    period_of,
    refuse_violations,
)
from services.scheduling.domain.timetabling import TimetableProblem
from services.scheduling.repository import timetables as repository
from services.scheduling.schemas.timetabling import lessons_from_document, parse_timetable_problem
from services.scheduling.service import SOURCE
from shared.events.scheduling import LessonAssigned, TimetablePublished
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging

T = TypeVar("T")


async def publish_timetable(
    conn: asyncpg.Connection,
    *,
    college: str,
    job_id: UUID,
    name: str,
    limits: ProblemLimits,
    published_by: str,
    now: datetime,
) -> Timetable:
    """Publish the timetable of a done timetable solve job: its lessons dated and stored,
    TimetablePublished in the outbox. Refused (409) unless the checker finds no hard rule
    broken."""
    job = await repository.solve_job(conn, college=college, job_id=job_id)
    if job is None:
        raise NotFound("solve job", job_id)
    if job.kind != "timetable":
        raise RuleBroken(
            "timetable_job", field="job_id", message=f"job {job_id} solved a {job.kind}"
        )
    if job.status != "done" or job.result is None:
        raise RuleBroken(
            "job_done", field="job_id", message=f"job {job_id} is {job.status}, not done"
        )
    status = job.result.get("status")
    if status not in ("optimal", "feasible"):
        raise RuleBroken(
            "job_solved",
            field="job_id",
            message=f"job {job_id} found no timetable (status {status})",
        )
    existing = await repository.timetable_of_job(conn, job_id=job_id)
    if existing is not None:
        raise _one_per_job(job_id, existing)
    problem = _stored(lambda: parse_timetable_problem(job.problem, limits), job_id)
    result = job.result
    lessons = _stored(lambda: lessons_from_document(result), job_id)
    # The stored result is not trusted: the independent checker judges its lessons.
    judgement = check_timetable(problem, lessons)
    refuse_violations(judgement.hard_violations, job_id=job_id)
    starts_on, ends_on = period_of(problem)
    timetable_id = uuid4()
    dated = dated_lessons(problem, lessons, college=college, timetable_id=timetable_id)
    timetable = Timetable(
        college=college,
        timetable_id=timetable_id,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        status="published",
        job_id=job_id,
        objective=float(judgement.objective),
        penalties=judgement.penalties,
        lesson_count=len(dated),
        **_names(problem),
        published_by=published_by,
        published_at=now,
    )
    try:
        async with conn.transaction():  # a savepoint: a lost race leaves the caller usable
            await repository.insert_timetable(conn, timetable)
    except asyncpg.UniqueViolationError as race:
        raise _one_per_job(job_id, await repository.timetable_of_job(conn, job_id=job_id)) from race
    await repository.insert_lessons(conn, dated)
    event = TimetablePublished(
        college=college,
        timetable_id=timetable_id,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        schools=len({x.school for x in dated}),
        lessons=len(dated),
        published_at=now,
    )
    await append_to_outbox(conn, [event, *_lesson_events(timetable, dated)], source=SOURCE, now=now)
    return timetable


def _lesson_events(timetable: Timetable, dated: list[PublishedLesson]) -> list[LessonAssigned]:
    """One LessonAssigned per dated lesson: its volunteer is told and reminded of it."""
    return [
        LessonAssigned(
            college=lesson.college,
            lesson_id=lesson.lesson_id,
            timetable_id=lesson.timetable_id,
            volunteer_id=lesson.volunteer_id,
            school=(timetable.schools.get(lesson.school) or lesson.school)[:200],
            school_id=lesson.school[:64] or None,
            class_name=(
                str(timetable.classes.get(lesson.class_id, {}).get("name") or lesson.class_id)
            )[:200],
            subject=(lesson.subject or lesson.course_name or lesson.course)[:200],
            room=lesson.room[:200],
            starts_at=lesson.starts_at,
            ends_at=lesson.ends_at,
        )
        for lesson in dated
    ]


def _stored(read: Callable[[], T], job_id: UUID) -> T:
    """The job's stored problem or result read again; a refusal is the job's, not the input's."""
    try:
        return read()
    except RuleBroken as broken:
        raise RuleBroken(
            "job_unreadable",
            field="job_id",
            message=f"job {job_id}: its stored {broken.field} is refused: {broken.message}",
        ) from broken


def _names(problem: TimetableProblem) -> dict[str, Any]:
    return {
        "schools": {s.school_id: s.name for s in problem.schools},
        "classes": {
            k.class_id: {"name": k.name, "school": k.school_id, "pupils": k.pupils}
            for k in problem.classes
        },
        "volunteers": {t.teacher_id: t.name for t in problem.teachers},
        "notes": dict(problem.notes),
    }


def _one_per_job(job_id: UUID, timetable_id: UUID | None) -> RuleBroken:
    return RuleBroken(
        "one_timetable_per_job",
        field="job_id",
        message=f"timetable {timetable_id} was published from job {job_id} already",
    )


async def list_timetables(
    conn: asyncpg.Connection, *, college: str, paging: Paging
) -> list[Timetable]:
    return await repository.list_timetables(conn, college=college, paging=paging)


async def get_timetable(conn: asyncpg.Connection, *, college: str, timetable_id: UUID) -> Timetable:
    timetable = await repository.get_timetable(conn, college=college, timetable_id=timetable_id)
    if timetable is None:
        raise NotFound("timetable", timetable_id)
    return timetable


async def lessons_of(
    conn: asyncpg.Connection,
    *,
    college: str,
    timetable_id: UUID,
    which: LessonFilter,
    paging: Paging,
    known_only: bool = True,
) -> tuple[Timetable, list[PublishedLesson]]:
    """The timetable and the page of its lessons the filter selects (a school's, a class's,
    a volunteer's, a week's); with `known_only`, a school, class or volunteer the timetable
    does not have is 404 rather than an empty page."""
    timetable = await get_timetable(conn, college=college, timetable_id=timetable_id)
    for field, value, known in (
        ("school", which.school, timetable.schools),
        ("class_id", which.class_id, timetable.classes),
        ("volunteer", which.volunteer_id, timetable.volunteers),
    ):
        if known_only and value is not None and value not in known:
            raise NotFound(field.replace("_id", ""), value)
    lessons = await repository.lessons_of(
        conn, college=college, timetable_id=timetable_id, which=which, paging=paging
    )
    return timetable, lessons
