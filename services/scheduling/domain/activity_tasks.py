"""Preparation tasks of an activity (活动日历, DOMAIN.md §2): 联系合作单位, 宣传, 选拔参与者,
开展活动, 成果展示与总结, each with a deadline relative to the activity's start or end (or a
fixed date); the deadlines become dates when the activity is scheduled (domain/activities.py
drafts and schedules the activity, and says when a task falls due)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal
from uuid import UUID

from services.scheduling.domain.rules import RuleBroken

# A deadline this far from its activity is a mistake, not a plan.
MAX_TASK_OFFSET_MIN = 90 * 24 * 60

Anchor = Literal["start", "end", "fixed"]


@dataclass(frozen=True)
class TaskPlan:
    """A preparation task as drafted: its deadline `offset_min` from the activity's start
    or end (negative: before), or a `fixed` date."""

    kind: str
    title: str
    anchor: Anchor
    offset_min: int = 0
    fixed_due_at: datetime | None = None
    assignee_id: str | None = None

    def deadline(self, starts_at: datetime, ends_at: datetime) -> datetime:
        if self.anchor == "fixed":
            assert self.fixed_due_at is not None
            return self.fixed_due_at
        base = starts_at if self.anchor == "start" else ends_at
        return base + timedelta(minutes=self.offset_min)


_DAY = 24 * 60
# The steps every activity of the seeds goes through (社会实践工作计划: 联系学校 / 活动宣传 /
# 选拔优秀学生 / 活动开展 / 成果展览及汇报), with the usual lead times.
DEFAULT_TASKS: tuple[TaskPlan, ...] = (
    TaskPlan("contact_partner", "联系合作单位", "start", -14 * _DAY),
    TaskPlan("publicity", "活动宣传", "start", -7 * _DAY),
    TaskPlan("select_participants", "选拔参与者", "start", -3 * _DAY),
    TaskPlan("run", "开展活动", "start", 0),
    TaskPlan("report", "成果展示与总结", "end", 7 * _DAY),
)


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


@dataclass(frozen=True)
class PreparationTask:
    college: str
    task_id: UUID
    activity_id: UUID
    department_id: str
    ordinal: int
    plan: TaskPlan
    status: TaskStatus = TaskStatus.OPEN
    due_at: datetime | None = None
    fired_at: datetime | None = None
    done_at: datetime | None = None
    done_by: str | None = None


def check_task_plans(plans: Sequence[TaskPlan], *, field: str = "tasks") -> None:
    kinds: set[str] = set()
    for index, plan in enumerate(plans):
        where = f"{field}[{index}]"
        if plan.kind in kinds:
            raise RuleBroken(
                "duplicate_task_kind",
                field=f"{where}.kind",
                message=f"the activity already has a task of kind {plan.kind!r}",
                invalid=True,
            )
        kinds.add(plan.kind)
        if plan.anchor == "fixed" and plan.fixed_due_at is None:
            raise RuleBroken(
                "fixed_deadline_missing",
                field=f"{where}.due_at",
                message="a task with a fixed deadline needs due_at",
                invalid=True,
            )
        if plan.anchor != "fixed" and plan.fixed_due_at is not None:
            raise RuleBroken(
                "deadline_twice",
                field=f"{where}.due_at",
                message="due_at is only for anchor 'fixed'; use offset_min with start or end",
                invalid=True,
            )
        if abs(plan.offset_min) > MAX_TASK_OFFSET_MIN:
            raise RuleBroken(
                "deadline_too_far",
                field=f"{where}.offset_min",
                message=f"a deadline may be at most {MAX_TASK_OFFSET_MIN // _DAY} days "
                "from the activity",
                invalid=True,
            )


def complete_task(task: PreparationTask, *, by: str, now: datetime) -> PreparationTask:
    if task.status is TaskStatus.DONE:
        raise RuleBroken(
            "task_already_done", field="task_id", message=f"task {task.task_id} is already done"
        )
    return replace(task, status=TaskStatus.DONE, done_at=now, done_by=by)


def tasks_dated(
    tasks: Sequence[PreparationTask], *, starts_at: datetime, ends_at: datetime
) -> list[PreparationTask]:
    """The tasks with their deadlines, once the activity has its time."""
    return [replace(t, due_at=t.plan.deadline(starts_at, ends_at)) for t in tasks]
