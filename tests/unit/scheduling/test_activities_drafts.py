"""Drafting an activity: what is refused (naming the field), its preparation tasks and
their deadlines, the planning range."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from services.scheduling.domain.activities import (
    Activity,
    ActivityStatus,
    draft_activity,
    schedule_activity,
    task_falls_due,
)
from services.scheduling.domain.activity_plans import plan_range
from services.scheduling.domain.activity_tasks import (
    DEFAULT_TASKS,
    PreparationTask,
    TaskPlan,
    TaskStatus,
    complete_task,
    tasks_dated,
)
from services.scheduling.domain.rules import RuleBroken
from tests.unit.scheduling.activities_support import at, campus

pytestmark = pytest.mark.unit
NOW = datetime(2027, 3, 1, tzinfo=UTC)
MEMBERS = {"cs-2024001", "cs-2024002", "cs-2024003"}
ROOMS = {"报告厅"}


def draft(
    *,
    earliest: datetime | None = None,
    latest: datetime | None = None,
    duration: int = 120,
    people: Sequence[str] = ("cs-2024001",),
    room: str | None = "报告厅",
    tasks: Sequence[TaskPlan] | None = None,
) -> tuple[Activity, tuple[PreparationTask, ...]]:
    return draft_activity(
        college="cs",
        activity_id=uuid4(),
        department_id="volunteers",
        title="义务助教",
        description="",
        earliest_start=earliest or campus(0, 8),
        latest_end=latest or campus(9, 22),
        duration_min=duration,
        people=people,
        room=room,
        tasks=tasks,
        task_ids=[uuid4() for _ in range(len(DEFAULT_TASKS) if tasks is None else len(tasks))],
        known_people=MEMBERS,
        known_rooms=ROOMS,
        created_by="cs-officer",
        now=NOW,
    )


def refusal(**kwargs: object) -> RuleBroken:
    with pytest.raises(RuleBroken) as raised:
        draft(**kwargs)  # type: ignore[arg-type]
    return raised.value


def test_a_draft_has_the_five_preparation_steps_of_the_seeds() -> None:
    activity, tasks = draft()
    assert activity.status is ActivityStatus.DRAFT and activity.starts_at is None
    assert [t.plan.title for t in tasks] == [
        "联系合作单位",
        "活动宣传",
        "选拔参与者",
        "开展活动",
        "成果展示与总结",
    ]
    assert all(t.due_at is None and t.status is TaskStatus.OPEN for t in tasks)


@pytest.mark.parametrize(
    ("kwargs", "rule", "field"),
    [
        (
            {"earliest": campus(1, 10), "latest": campus(1, 9)},
            "window_end_before_start",
            "latest_end",
        ),
        (
            {"earliest": campus(1, 10), "latest": campus(1, 10)},
            "window_end_before_start",
            "latest_end",
        ),
        (
            {"earliest": campus(1, 10), "latest": campus(1, 11)},
            "duration_longer_than_window",
            "duration_min",
        ),
        ({"duration": 15 * 60}, "duration_out_of_range", "duration_min"),
        ({"duration": 0}, "duration_out_of_range", "duration_min"),
        (
            {"earliest": campus(1, 0), "latest": campus(1, 7)},
            "window_outside_campus_hours",
            "earliest_start",
        ),
        (
            {"earliest": campus(1, 21), "latest": campus(2, 9)},
            "window_outside_campus_hours",
            "earliest_start",
        ),
        ({"earliest": campus(0, 8), "latest": campus(80, 8)}, "window_too_long", "latest_end"),
        ({"people": ["cs-2024001", "nobody"]}, "unknown_person", "people[1]"),
        ({"people": ["cs-2024001", "cs-2024001"]}, "duplicate_person", "people[1]"),
        ({"room": "火星"}, "unknown_room", "room"),
    ],
)
def test_a_draft_that_could_never_be_placed_is_refused_naming_the_field(
    kwargs: dict[str, object], rule: str, field: str
) -> None:
    broken = refusal(**kwargs)
    assert (broken.rule, broken.field) == (rule, field)


def test_a_window_in_seconds_is_kept_to_whole_minutes_inside_it() -> None:
    activity, _ = draft(
        earliest=campus(0, 9) + timedelta(seconds=20), latest=campus(0, 17) + timedelta(seconds=50)
    )
    assert activity.earliest_start == campus(0, 9, 1)
    assert activity.latest_end == campus(0, 17)


def test_tasks_are_refused_naming_the_task_and_field() -> None:
    twice = [TaskPlan("publicity", "宣传", "start", -60), TaskPlan("publicity", "宣传", "start")]
    assert (refusal(tasks=twice).rule, refusal(tasks=twice).field) == (
        "duplicate_task_kind",
        "tasks[1].kind",
    )
    no_date = [TaskPlan("report", "总结", "fixed")]
    assert refusal(tasks=no_date).field == "tasks[0].due_at"
    both = [TaskPlan("report", "总结", "end", 60, fixed_due_at=NOW)]
    assert refusal(tasks=both).rule == "deadline_twice"
    far = [TaskPlan("report", "总结", "end", 200 * 24 * 60)]
    assert refusal(tasks=far).field == "tasks[0].offset_min"
    stranger = [TaskPlan("report", "总结", "end", 60, assignee_id="nobody")]
    assert (refusal(tasks=stranger).rule, refusal(tasks=stranger).field) == (
        "unknown_person",
        "tasks[0].assignee_id",
    )


def test_deadlines_become_dates_when_the_activity_is_scheduled() -> None:
    fixed = datetime(2027, 4, 1, 4, tzinfo=UTC)
    activity, tasks = draft(
        tasks=[
            *DEFAULT_TASKS,
            TaskPlan("budget", "经费申请", "fixed", fixed_due_at=fixed, assignee_id="cs-2024002"),
        ]
    )
    start = campus(2, 14)
    scheduled, event = schedule_activity(activity, at(activity.needs, start), now=NOW)
    assert scheduled.status is ActivityStatus.SCHEDULED and scheduled.version == 1
    assert (event.starts_at, event.ends_at, event.room) == (
        start,
        start + timedelta(hours=2),
        "报告厅",
    )
    dated = tasks_dated(tasks, starts_at=scheduled.starts_at, ends_at=scheduled.ends_at)  # type: ignore[arg-type]
    assert [t.due_at for t in dated] == [
        start - timedelta(days=14),
        start - timedelta(days=7),
        start - timedelta(days=3),
        start,
        start + timedelta(hours=2, days=7),
        fixed,
    ]
    with pytest.raises(RuleBroken) as twice:
        schedule_activity(scheduled, at(activity.needs, start), now=NOW)
    assert twice.value.rule == "activity_not_draft"


def test_a_task_falls_due_once_and_never_when_done() -> None:
    activity, tasks = draft()
    task = tasks_dated(tasks, starts_at=campus(5, 9), ends_at=campus(5, 11))[0]
    event = task_falls_due(task, activity, now=NOW)
    assert event is not None
    assert (event.task_id, event.title, event.due_at) == (task.task_id, "联系合作单位", task.due_at)
    from dataclasses import replace

    assert task_falls_due(replace(task, fired_at=NOW), activity, now=NOW) is None
    done = complete_task(task, by="cs-2024001", now=NOW)
    assert (done.status, done.done_by) == (TaskStatus.DONE, "cs-2024001")
    assert task_falls_due(done, activity, now=NOW) is None
    with pytest.raises(RuleBroken) as again:
        complete_task(done, by="cs-2024001", now=NOW)
    assert again.value.rule == "task_already_done"


def test_the_planning_range_is_a_month_or_from_to() -> None:
    april = plan_range(month="2027-04", first_day=None, last_day=None)
    assert (april.first_day, april.last_day) == (date(2027, 4, 1), date(2027, 4, 30))
    december = plan_range(month="2027-12", first_day=None, last_day=None)
    assert december.last_day == date(2027, 12, 31)
    assert april.starts_at.isoformat() == "2027-04-01T00:00:00+08:00"
    assert april.ends_at.isoformat() == "2027-05-01T00:00:00+08:00"
    for kwargs, field in [
        ({"month": "2027-04", "first_day": date(2027, 4, 1), "last_day": None}, "month"),
        ({"month": None, "first_day": None, "last_day": None}, "month"),
        ({"month": None, "first_day": date(2027, 4, 1), "last_day": None}, "to"),
        ({"month": None, "first_day": date(2027, 4, 9), "last_day": date(2027, 4, 1)}, "to"),
        ({"month": None, "first_day": date(2027, 1, 1), "last_day": date(2027, 6, 1)}, "to"),
    ]:
        with pytest.raises(RuleBroken) as raised:
            plan_range(**kwargs)  # type: ignore[arg-type]
        assert raised.value.field == field and raised.value.invalid


def test_ids_are_kept() -> None:
    ids = [UUID(int=n) for n in range(1, 6)]
    activity, tasks = draft_activity(
        college="cs",
        activity_id=UUID(int=99),
        department_id="volunteers",
        title="t",
        description="",
        earliest_start=campus(0, 8),
        latest_end=campus(0, 22),
        duration_min=60,
        people=(),
        room=None,
        tasks=None,
        task_ids=ids,
        known_people=(),
        known_rooms=(),
        created_by="x",
        now=NOW,
    )
    assert activity.activity_id == UUID(int=99)
    assert [t.task_id for t in tasks] == ids and {t.activity_id for t in tasks} == {
        activity.activity_id
    }
