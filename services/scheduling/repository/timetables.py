"""SQL of published timetables and their lessons."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import asyncpg

from services.scheduling.domain.timetables import LessonFilter, PublishedLesson, Timetable
from services.scheduling.repository.rotas import get_solve_job
from shared.paging import Paging


def _json(value: object) -> Any:
    return json.loads(value) if isinstance(value, str) else value


# A solve job's kind, status, problem and result: read as the rotas' drafts read them.
solve_job = get_solve_job


_TIMETABLE = (
    "SELECT college, timetable_id, name, starts_on, ends_on, status, job_id, objective,"
    " penalties, lesson_count, schools, classes, volunteers, notes, published_by,"
    " published_at FROM timetables"
)


def _timetable(row: asyncpg.Record) -> Timetable:
    fields = dict(row)
    for key in ("penalties", "schools", "classes", "volunteers", "notes"):
        fields[key] = _json(fields[key])
    return Timetable(**fields)


async def timetable_of_job(conn: asyncpg.Connection, *, job_id: UUID) -> UUID | None:
    found: UUID | None = await conn.fetchval(
        "SELECT timetable_id FROM timetables WHERE job_id = $1", job_id
    )
    return found


async def insert_timetable(conn: asyncpg.Connection, timetable: Timetable) -> None:
    await conn.execute(
        "INSERT INTO timetables (college, timetable_id, name, starts_on, ends_on, status,"
        " job_id, objective, penalties, lesson_count, schools, classes, volunteers, notes,"
        " published_by, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10,"
        " $11::jsonb, $12::jsonb, $13::jsonb, $14::jsonb, $15, $16)",
        timetable.college,
        timetable.timetable_id,
        timetable.name,
        timetable.starts_on,
        timetable.ends_on,
        timetable.status,
        timetable.job_id,
        timetable.objective,
        json.dumps(dict(timetable.penalties)),
        timetable.lesson_count,
        json.dumps(dict(timetable.schools), ensure_ascii=False),
        json.dumps(dict(timetable.classes), ensure_ascii=False),
        json.dumps(dict(timetable.volunteers), ensure_ascii=False),
        json.dumps(dict(timetable.notes), ensure_ascii=False),
        timetable.published_by,
        timetable.published_at,
    )


async def insert_lessons(conn: asyncpg.Connection, lessons: list[PublishedLesson]) -> None:
    """All lessons in one statement (a summer of 30 schools has some 14,000)."""
    columns = [
        ("college", "text"),
        ("lesson_id", "uuid"),
        ("timetable_id", "uuid"),
        ("school", "text"),
        ("class_id", "text"),
        ("course", "text"),
        ("subject", "text"),
        ("course_name", "text"),
        ("volunteer_id", "text"),
        ("room", "text"),
        ("week", "int"),
        ("period", "text"),
        ("starts_at", "timestamptz"),
        ("ends_at", "timestamptz"),
    ]
    arrays = [[getattr(x, name) for x in lessons] for name, _type in columns]
    names = ", ".join(name for name, _type in columns)
    unnest = ", ".join(f"${n}::{kind}[]" for n, (_name, kind) in enumerate(columns, start=1))
    at = len(columns) + 1
    # class_ids (text[] per row) travels as one comma-joined string per row: ids have no commas.
    await conn.execute(
        f"INSERT INTO lessons ({names}, class_ids)"
        f" SELECT {names}, string_to_array(joined, ',')"
        f" FROM unnest({unnest}, ${at}::text[]) AS x({names}, joined)",
        *arrays,
        [",".join(x.class_ids) for x in lessons],
    )


async def list_timetables(
    conn: asyncpg.Connection, *, college: str, paging: Paging
) -> list[Timetable]:
    rows = await conn.fetch(
        f"{_TIMETABLE} WHERE college = $1 ORDER BY starts_on DESC, published_at DESC"
        " LIMIT $2 OFFSET $3",
        college,
        paging.limit,
        paging.offset,
    )
    return [_timetable(row) for row in rows]


async def get_timetable(
    conn: asyncpg.Connection, *, college: str, timetable_id: UUID
) -> Timetable | None:
    row = await conn.fetchrow(
        f"{_TIMETABLE} WHERE college = $1 AND timetable_id = $2", college, timetable_id
    )
    return _timetable(row) if row is not None else None


_LESSON = (
    "SELECT college, lesson_id, timetable_id, school, class_id, class_ids, course, subject,"
    " course_name, volunteer_id, room, week, period, starts_at, ends_at, version FROM lessons"
)


def _lesson(row: asyncpg.Record) -> PublishedLesson:
    fields = dict(row)
    fields["class_ids"] = tuple(fields["class_ids"])
    return PublishedLesson(**fields)


async def lessons_of(
    conn: asyncpg.Connection,
    *,
    college: str,
    timetable_id: UUID,
    which: LessonFilter,
    paging: Paging,
) -> list[PublishedLesson]:
    rows = await conn.fetch(
        f"{_LESSON} WHERE college = $1 AND timetable_id = $2"
        " AND ($3::text IS NULL OR school = $3)"
        " AND ($4::text IS NULL OR $4 = ANY (class_ids))"
        " AND ($5::text IS NULL OR volunteer_id = $5)"
        " AND ($6::int IS NULL OR week = $6)"
        " ORDER BY starts_at, school, class_id, course LIMIT $7 OFFSET $8",
        college,
        timetable_id,
        which.school,
        which.class_id,
        which.volunteer_id,
        which.week,
        paging.limit,
        paging.offset,
    )
    return [_lesson(row) for row in rows]
