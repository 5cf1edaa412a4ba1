"""What a preparation task tells the other services: TaskPlanned once it has a deadline
(who does it, by when, for which activity), nothing for a task without a deadline or done
already, and TaskDone when it is marked done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.scheduling.domain.activities import (
    Activity,
    draft_activity,
    schedule_activity,
    task_done,
    task_planned,
)
from services.scheduling.domain.activity_tasks import (
    PreparationTask,
    TaskPlan,
    complete_task,
    tasks_dated,
)
from shared.events.registry import SCHEDULING_TASKS, spec_for_model
from shared.events.scheduling import TaskDone, TaskPlanned
from tests.unit.scheduling.activities_support import at, campus

pytestmark = pytest.mark.unit
NOW = datetime(2027, 3, 1, tzinfo=UTC)


def _scheduled(
    tasks: list[TaskPlan],
) -> tuple[Activity, tuple[PreparationTask, ...], list[PreparationTask], datetime]:
    activity, prepared = draft_activity(
        college="cs",
        activity_id=uuid4(),
        department_id="volunteers",
        title="义务助教",
        description="",
        earliest_start=campus(0, 8),
        latest_end=campus(9, 22),
        duration_min=120,
        people=("cs-2024001",),
        room=None,
        tasks=tasks,
        task_ids=[uuid4() for _ in tasks],
        known_people={"cs-2024001", "cs-2024002"},
        known_rooms=set(),
        created_by="cs-officer",
        now=NOW,
    )
    start = campus(2, 14)
    scheduled, _ = schedule_activity(activity, at(activity.needs, start), now=NOW)
    assert scheduled.starts_at is not None and scheduled.ends_at is not None
    dated = tasks_dated(prepared, starts_at=scheduled.starts_at, ends_at=scheduled.ends_at)
    return scheduled, prepared, dated, start


def test_a_dated_task_is_announced_with_its_assignee_deadline_and_activity() -> None:
    scheduled, _, dated, start = _scheduled(
        [
            TaskPlan("publicity", "活动宣传", "start", -7 * 24 * 60, assignee_id="cs-2024002"),
            TaskPlan("report", "成果展示与总结", "end", 7 * 24 * 60),
        ]
    )
    publicity, report = (task_planned(t, scheduled) for t in dated)
    assert publicity is not None and report is not None
    assert (publicity.task_id, publicity.assignee_id, publicity.due_at) == (
        dated[0].task_id,
        "cs-2024002",
        start - timedelta(days=7),
    )
    assert (publicity.title, publicity.activity_title) == ("活动宣传", "义务助教")
    assert publicity.activity_id == scheduled.activity_id
    # Nobody is named: announced all the same (nobody to remind), with its deadline.
    assert (report.assignee_id, report.due_at) == (None, start + timedelta(hours=2, days=7))
    assert spec_for_model(TaskPlanned).topic == SCHEDULING_TASKS
    assert spec_for_model(TaskDone).topic == SCHEDULING_TASKS


def test_an_undated_or_done_task_is_not_announced_and_done_says_by_whom() -> None:
    scheduled, prepared, dated, _ = _scheduled(
        [TaskPlan("publicity", "活动宣传", "start", -7 * 24 * 60, assignee_id="cs-2024002")]
    )
    assert task_planned(prepared[0], scheduled) is None  # a draft's task has no deadline yet
    done = complete_task(dated[0], by="cs-2024002", now=NOW)
    assert task_planned(done, scheduled) is None
    event = task_done(done)
    assert (event.task_id, event.activity_id, event.done_by, event.done_at) == (
        done.task_id,
        done.activity_id,
        "cs-2024002",
        NOW,
    )
    assert event.aggregate_id == str(done.task_id)
