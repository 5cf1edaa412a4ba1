"""Activity calendar (活动日历): rooms, draft activities, clash-free plans, preparation
tasks."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from services.scheduling.api.common import PREFIX, STAFF, College, Member, Officer, Paged, Settings
from services.scheduling.domain.activities import ActivityStatus
from services.scheduling.schemas.activities import (
    ActivityForm,
    ActivityPage,
    ActivityView,
    DraftView,
    PlanForm,
    PlanView,
    RoomForm,
    RoomView,
    TaskView,
)
from services.scheduling.service import activities as service
from shared.web.dependencies import Now, ReadOnly, Transaction

router = APIRouter(prefix=PREFIX, tags=["activities"])
COLLEGE = "/colleges/{college}"
# A plan is solved inline (in a thread, off the event loop): at most this long.
PLAN_TIME_LIMIT_S = 10.0


@router.post(f"{COLLEGE}/rooms", status_code=status.HTTP_201_CREATED, summary="Register a room")
async def register_room(
    college: College, form: RoomForm, officer: Officer, conn: Transaction, now: Now
) -> RoomView:
    await service.register_room(
        conn, college=college, room=form.room, place=form.place, capacity=form.capacity, now=now
    )
    return RoomView(room=form.room, place=form.place, capacity=form.capacity)


@router.get(f"{COLLEGE}/rooms", summary="The rooms activities may use")
async def list_rooms(college: College, member: Member, conn: ReadOnly) -> list[RoomView]:
    return [RoomView.model_validate(dict(r)) for r in await service.rooms_of(conn, college=college)]


@router.post(
    f"{COLLEGE}/activities",
    status_code=status.HTTP_201_CREATED,
    summary="Draft an activity with its window, duration, people, room and tasks",
)
async def draft_activity(
    college: College, form: ActivityForm, officer: Officer, conn: Transaction, now: Now
) -> DraftView:
    activity, tasks = await service.draft(
        conn,
        college=college,
        department_id=form.department_id,
        title=form.title,
        description=form.description,
        earliest_start=form.earliest_start,
        latest_end=form.latest_end,
        duration_min=form.duration_min,
        people=form.people,
        room=form.room,
        tasks=form.task_plans(),
        created_by=officer.user_id,
        now=now,
    )
    return DraftView.of(activity, tasks)


@router.post(
    f"{COLLEGE}/activities/plan",
    summary="Place every draft opening in the month (or range) without a clash",
)
async def plan_activities(
    college: College,
    form: PlanForm,
    officer: Officer,
    conn: Transaction,
    now: Now,
    settings: Settings,
) -> PlanView:
    month, first_day, last_day = form.days
    result = await service.plan(
        conn,
        college=college,
        month=month,
        first_day=first_day,
        last_day=last_day,
        max_activities=settings.solve_max_activities,
        time_limit_s=min(form.time_limit_s or PLAN_TIME_LIMIT_S, settings.solve_max_time_limit_s),
        workers=settings.solve_workers,
        now=now,
    )
    return PlanView.of(result.outcome, result.scheduled)


@router.get(f"{COLLEGE}/activities", summary="The college's activities, by time")
async def list_activities(
    college: College,
    member: Member,
    conn: ReadOnly,
    paging: Paged,
    status: ActivityStatus | None = None,
    department_id: str | None = None,
) -> ActivityPage:
    activities = await service.activities_of(
        conn, college=college, status=status, department_id=department_id, paging=paging
    )
    return ActivityPage.listing(activities, paging)


@router.get(f"{COLLEGE}/activities/{{activity_id}}", summary="Read an activity")
async def read_activity(
    college: College, activity_id: UUID, member: Member, conn: ReadOnly
) -> ActivityView:
    activity = await service.activity_of(conn, college=college, activity_id=activity_id)
    return ActivityView.model_validate(activity)


@router.get(
    f"{COLLEGE}/activities/{{activity_id}}/tasks", summary="An activity's preparation tasks"
)
async def list_tasks(
    college: College, activity_id: UUID, member: Member, conn: ReadOnly
) -> list[TaskView]:
    tasks = await service.tasks_of(conn, college=college, activity_id=activity_id)
    return [TaskView.of(t) for t in tasks]


@router.post(
    f"{COLLEGE}/tasks/{{task_id}}/done",
    summary="Mark a preparation task done (its deadline no longer fires)",
)
async def mark_task_done(
    college: College, task_id: UUID, member: Member, conn: Transaction, now: Now
) -> TaskView:
    task = await service.mark_task_done(
        conn,
        college=college,
        task_id=task_id,
        by=member.user_id,
        staff=member.has_any(*STAFF),
        now=now,
    )
    return TaskView.of(task)
