"""SQL of the activity calendar: rooms, activities and their preparation tasks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.scheduling.domain.activities import Activity, ActivityStatus
from services.scheduling.domain.activity_tasks import PreparationTask, TaskPlan, TaskStatus
from services.scheduling.repository.rows import row_by_id
from shared.paging import Paging

_ACTIVITY_COLUMNS = (
    "college, activity_id, department_id, title, description, earliest_start, latest_end,"
    " duration_min, people, room, status, starts_at, ends_at, version, created_by,"
    " created_at, scheduled_at"
)
_TASK_COLUMNS = (
    "college, task_id, activity_id, department_id, ordinal, kind, title, anchor, offset_min,"
    " fixed_due_at, assignee_id, due_at, status, fired_at, done_at, done_by"
)


def _activity(row: asyncpg.Record) -> Activity:
    return Activity(
        college=row["college"],
        activity_id=row["activity_id"],
        department_id=row["department_id"],
        title=row["title"],
        description=row["description"],
        earliest_start=row["earliest_start"],
        latest_end=row["latest_end"],
        duration_min=row["duration_min"],
        people=tuple(row["people"]),
        room=row["room"],
        status=ActivityStatus(row["status"]),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        version=row["version"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        scheduled_at=row["scheduled_at"],
    )


def _task(row: asyncpg.Record) -> PreparationTask:
    return PreparationTask(
        college=row["college"],
        task_id=row["task_id"],
        activity_id=row["activity_id"],
        department_id=row["department_id"],
        ordinal=row["ordinal"],
        plan=TaskPlan(
            kind=row["kind"],
            title=row["title"],
            anchor=row["anchor"],
            offset_min=row["offset_min"],
            fixed_due_at=row["fixed_due_at"],
            assignee_id=row["assignee_id"],
        ),
        status=TaskStatus(row["status"]),
        due_at=row["due_at"],
        fired_at=row["fired_at"],
        done_at=row["done_at"],
        done_by=row["done_by"],
    )


# --- rooms ---------------------------------------------------------------------------


async def insert_room(
    conn: asyncpg.Connection,
    *,
    college: str,
    room: str,
    place: str,
    capacity: int | None,
    now: datetime,
) -> bool:
    """False when the college has the room already."""
    status = await conn.execute(
        "INSERT INTO activity_rooms (college, room, place, capacity, created_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        college,
        room,
        place,
        capacity,
        now,
    )
    return bool(status == "INSERT 0 1")


async def list_rooms(conn: asyncpg.Connection, *, college: str) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT room, place, capacity FROM activity_rooms WHERE college = $1 ORDER BY room",
            college,
        )
    )


async def known_rooms(conn: asyncpg.Connection, *, college: str, rooms: Sequence[str]) -> set[str]:
    rows = await conn.fetch(
        "SELECT room FROM activity_rooms WHERE college = $1 AND room = ANY($2::text[])",
        college,
        list(rooms),
    )
    return {row["room"] for row in rows}


async def known_people(
    conn: asyncpg.Connection, *, college: str, people: Sequence[str]
) -> set[str]:
    """Those of `people` in the college's member pool."""
    rows = await conn.fetch(
        "SELECT person_id FROM members WHERE college = $1 AND person_id = ANY($2::text[])",
        college,
        list(people),
    )
    return {row["person_id"] for row in rows}


# --- activities ----------------------------------------------------------------------


async def insert_activity(
    conn: asyncpg.Connection, activity: Activity, tasks: Sequence[PreparationTask]
) -> None:
    await conn.execute(
        f"INSERT INTO activities ({_ACTIVITY_COLUMNS})"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
        activity.college,
        activity.activity_id,
        activity.department_id,
        activity.title,
        activity.description,
        activity.earliest_start,
        activity.latest_end,
        activity.duration_min,
        list(activity.people),
        activity.room,
        activity.status.value,
        activity.starts_at,
        activity.ends_at,
        activity.version,
        activity.created_by,
        activity.created_at,
        activity.scheduled_at,
    )
    await conn.executemany(
        f"INSERT INTO activity_tasks ({_TASK_COLUMNS})"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)",
        [_task_values(task) for task in tasks],
    )


def _task_values(task: PreparationTask) -> tuple[object, ...]:
    plan = task.plan
    return (
        task.college,
        task.task_id,
        task.activity_id,
        task.department_id,
        task.ordinal,
        plan.kind,
        plan.title,
        plan.anchor,
        plan.offset_min,
        plan.fixed_due_at,
        plan.assignee_id,
        task.due_at,
        task.status.value,
        task.fired_at,
        task.done_at,
        task.done_by,
    )


