"""The activity calendar on the real stack: drafts planned clash-free through the API,
ActivityScheduled on Kafka, refusals naming the field (nothing changed), and preparation
tasks whose deadlines fire TaskDue once through the durable timers — also when the
replica that planned them dies — and never once done."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.events.scheduling import ActivityScheduled, TaskDue
from tests.e2e.scheduling.activities_support import College, campus, campus_day, overlap
from tests.support.kafka import events_keyed, wait_until
from tests.support.replica import replica
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e
SMALL_PLAN_LIMIT = 3
APRIL = "2031-04"


@pytest.fixture(scope="module")
def small_replica(stack: StackEndpoints, service_dsns: dict[str, str]) -> Iterator[Any]:
    """A second scheduling replica on the same schema that plans at most 3 activities;
    yields (url, kill) where kill() SIGKILLs it."""
    with replica(
        "scheduling",
        stack,
        service_dsns["scheduling"],
        name="small",
        settings={"SCHEDULING_SOLVE_MAX_ACTIVITIES": str(SMALL_PLAN_LIMIT)},
    ) as running:
        yield running


def day(n: int) -> str:
    return f"{APRIL}-{n:02d}"


async def test_a_month_is_planned_without_a_clash_and_announced(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    college = College(services["scheduling"])
    await college.enrol(service_dsns["scheduling"], "head", "a", "b", "c", "d")
    afternoon = {
        "earliest_start": f"{day(22)}T14:00:00+08:00",
        "latest_end": f"{day(22)}T18:00:00+08:00",
    }
    async with httpx.AsyncClient(timeout=30) as client:
        await college.room(client, "报告厅")
        teaching = await college.draft(
            client,
            department_id="volunteers",
            title="义务助教",
            duration_min=120,
            people=["head", "a"],
            room="报告厅",
            **afternoon,
        )
        blood = await college.draft(
            client,
            department_id="social_practice",
            title="义务献血",
            duration_min=120,
            people=["head", "b"],
            **afternoon,
        )
        talk = await college.draft(
            client,
            department_id="study",
            title="学习交流会",
            duration_min=90,
            people=["c"],
            room="报告厅",
            earliest_start=f"{day(22)}T14:00:00+08:00",
            latest_end=f"{day(23)}T22:00:00+08:00",
        )
        assert [t["title"] for t in teaching["tasks"]] == [
            "联系合作单位",
            "活动宣传",
            "选拔参与者",
            "开展活动",
            "成果展示与总结",
        ]
        planned = await client.post(
            f"{college.root}/activities/plan", json={"month": APRIL}, headers=college.officer
        )
        assert planned.status_code == 200, planned.text
        plan = planned.json()
        assert plan["status"] in ("optimal", "feasible")
        assert (plan["scheduled"], plan["conflicts"]) == (3, 0)

        listed = {a["activity_id"]: a for a in await college.activities(client)}
        assert {a["status"] for a in listed.values()} == {"scheduled"}
        one, two, three = (listed[x["activity_id"]] for x in (teaching, blood, talk))
        assert not overlap(one, two)  # the head
        assert not overlap(one, three)  # the room
        tasks = await client.get(
            f"{college.root}/activities/{teaching['activity_id']}/tasks", headers=college.officer
        )
        starts = datetime.fromisoformat(one["starts_at"])
        assert [datetime.fromisoformat(t["due_at"]) for t in tasks.json()][:4] == [
            starts - timedelta(days=14),
            starts - timedelta(days=7),
            starts - timedelta(days=3),
            starts,
        ]

        again = await client.post(
            f"{college.root}/activities/plan", json={"month": APRIL}, headers=college.officer
        )
        assert again.status_code == 200 and again.json()["scheduled"] == 0

        # One more that only fits where the head already is: refused, named, left a draft.
        squeezed = await college.draft(
            client,
            department_id="sports",
            title="篮球赛",
            duration_min=60,
            people=["head"],
            earliest_start=one["starts_at"],
            latest_end=one["ends_at"],
        )
        refused = await client.post(
            f"{college.root}/activities/plan", json={"month": APRIL}, headers=college.officer
        )
        assert refused.status_code == 409, refused.text
        error = refused.json()["errors"][0]
        assert error["rule"] == "activities_cannot_all_fit"
        assert squeezed["activity_id"] in error["message"] and "篮球赛" in error["message"]
        read = await client.get(
            f"{college.root}/activities/{squeezed['activity_id']}", headers=college.officer
        )
        assert read.json()["status"] == "draft"

    for activity in (teaching, blood, talk):
        key = activity["activity_id"]

        async def announced(key: str = key) -> bool:
            return bool(
                await events_keyed(stack.kafka_bootstrap, ActivityScheduled.event_type, key)
            )

        await wait_until(announced, timeout_s=30, what=f"ActivityScheduled {key}")
        [event] = await events_keyed(stack.kafka_bootstrap, ActivityScheduled.event_type, key)
        assert event["starts_at"].replace("Z", "+00:00") == listed[key]["starts_at"].replace(
            "Z", "+00:00"
        )


async def test_bad_drafts_and_plans_are_refused_naming_the_field(
    services: dict[str, str], service_dsns: dict[str, str], small_replica: Any
) -> None:
    college = College(services["scheduling"])
    await college.enrol(service_dsns["scheduling"], "a")
    good = {
        "department_id": "volunteers",
        "title": "社区服务",
        "earliest_start": f"{day(25)}T08:00:00+08:00",
        "latest_end": f"{day(25)}T12:00:00+08:00",
        "duration_min": 60,
        "people": ["a"],
    }
    cases = [
        ({"duration_min": 300}, 422, "duration_longer_than_window", "duration_min"),
        ({"latest_end": f"{day(24)}T12:00:00+08:00"}, 422, "window_end_before_start", "latest_end"),
        ({"people": ["a", "nobody"]}, 422, "unknown_person", "people[1]"),
        ({"room": "火星"}, 422, "unknown_room", "room"),
        ({"earliest_start": f"{day(25)}T00:00:00+08:00", "latest_end": f"{day(25)}T07:00:00+08:00"},
         422, "window_outside_campus_hours", "earliest_start"),
        ({"tasks": [{"kind": "report", "title": "总结", "anchor": "fixed"}]},
         422, "fixed_deadline_missing", "tasks[0].due_at"),
    ]  # fmt: skip
    async with httpx.AsyncClient(timeout=30) as client:
        for change, code, rule, field in cases:
            answer = await client.post(
                f"{college.root}/activities", json={**good, **change}, headers=college.officer
            )
            assert answer.status_code == code, (change, answer.text)
            error = answer.json()["errors"][0]
            assert (error["rule"], error["field"]) == (rule, field), answer.text
        naive = await client.post(
            f"{college.root}/activities",
            json={**good, "earliest_start": f"{day(25)}T08:00:00"},
            headers=college.officer,
        )
        assert naive.status_code == 422 and "earliest_start" in naive.text
        student = await client.post(
            f"{college.root}/activities", json=good, headers=college.member("a")
        )
        assert student.status_code == 403
        for body, field in [
            ({"month": "2031-13"}, "month"),
            ({"from": "2031-04-09", "to": "2031-04-01"}, "to"),
            ({}, "month"),
        ]:
            bad_plan = await client.post(
                f"{college.root}/activities/plan", json=body, headers=college.officer
            )
            assert bad_plan.status_code == 422, bad_plan.text
            assert field in bad_plan.text
        assert await college.activities(client) == []  # nothing changed

        # Over the replica's size limit (3): refused before any solve, nothing scheduled.
        url, _ = small_replica
        for _ in range(SMALL_PLAN_LIMIT + 1):
            await college.draft(client, **good)
        root = f"{url}/api/scheduling/colleges/{college.code}"
        oversize = await client.post(
            f"{root}/activities/plan", json={"month": APRIL}, headers=college.officer
        )
        assert oversize.status_code == 422, oversize.text
        assert oversize.json()["errors"][0] == {
            "field": "month",
            "rule": "plan_too_large",
            "message": oversize.json()["errors"][0]["message"],
        }
        assert {a["status"] for a in await college.activities(client)} == {"draft"}


async def test_a_deadline_fires_task_due_once_even_when_the_planner_dies_and_done_never_fires(
    services: dict[str, str],
    service_dsns: dict[str, str],
    stack: StackEndpoints,
    small_replica: Any,
) -> None:
    url, kill = small_replica
    college = College(services["scheduling"])
    await college.enrol(service_dsns["scheduling"], "a", "b")
    tomorrow = campus_day(1)
    soon = (datetime.now(UTC) + timedelta(seconds=8)).isoformat()
    async with httpx.AsyncClient(timeout=30) as client:
        drafted = await college.draft(
            client,
            department_id="volunteers",
            title="义务助教",
            earliest_start=campus(tomorrow, 9),
            latest_end=campus(tomorrow, 21),
            duration_min=120,
            people=["a", "b"],
            tasks=[
                {"kind": "publicity", "title": "活动宣传", "anchor": "fixed", "due_at": soon,
                 "assignee_id": "b"},
                {"kind": "contact_partner", "title": "联系合作单位", "anchor": "fixed",
                 "due_at": soon, "assignee_id": "a"},
            ],
        )  # fmt: skip
        publicity, contact = drafted["tasks"]
        planned = await client.post(
            f"{url}/api/scheduling/colleges/{college.code}/activities/plan",
            json={"from": tomorrow.isoformat(), "to": tomorrow.isoformat()},
            headers=college.officer,
        )
        assert planned.status_code == 200, planned.text
        kill()  # the replica that planned (and scheduled the timers) dies before they are due

        not_yours = await client.post(
            f"{college.root}/tasks/{contact['task_id']}/done", headers=college.member("b")
        )
        assert not_yours.status_code == 409
        assert not_yours.json()["errors"][0]["rule"] == "not_your_task"
        done = await client.post(
            f"{college.root}/tasks/{contact['task_id']}/done", headers=college.member("a")
        )
        assert done.status_code == 200 and done.json()["status"] == "done", done.text
        twice = await client.post(
            f"{college.root}/tasks/{contact['task_id']}/done", headers=college.member("a")
        )
        assert twice.status_code == 409

    async def fired() -> bool:
        return bool(
            await events_keyed(stack.kafka_bootstrap, TaskDue.event_type, publicity["task_id"])
        )

    await wait_until(fired, timeout_s=40, what="TaskDue of the publicity task")
    await asyncio.sleep(3)  # a second firing would have followed by now
    [event] = await events_keyed(stack.kafka_bootstrap, TaskDue.event_type, publicity["task_id"])
    assert (event["activity_id"], event["assignee_id"], event["title"]) == (
        drafted["activity_id"],
        "b",
        "活动宣传",
    )
    assert await events_keyed(stack.kafka_bootstrap, TaskDue.event_type, contact["task_id"]) == []
    async with httpx.AsyncClient(timeout=30) as client:
        tasks = await client.get(
            f"{college.root}/activities/{drafted['activity_id']}/tasks", headers=college.officer
        )
    assert [(t["kind"], t["fired_at"] is not None, t["status"]) for t in tasks.json()] == [
        ("publicity", True, "open"),
        ("contact_partner", False, "done"),
    ]
