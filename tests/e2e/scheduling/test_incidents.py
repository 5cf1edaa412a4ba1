"""Incident reports through the real scheduling service and Kafka: a report on an
activity or for a department is kept and announced (IncidentReported); bad input is
refused naming the field and announces nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from shared.events.scheduling import IncidentReported
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def test_an_incident_is_reported_and_announced(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    college = f"i{uuid4().hex[:10]}"
    url = f"{services['scheduling']}/api/scheduling/colleges/{college}/incidents"
    student = bearer("stu-1", "student", college)
    now = datetime.now(UTC)
    good = {
        "department_id": "practice",
        "title": "支教途中车辆故障",
        "summary": "大巴在县道抛锚，全员安全",
        "place": "G318 国道",
        "teacher_id": "teacher-zhang",
        "occurred_at": now.isoformat(),
    }
    async with httpx.AsyncClient(timeout=10) as client:
        for changes, field in (
            ({"occurred_at": (now + timedelta(hours=1)).isoformat()}, "occurred_at"),
            ({"occurred_at": (now - timedelta(days=60)).isoformat()}, "occurred_at"),
            ({"occurred_at": now.replace(tzinfo=None).isoformat()}, "occurred_at"),
            ({"department_id": None}, "department_id"),
            ({"title": ""}, "title"),
            ({"teacher_id": "no spaces allowed"}, "teacher_id"),
        ):
            refused = await client.post(url, json={**good, **changes}, headers=student)
            assert refused.status_code == 422, refused.text
            assert field in json.dumps(refused.json()["errors"])
        unknown = await client.post(
            url, json={**good, "activity_id": str(uuid4())}, headers=student
        )
        assert unknown.status_code == 404
        elsewhere = await client.post(url, json=good, headers=bearer("stu-1", "student", "other"))
        assert elsewhere.status_code == 403

        made = await client.post(url, json=good, headers=student)
        assert made.status_code == 201, made.text
        incident = made.json()
        assert (incident["reported_by"], incident["teacher_id"]) == ("stu-1", "teacher-zhang")
        read = await client.get(f"{url}/{incident['incident_id']}", headers=student)
        assert read.status_code == 200 and read.json() == incident
        missing = await client.get(f"{url}/{uuid4()}", headers=student)
        assert missing.status_code == 404

    found: list[dict[str, object]] = []

    async def announced() -> bool:
        found[:] = await events_keyed(
            stack.kafka_bootstrap, IncidentReported.event_type, incident["incident_id"]
        )
        return bool(found)

    await wait_until(announced, timeout_s=30, what="IncidentReported")
    assert len(found) == 1
    event = found[0]
    assert (event["title"], event["teacher_id"], event["department_id"]) == (
        "支教途中车辆故障",
        "teacher-zhang",
        "practice",
    )