async def get_activity(
    conn: asyncpg.Connection, *, college: str, activity_id: UUID
) -> Activity | None:
    row = await conn.fetchrow(
        f"SELECT {_ACTIVITY_COLUMNS} FROM activities WHERE college = $1 AND activity_id = $2",
        college,
        activity_id,
    )
    return None if row is None else _activity(row)


async def list_activities(
    conn: asyncpg.Connection,
    *,
    college: str,
    status: ActivityStatus | None,
    department_id: str | None,
    paging: Paging,
) -> list[Activity]:
    rows = await conn.fetch(
        f"SELECT {_ACTIVITY_COLUMNS} FROM activities WHERE college = $1"
        " AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR department_id = $3)"
        " ORDER BY coalesce(starts_at, earliest_start), activity_id LIMIT $4 OFFSET $5",
        college,
        None if status is None else status.value,
        department_id,
        paging.limit,
        paging.offset,
    )
    return [_activity(row) for row in rows]


async def lock_plans(conn: asyncpg.Connection, *, college: str) -> None:
    """One plan of a college at a time (until the transaction ends)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('scheduling.activity-plan/' || $1, 0))",
        college,
    )


async def drafts_opening_between(
    conn: asyncpg.Connection, *, college: str, starts_at: datetime, ends_at: datetime, limit: int
) -> list[Activity]:
    """The drafts whose window opens in [starts_at, ends_at), at most `limit`."""
    rows = await conn.fetch(
        f"SELECT {_ACTIVITY_COLUMNS} FROM activities WHERE college = $1 AND status = 'draft'"
        " AND earliest_start >= $2 AND earliest_start < $3"
        " ORDER BY earliest_start, activity_id LIMIT $4 FOR UPDATE",
        college,
        starts_at,
        ends_at,
        limit,
    )
    return [_activity(row) for row in rows]


async def scheduled_between(
    conn: asyncpg.Connection, *, college: str, starts_at: datetime, ends_at: datetime
) -> list[Activity]:
    rows = await conn.fetch(
        f"SELECT {_ACTIVITY_COLUMNS} FROM activities WHERE college = $1"
        " AND status = 'scheduled' AND starts_at < $3 AND ends_at > $2",
        college,
        starts_at,
        ends_at,
    )
    return [_activity(row) for row in rows]


async def mark_scheduled(conn: asyncpg.Connection, activities: Sequence[Activity]) -> None:
    await conn.executemany(
        "UPDATE activities SET status = $3, starts_at = $4, ends_at = $5, version = $6,"
        " scheduled_at = $7 WHERE college = $1 AND activity_id = $2",
        [
            (
                a.college,
                a.activity_id,
                a.status.value,
                a.starts_at,
                a.ends_at,
                a.version,
                a.scheduled_at,
            )
            for a in activities
        ],
    )


# --- preparation tasks ---------------------------------------------------------------


async def tasks_of(
    conn: asyncpg.Connection, *, college: str, activity_ids: Sequence[UUID]
) -> list[PreparationTask]:
    rows = await conn.fetch(
        f"SELECT {_TASK_COLUMNS} FROM activity_tasks"
        " WHERE college = $1 AND activity_id = ANY($2::uuid[]) ORDER BY activity_id, ordinal",
        college,
        list(activity_ids),
    )
    return [_task(row) for row in rows]


async def get_task(
    conn: asyncpg.Connection, *, college: str, task_id: UUID, for_update: bool = False
) -> PreparationTask | None:
    query = f"SELECT {_TASK_COLUMNS} FROM activity_tasks WHERE college = $1 AND task_id = $2"
    return await row_by_id(conn, query, college, task_id, for_update=for_update, read=_task)


async def set_deadlines(conn: asyncpg.Connection, tasks: Sequence[PreparationTask]) -> None:
    await conn.executemany(
        "UPDATE activity_tasks SET due_at = $2 WHERE task_id = $1",
        [(t.task_id, t.due_at) for t in tasks],
    )


async def mark_done(conn: asyncpg.Connection, task: PreparationTask) -> None:
    await conn.execute(
        "UPDATE activity_tasks SET status = $2, done_at = $3, done_by = $4 WHERE task_id = $1",
        task.task_id,
        task.status.value,
        task.done_at,
        task.done_by,
    )


async def mark_fired(conn: asyncpg.Connection, *, task_id: UUID, now: datetime) -> None:
    await conn.execute("UPDATE activity_tasks SET fired_at = $2 WHERE task_id = $1", task_id, now)
