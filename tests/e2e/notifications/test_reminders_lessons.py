"""Lesson reminders through scheduling's real API: publishing a summer timetable (from a
done solve job) announces every dated lesson (LessonAssigned), and each volunteer is
reminded an hour before each of their lessons."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.schemas.timetabling import (
    parse_timetable_problem,
    timetable_result_document,
)
from services.scheduling.solver.timetabling import solve_timetable
from shared.events.scheduling import LessonAssigned
from tests.e2e.notifications.remesc_support import my_reminders
from tests.e2e.scheduling.rotas_support import insert_job
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

COLLEGE = "cs"  # where the solve job is put


def _next_summer(tag: str) -> dict[str, Any]:
    return {
        "template": "summer",
        "name": f"暑期课表 {tag}",
        "year": 2027,
        "schools": [{"id": f"{tag}-xc", "name": "响肠小学", "pupils": 45}],
        "teams": [
            {
                "id": f"{tag}-team",
                "volunteers": [{"id": f"{tag}-v{n}", "name": f"志愿者{n}"} for n in range(5)],
                "teaches": {"english": f"{tag}-v0"},
            }
        ],
    }


async def test_a_published_timetable_reminds_each_volunteer_before_each_lesson(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    tag = f"rl{uuid4().hex[:6]}"
    document = _next_summer(tag)
    problem = parse_timetable_problem(document, ProblemLimits())
    result = timetable_result_document(solve_timetable(problem, time_limit_s=10, workers=1))
    assert result["hard_violations"] == []
    job = await insert_job(service_dsns["scheduling"], document, result=result, kind="timetable")
    async with httpx.AsyncClient(timeout=20) as client:
        made = await client.post(
            f"{services['scheduling']}/api/scheduling/colleges/{COLLEGE}/timetables",
            json={"job_id": str(job), "name": f"响肠小学 {tag}"},
            headers=bearer("officer-lessons", "officer", COLLEGE),
        )
        assert made.status_code == 201, made.text
        timetable = made.json()
        lessons: list[dict[str, Any]] = []

        async def announced() -> bool:
            lessons[:] = await events_keyed(
                stack.kafka_bootstrap, LessonAssigned.event_type, timetable["timetable_id"]
            )
            return len(lessons) == timetable["lesson_count"]

        await wait_until(announced, timeout_s=60, what="a LessonAssigned per lesson")
        assert lessons[0]["school"] == "响肠小学"
        volunteer = f"{tag}-v0"
        theirs = sorted(
            datetime.fromisoformat(x["starts_at"])
            for x in lessons
            if x["volunteer_id"] == volunteer
        )
        assert theirs
        expected = [starts - timedelta(hours=1) for starts in theirs]
        found: list[dict[str, Any]] = []

        async def reminded() -> bool:
            found[:] = await my_reminders(client, services, COLLEGE, volunteer)
            return len(found) >= min(len(expected), 200)

        await wait_until(reminded, timeout_s=60, what="the volunteer's lesson reminders")
        # The API pages at 200; the soonest ones are compared.
        assert [datetime.fromisoformat(x["fire_at"]) for x in found] == expected[: len(found)]
        assert {x["kind"] for x in found} == {"lesson_reminder"}
        assert found[0]["fields"]["school"] == "响肠小学"
