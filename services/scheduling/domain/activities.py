"""The activity calendar (活动日历, DOMAIN.md §2): departments' activities with a time
window, a duration, the people and the room they need, and their preparation tasks.

An activity is drafted with a window (earliest start, latest end); a plan gives each
draft a start inside its window and inside the campus hours of one day, so that no
person and no room is in two activities at once (across departments and within one).
Its preparation tasks (联系合作单位, 宣传, 选拔参与者, 开展活动, 成果展示与总结) have
deadlines relative to the activity; they become dates when the activity is scheduled
(the tasks themselves: `activity_tasks.py`).

The independent checker of a plan lives in `activity_check.py`: it never uses the
helpers here that the solver uses (`possible_starts`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
from uuid import UUID

from services.scheduling.domain.activity_tasks import (
    DEFAULT_TASKS,
    PreparationTask,
    TaskPlan,
    TaskStatus,
    check_task_plans,
)
from services.scheduling.domain.calendar_time import CAMPUS_TZ, at_campus
from services.scheduling.domain.rules import RuleBroken
from shared.events.scheduling import ActivityScheduled, TaskDone, TaskDue, TaskPlanned

# Starts fall on the quarter hour; a window longer than this is a season, not a window.
SLOT_MIN = 15
MAX_WINDOW_DAYS = 62
MAX_DURATION_MIN = 14 * 60
MAX_PEOPLE = 200


@dataclass(frozen=True)
class CampusHours:
    """When activities may take place: between `opens` and `closes` of one campus day
    (the office's open hours, 08:00–22:00, by default)."""

    opens: time = time(8, 0)
    closes: time = time(22, 0)

    @property
    def day_minutes(self) -> int:
        return (self.closes.hour * 60 + self.closes.minute) - (
            self.opens.hour * 60 + self.opens.minute
        )


DEFAULT_HOURS = CampusHours()


class ActivityStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"


@dataclass(frozen=True)
class ActivityNeeds:
    """What placing one activity needs: its window, duration, people and room."""

    activity_id: UUID
    department_id: str
    title: str
    earliest_start: datetime
    latest_end: datetime
    duration_min: int
    people: tuple[str, ...]
    room: str | None


@dataclass(frozen=True)
class Placement:
    """When an activity takes place."""

    activity_id: UUID
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Activity:
    college: str
    activity_id: UUID
    department_id: str
    title: str
    description: str
    earliest_start: datetime
    latest_end: datetime
    duration_min: int
    people: tuple[str, ...]
    room: str | None
    status: ActivityStatus
    starts_at: datetime | None
    ends_at: datetime | None
    version: int
    created_by: str
    created_at: datetime
    scheduled_at: datetime | None = None

    @property
    def needs(self) -> ActivityNeeds:
        return ActivityNeeds(
            activity_id=self.activity_id,
            department_id=self.department_id,
            title=self.title,
            earliest_start=self.earliest_start,
            latest_end=self.latest_end,
            duration_min=self.duration_min,
            people=self.people,
            room=self.room,
        )

    @property
    def placement(self) -> Placement | None:
        if self.starts_at is None or self.ends_at is None:
            return None
        return Placement(self.activity_id, self.starts_at, self.ends_at)


# --- preparation tasks ---------------------------------------------------------------


def task_falls_due(task: PreparationTask, activity: Activity, *, now: datetime) -> TaskDue | None:
    """The task's timer went off: TaskDue, unless it is done or fired already."""
    if task.status is TaskStatus.DONE or task.fired_at is not None or task.due_at is None:
        return None
    return TaskDue(
        college=task.college,
        task_id=task.task_id,
        activity_id=task.activity_id,
        department_id=task.department_id,
        title=task.plan.title,
        assignee_id=task.plan.assignee_id,
        due_at=task.due_at,
    )


def task_planned(task: PreparationTask, activity: Activity) -> TaskPlanned | None:
    """What the task's assignee is reminded of: its deadline, once it has one (none for a
    task done already: nothing is left to remind of)."""
    if task.status is TaskStatus.DONE or task.due_at is None:
        return None
    return TaskPlanned(
        college=task.college,
        task_id=task.task_id,
        activity_id=task.activity_id,
        department_id=task.department_id,
        title=task.plan.title,
        activity_title=activity.title,
        assignee_id=task.plan.assignee_id,
        due_at=task.due_at,
    )


def task_done(task: PreparationTask) -> TaskDone:
    """The task was marked done (`complete_task`): its reminders stop."""
    assert task.done_at is not None and task.done_by is not None
    return TaskDone(
        college=task.college,
        task_id=task.task_id,
        activity_id=task.activity_id,
        department_id=task.department_id,
        done_by=task.done_by,
        done_at=task.done_at,
    )


# --- drafting and scheduling ---------------------------------------------------------


def possible_starts(
    needs: ActivityNeeds, hours: CampusHours = DEFAULT_HOURS
) -> list[tuple[datetime, datetime]]:
    """Ranges [first, last] of starts on the slot grid inside the window and inside one
    campus day's hours; empty when the activity fits nowhere."""
    duration = timedelta(minutes=needs.duration_min)
    ranges: list[tuple[datetime, datetime]] = []
    day = needs.earliest_start.astimezone(CAMPUS_TZ).date()
    last_day = needs.latest_end.astimezone(CAMPUS_TZ).date()
    while day <= last_day:
        first = _slot_ceil(max(at_campus(day, hours.opens), needs.earliest_start))
        last = _slot_floor(min(at_campus(day, hours.closes), needs.latest_end) - duration)
        if first <= last:
            ranges.append((first, last))
        day += timedelta(days=1)
    return ranges


def _slot_floor(moment: datetime) -> datetime:
    local = moment.astimezone(CAMPUS_TZ)
    midnight = datetime.combine(local.date(), time(0), tzinfo=CAMPUS_TZ)
    minutes = int((local - midnight).total_seconds() // 60)
    return midnight + timedelta(minutes=minutes - minutes % SLOT_MIN)


def _minute_ceil(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


def _slot_ceil(moment: datetime) -> datetime:
    floor = _slot_floor(moment)
    return floor if floor == moment else floor + timedelta(minutes=SLOT_MIN)


def check_needs(
    needs: ActivityNeeds,
    *,
    known_people: Collection[str],
    known_rooms: Collection[str],
    hours: CampusHours = DEFAULT_HOURS,
) -> None:
    """Refuse a draft that could never be placed or names what does not exist."""
    if needs.latest_end <= needs.earliest_start:
        raise RuleBroken(
            "window_end_before_start",
            field="latest_end",
            message="the window must end after it starts",
            invalid=True,
        )
    window = needs.latest_end - needs.earliest_start
    if window > timedelta(days=MAX_WINDOW_DAYS):
        raise RuleBroken(
            "window_too_long",
            field="latest_end",
            message=f"a window may span at most {MAX_WINDOW_DAYS} days",
            invalid=True,
        )
    if needs.duration_min <= 0 or needs.duration_min > MAX_DURATION_MIN:
        raise RuleBroken(
            "duration_out_of_range",
            field="duration_min",
            message=f"an activity lasts 1 to {MAX_DURATION_MIN} minutes",
            invalid=True,
        )
    if timedelta(minutes=needs.duration_min) > window:
        raise RuleBroken(
            "duration_longer_than_window",
            field="duration_min",
            message=f"{needs.duration_min} minutes do not fit in a window of "
            f"{int(window.total_seconds() // 60)} minutes",
            invalid=True,
        )
    if needs.duration_min > hours.day_minutes:
        raise RuleBroken(
            "duration_longer_than_campus_day",
            field="duration_min",
            message=f"an activity takes place within one day's hours "
            f"({hours.opens:%H:%M}–{hours.closes:%H:%M})",
            invalid=True,
        )
    if not possible_starts(needs, hours):
        raise RuleBroken(
            "window_outside_campus_hours",
            field="earliest_start",
            message=f"no quarter-hour start in the window lets the activity run within "
            f"{hours.opens:%H:%M}–{hours.closes:%H:%M} campus time",
            invalid=True,
        )
    seen: set[str] = set()
    for index, person in enumerate(needs.people):
        if person in seen:
            raise RuleBroken(
                "duplicate_person",
                field=f"people[{index}]",
                message=f"{person} is named twice",
                invalid=True,
            )
        seen.add(person)
        if person not in known_people:
            raise RuleBroken(
                "unknown_person",
                field=f"people[{index}]",
                message=f"{person} is not a member of the college",
                invalid=True,
            )
    if needs.room is not None and needs.room not in known_rooms:
        raise RuleBroken(
            "unknown_room",
            field="room",
            message=f"room {needs.room!r} is not registered",
            invalid=True,
        )


def draft_activity(
    *,
    college: str,
    activity_id: UUID,
    department_id: str,
    title: str,
    description: str,
    earliest_start: datetime,
    latest_end: datetime,
    duration_min: int,
    people: Sequence[str],
    room: str | None,
    tasks: Sequence[TaskPlan] | None,
    task_ids: Sequence[UUID],
    known_people: Collection[str],
    known_rooms: Collection[str],
    created_by: str,
    now: datetime,
    hours: CampusHours = DEFAULT_HOURS,
) -> tuple[Activity, tuple[PreparationTask, ...]]:
    """A draft activity with its preparation tasks (DEFAULT_TASKS when `tasks` is None).

    The window is kept to whole minutes (seconds narrow it: the start rounds up, the end
    down), so a plan's minutes are exact."""
    activity = Activity(
        college=college,
        activity_id=activity_id,
        department_id=department_id,
        title=title,
        description=description,
        earliest_start=_minute_ceil(earliest_start),
        latest_end=latest_end.replace(second=0, microsecond=0),
        duration_min=duration_min,
        people=tuple(people),
        room=room,
        status=ActivityStatus.DRAFT,
        starts_at=None,
        ends_at=None,
        version=0,
        created_by=created_by,
        created_at=now,
    )
    check_needs(activity.needs, known_people=known_people, known_rooms=known_rooms, hours=hours)
    plans = DEFAULT_TASKS if tasks is None else tuple(tasks)
    check_task_plans(plans)
    for index, plan in enumerate(plans):
        if plan.assignee_id is not None and plan.assignee_id not in known_people:
            raise RuleBroken(
                "unknown_person",
                field=f"tasks[{index}].assignee_id",
                message=f"{plan.assignee_id} is not a member of the college",
                invalid=True,
            )
    assert len(task_ids) >= len(plans)
    prepared = tuple(
        PreparationTask(
            college=college,
            task_id=task_ids[index],
            activity_id=activity_id,
            department_id=department_id,
            ordinal=index,
            plan=plan,
        )
        for index, plan in enumerate(plans)
    )
    return activity, prepared


def schedule_activity(
    activity: Activity, placement: Placement, *, now: datetime
) -> tuple[Activity, ActivityScheduled]:
    """The draft gets its time (already checked clash-free with the whole plan)."""
    if activity.status is not ActivityStatus.DRAFT:
        raise RuleBroken(
            "activity_not_draft",
            field="activity_id",
            message=f"activity {activity.activity_id} is {activity.status.value}",
        )
    scheduled = replace(
        activity,
        status=ActivityStatus.SCHEDULED,
        starts_at=placement.starts_at,
        ends_at=placement.ends_at,
        version=activity.version + 1,
        scheduled_at=now,
    )
    event = ActivityScheduled(
        college=activity.college,
        activity_id=activity.activity_id,
        department_id=activity.department_id,
        title=activity.title,
        room=activity.room or "",
        people=list(activity.people),
        starts_at=placement.starts_at,
        ends_at=placement.ends_at,
    )
    return scheduled, event
