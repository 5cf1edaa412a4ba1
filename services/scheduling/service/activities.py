"""Activity calendar use cases (活动日历): rooms, drafts, clash-free plans, preparation
tasks whose deadlines are durable timers firing TaskDue once. A scheduled activity's open
tasks are announced (TaskPlanned: deadline and assignee, for their reminders), and a task
marked done too (TaskDone). Each runs in the one transaction it is handed."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid4

import asyncpg

from services.scheduling.domain.activities import (
    Activity,
    ActivityStatus,
    draft_activity,
    schedule_activity,
    task_done,
    task_falls_due,
    task_planned,
)
from services.scheduling.domain.activity_plans import CalendarOutcome, CalendarProblem, plan_range
from services.scheduling.domain.activity_tasks import (
    DEFAULT_TASKS,
    PreparationTask,
    TaskPlan,
    complete_task,
    tasks_dated,
)
from services.scheduling.domain.rules import NotFound, RuleBroken
from services.scheduling.repository import activities as repository
from services.scheduling.service import SOURCE
from services.scheduling.solver.calendar import solve_calendar
from shared.events.base import DomainEvent
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging
from shared.timers import DueAction, DueActionHandler, cancel, schedule

# The durable timer of a preparation task's deadline.
TASK_DUE = "activity.task_due"
# A plan placed inline keeps improving this long after its first clash-free answer.
PLAN_IMPROVE_S = 1.0


def task_timer_key(college: str, task_id: UUID) -> str:
    return f"{college}/{task_id}"


async def register_room(
    conn: asyncpg.Connection,
    *,
    college: str,
    room: str,
    place: str,
    capacity: int | None,
    now: datetime,
) -> None:
    added = await repository.insert_room(
        conn, college=college, room=room, place=place, capacity=capacity, now=now
    )
    if not added:
        raise RuleBroken("room_exists", field="room", message=f"room {room!r} exists already")


async def rooms_of(conn: asyncpg.Connection, *, college: str) -> list[asyncpg.Record]:
    return await repository.list_rooms(conn, college=college)


async def draft(
    conn: asyncpg.Connection,
    *,
    college: str,
    department_id: str,
    title: str,
    description: str,
    earliest_start: datetime,
    latest_end: datetime,
    duration_min: int,
    people: Sequence[str],
    room: str | None,
    tasks: Sequence[TaskPlan] | None,
    created_by: str,
    now: datetime,
) -> tuple[Activity, list[PreparationTask]]:
    assignees = [t.assignee_id for t in tasks or () if t.assignee_id is not None]
    known_people = await repository.known_people(
        conn, college=college, people=[*people, *assignees]
    )
    known_rooms = await repository.known_rooms(
        conn, college=college, rooms=[room] if room is not None else []
    )
    activity, prepared = draft_activity(
        college=college,
        activity_id=uuid4(),
        department_id=department_id,
        title=title,
        description=description,
        earliest_start=earliest_start,
        latest_end=latest_end,
        duration_min=duration_min,
        people=people,
        room=room,
        tasks=tasks,
        task_ids=[uuid4() for _ in (DEFAULT_TASKS if tasks is None else tasks)],
        known_people=known_people,
        known_rooms=known_rooms,
        created_by=created_by,
        now=now,
    )
    await repository.insert_activity(conn, activity, prepared)
    return activity, list(prepared)


async def activity_of(conn: asyncpg.Connection, *, college: str, activity_id: UUID) -> Activity:
    activity = await repository.get_activity(conn, college=college, activity_id=activity_id)
    if activity is None:
        raise NotFound("activity", activity_id)
    return activity


async def activities_of(
    conn: asyncpg.Connection,
    *,
    college: str,
    status: ActivityStatus | None,
    department_id: str | None,
    paging: Paging,
) -> list[Activity]:
    return await repository.list_activities(
        conn, college=college, status=status, department_id=department_id, paging=paging
    )


async def tasks_of(
    conn: asyncpg.Connection, *, college: str, activity_id: UUID
) -> list[PreparationTask]:
    await activity_of(conn, college=college, activity_id=activity_id)
    return await repository.tasks_of(conn, college=college, activity_ids=[activity_id])


@dataclass(frozen=True)
class PlanResult:
    outcome: CalendarOutcome
    scheduled: list[Activity]


async def plan(
    conn: asyncpg.Connection,
    *,
    college: str,
    month: str | None,
    first_day: date | None,
    last_day: date | None,
    max_activities: int,
    time_limit_s: float,
    workers: int,
    now: datetime,
) -> PlanResult:
    """Place every draft whose window opens in the month (or range) around the activities
    already scheduled; save the plan only if the checker finds no clash."""
    span = plan_range(month=month, first_day=first_day, last_day=last_day)
    field = "month" if month is not None else "from"
    await repository.lock_plans(conn, college=college)
    drafts = await repository.drafts_opening_between(
        conn,
        college=college,
        starts_at=span.starts_at,
        ends_at=span.ends_at,
        limit=max_activities + 1,
    )
    if len(drafts) > max_activities:
        raise RuleBroken(
            "plan_too_large",
            field=field,
            message=f"more than {max_activities} draft activities open in this range; "
            "plan a shorter range",
            invalid=True,
        )
    if not drafts:
        return PlanResult(CalendarOutcome("optimal", objective=0.0), [])
    scheduled = await repository.scheduled_between(
        conn,
        college=college,
        starts_at=min(d.earliest_start for d in drafts),
        ends_at=max(d.latest_end for d in drafts),
    )
    problem = CalendarProblem(
        drafts=tuple(d.needs for d in drafts),
        scheduled=tuple((a.needs, a.placement) for a in scheduled if a.placement is not None),
    )
    # CP-SAT releases the GIL: the event loop keeps serving while it searches.
    outcome = await asyncio.to_thread(
        solve_calendar,
        problem,
        time_limit_s=time_limit_s,
        workers=workers,
        improve_s=PLAN_IMPROVE_S,
    )
    if outcome.status == "infeasible":
        titles = {d.activity_id: d.title for d in drafts}
        named = ", ".join(f"{titles[i]} ({i})" for i in outcome.conflicts) or "(not found)"
        raise RuleBroken(
            "activities_cannot_all_fit",
            field="activities",
            message="these activities cannot all be placed in their windows without a clash "
            f"of a person or room (with those already scheduled): {named}",
        )
    if not outcome.publishable:
        if outcome.verdict is not None and not outcome.verdict.clash_free:
            raise RuleBroken(
                "plan_has_clash",
                field="activities",
                message=f"the checker found {outcome.verdict.conflicts} conflicts; "
                "the plan is not saved",
            )
        raise RuleBroken(
            "no_plan_in_time",
            field="activities",
            message=f"no clash-free plan was found within {time_limit_s:g} s",
        )
    placed = {p.activity_id: p for p in outcome.placements}
    done: list[Activity] = []
    events = []
    tasks = await repository.tasks_of(
        conn, college=college, activity_ids=[d.activity_id for d in drafts]
    )
    tasks_by_activity: dict[UUID, list[PreparationTask]] = {}
    for task in tasks:
        tasks_by_activity.setdefault(task.activity_id, []).append(task)
    dated_all: list[PreparationTask] = []
    task_events: list[DomainEvent] = []
    for activity in drafts:
        scheduled_activity, event = schedule_activity(
            activity, placed[activity.activity_id], now=now
        )
        done.append(scheduled_activity)
        events.append(event)
        assert scheduled_activity.starts_at is not None and scheduled_activity.ends_at is not None
        dated = tasks_dated(
            tasks_by_activity.get(activity.activity_id, []),
            starts_at=scheduled_activity.starts_at,
            ends_at=scheduled_activity.ends_at,
        )
        dated_all.extend(dated)
        # Each open task's deadline and assignee, for its reminders (notifications).
        task_events.extend(e for t in dated if (e := task_planned(t, scheduled_activity)))
    await repository.mark_scheduled(conn, done)
    await repository.set_deadlines(conn, dated_all)
    for task in dated_all:
        assert task.due_at is not None
        await schedule(
            conn,
            kind=TASK_DUE,
            key=task_timer_key(college, task.task_id),
            due_at=task.due_at,
            payload={"college": college, "task_id": str(task.task_id)},
        )
    await append_to_outbox(conn, [*events, *task_events], source=SOURCE, now=now)
    return PlanResult(outcome, done)


async def mark_task_done(
    conn: asyncpg.Connection, *, college: str, task_id: UUID, by: str, staff: bool, now: datetime
) -> PreparationTask:
    """Done: its deadline timer is cancelled (a task done in time never fires TaskDue)."""
    # The timer first: a timer firing now holds its row, then the task's; the same order
    # here waits for it instead of deadlocking.
    await cancel(conn, kind=TASK_DUE, key=task_timer_key(college, task_id))
    task = await repository.get_task(conn, college=college, task_id=task_id, for_update=True)
    if task is None:
        raise NotFound("task", task_id)
    if not staff and task.plan.assignee_id != by:
        raise RuleBroken(
            "not_your_task",
            field="task_id",
            message="only the task's assignee or an officer may mark it done",
        )
    done = complete_task(task, by=by, now=now)
    await repository.mark_done(conn, done)
    await append_to_outbox(conn, [task_done(done)], source=SOURCE, now=now)
    return done


async def fire_task_due(conn: asyncpg.Connection, action: DueAction, now: datetime) -> None:
    """The TASK_DUE timer: TaskDue once, unless the task was done meanwhile."""
    college = action.payload["college"]
    task = await repository.get_task(
        conn, college=college, task_id=UUID(action.payload["task_id"]), for_update=True
    )
    if task is None:
        return
    activity = await repository.get_activity(conn, college=college, activity_id=task.activity_id)
    if activity is None:
        return
    event = task_falls_due(task, activity, now=now)
    if event is None:
        return
    await repository.mark_fired(conn, task_id=task.task_id, now=now)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)


ACTIVITY_DUE_ACTIONS: Mapping[str, DueActionHandler] = {TASK_DUE: fire_task_due}
