"""Preparation-task reminders on the real stack. Through scheduling's API: planning an
activity announces its tasks (TaskPlanned), each assignee is reminded 24 h before the
deadline — at once when that has passed — and marking the task done (TaskDone) cancels
the reminder; a refused "done" changes nothing; replayed events change nothing. From
the events alone: a task moved, handed to someone else, left without an assignee."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import httpx
import pytest

from shared.events.scheduling import TaskDone, TaskPlanned
from tests.e2e.notifications.deadline_support import wait_published
from tests.e2e.notifications.remesc_support import (
    DAY,
    consumed,
    my_reminders,
    notices_of_kind,
    now_s,
    times,
    wait_notice,
)
from tests.e2e.notifications.routing_support import Produced, produce, run_id, with_ids
from tests.e2e.scheduling.activities_support import College, campus, campus_day
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def test_planned_tasks_remind_their_assignees_until_done(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    run = run_id()
    college = College(services["scheduling"])
    doer, caller = f"b-{run}", f"a-{run}"
    await college.enrol(service_dsns["scheduling"], doer, caller)
    tomorrow = campus_day(1)
    due = now_s() + 3 * DAY
    soon = now_s() + timedelta(minutes=20)  # 24 h before has passed: at once
    async with httpx.AsyncClient(timeout=30) as client:
        drafted = await college.draft(
            client,
            department_id="volunteers",
            title="义务助教",
            earliest_start=campus(tomorrow, 9),
            latest_end=campus(tomorrow, 21),
            duration_min=120,
            people=[doer, caller],
            tasks=[
                {"kind": "publicity", "title": "活动宣传", "anchor": "fixed",
                 "due_at": due.isoformat(), "assignee_id": doer},
                {"kind": "contact_partner", "title": "联系合作单位", "anchor": "fixed",
                 "due_at": soon.isoformat(), "assignee_id": caller},
                {"kind": "report", "title": "成果展示与总结", "anchor": "end",
                 "offset_min": 7 * 24 * 60},
            ],
        )  # fmt: skip
        publicity, contact, report = (t["task_id"] for t in drafted["tasks"])
        planned = await client.post(
            f"{college.root}/activities/plan",
            json={"from": tomorrow.isoformat(), "to": tomorrow.isoformat()},
            headers=college.officer,
        )
        assert planned.status_code == 200 and planned.json()["scheduled"] == 1, planned.text

        announced = await wait_published(
            stack.kafka_bootstrap, TaskPlanned, [publicity, contact, report]
        )
        event = announced[publicity][0]
        assert isinstance(event, TaskPlanned)
        assert (event.assignee_id, event.due_at, event.activity_title) == (doer, due, "义务助教")
        assert announced[report][0].assignee_id is None  # type: ignore[attr-defined]
        await consumed(stack.kafka_bootstrap, list(announced.values()))

        mine = await my_reminders(client, services, college.code, doer)
        assert times(mine, publicity) == [due - DAY]
        assert (mine[0]["kind"], mine[0]["fields"]["title"]) == (
            "task_reminder",
            "义务助教 · 活动宣传",
        )
        # The caller's task is due in 20 minutes: reminded at once, into the inbox, once.
        told = await wait_notice(client, services, college.code, caller, "task_reminder")
        assert told["title"] == "任务提醒" and "义务助教 · 联系合作单位" in told["body"]
        assert await my_reminders(client, services, college.code, caller) == []
        # The unassigned report task reminds nobody (the officer included).
        officer = f"{college.code}-officer"
        assert await my_reminders(client, services, college.code, officer) == []

        # Bad input: someone else's task, an unknown task; nothing changes.
        refused = await client.post(
            f"{college.root}/tasks/{publicity}/done", headers=college.member(caller)
        )
        assert refused.status_code == 409, refused.text
        unknown = await client.post(
            f"{college.root}/tasks/{uuid4()}/done", headers=college.member(doer)
        )
        assert unknown.status_code == 404, unknown.text
        done = await client.post(
            f"{college.root}/tasks/{publicity}/done", headers=college.member(doer)
        )
        assert done.status_code == 200, done.text
        [closed] = (await wait_published(stack.kafka_bootstrap, TaskDone, [publicity])).values()
        assert closed[0].done_by == doer  # type: ignore[attr-defined]
        await consumed(stack.kafka_bootstrap, [closed])
        assert await my_reminders(client, services, college.code, doer) == []

        # Replayed (redelivered) announcements change nothing: no reminder comes back, the
        # at-once one is not sent again.
        await produce(stack.kafka_bootstrap, list(announced.values()))
        await consumed(stack.kafka_bootstrap, list(announced.values()))
        await asyncio.sleep(2)
        assert await my_reminders(client, services, college.code, doer) == []
        assert (
            len(await notices_of_kind(client, services, college.code, caller, "task_reminder")) == 1
        )


def _planned(
    college: str, task: UUID, activity: UUID, assignee: str | None, due: datetime
) -> TaskPlanned:
    return TaskPlanned(
        college=college,
        task_id=task,
        activity_id=activity,
        department_id="social_practice",
        title="联系血站",
        activity_title="义务献血活动",
        assignee_id=assignee,
        due_at=due,
    )


async def test_a_task_moved_handed_over_and_unassigned_moves_its_reminder(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    run = run_id()
    college, first, second = f"t{run}", f"p-{run}", f"q-{run}"
    task, activity = uuid4(), uuid4()
    due = now_s() + 4 * DAY
    async with httpx.AsyncClient(timeout=10) as client:

        async def step(event: TaskPlanned | TaskDone) -> list[Produced]:
            produced = with_ids([event])
            await produce(stack.kafka_bootstrap, produced)
            await consumed(stack.kafka_bootstrap, produced)
            return produced

        async def reminded(person: str) -> list[datetime]:
            return times(await my_reminders(client, services, college, person), str(task))

        original = await step(_planned(college, task, activity, first, due))
        assert await reminded(first) == [due - DAY]

        moved = due + 2 * DAY
        await step(_planned(college, task, activity, first, moved))
        assert await reminded(first) == [moved - DAY]

        await step(_planned(college, task, activity, second, moved))
        assert (await reminded(first), await reminded(second)) == ([], [moved - DAY])

        # The first announcement redelivered: nothing moves back.
        await produce(stack.kafka_bootstrap, original)
        await consumed(stack.kafka_bootstrap, original)
        assert (await reminded(first), await reminded(second)) == ([], [moved - DAY])

        await step(_planned(college, task, activity, None, moved))
        assert (await reminded(first), await reminded(second)) == ([], [])

        await step(_planned(college, task, activity, second, moved))
        assert await reminded(second) == [moved - DAY]
        await step(
            TaskDone(
                college=college,
                task_id=task,
                activity_id=activity,
                department_id="social_practice",
                done_by=second,
                done_at=now_s(),
            )
        )
        assert await reminded(second) == []
