"""First flow across services: a volunteer application reaches the applicant as a notice.

recruitment (POST, outbox) → Kafka → notifications (inbox, notice) → GET by the applicant.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.notifications.consumers import APPLICANT_NOTICES
from shared.events.registry import RECRUITMENT_APPLICATIONS
from shared.messaging.subscriptions import consumer_group
from tests.support.auth import bearer
from tests.support.kafka import group_caught_up, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


FORM = {
    "campaign_id": "summer-teaching-2026",
    "applicant_name": "李明",
    "motivation": "想参加一帮一暑期知识拓展班，教孩子们英语。",
    "skills": ["english", "sports"],
}


async def ensure_campaign(client: httpx.AsyncClient, url: str) -> None:
    """Applications target an open campaign in its window: an officer opens it first."""
    now = datetime.now(UTC)
    response = await client.post(
        f"{url}/api/recruitment/colleges/cs/campaigns",
        json={
            "id": FORM["campaign_id"],
            "title": "“一帮一”暑期知识拓展班志愿者招募",
            "place": "岳西县希望小学",
            "starts_on": "2026-07-08",
            "ends_on": "2026-08-11",
            "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(),
            "positions": [{"id": "teachers", "title": "支教老师", "headcount": 30}],
        },
        headers=bearer("cs-officer", "officer", "cs"),
    )
    assert response.status_code in (201, 409), response.text


async def notices(
    client: httpx.AsyncClient, url: str, headers: dict[str, str]
) -> list[dict[str, Any]]:
    response = await client.get(f"{url}/api/notifications/me", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_an_application_becomes_a_notice_for_the_applicant_only(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    recruitment, notifications = services["recruitment"], services["notifications"]
    applicant = bearer("cs-2024001", "student", "cs")
    async with httpx.AsyncClient(timeout=10) as client:
        await ensure_campaign(client, recruitment)
        created = await client.post(
            f"{recruitment}/api/recruitment/colleges/cs/applications", json=FORM, headers=applicant
        )
        assert created.status_code == 201, created.text
        application = created.json()
        assert application["applicant_id"] == "cs-2024001"
        assert application["status"] == "submitted"

        deadline = time.monotonic() + 30
        mine: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            mine = [
                n
                for n in await notices(client, notifications, applicant)
                if n["subject_id"] == application["id"]
            ]
            if mine:
                break
            await asyncio.sleep(0.2)
        # Wait until notifications has consumed everything, then look again: a
        # duplicate arriving after the first sighting must show.
        await wait_until(
            lambda: group_caught_up(
                stack.kafka_bootstrap,
                consumer_group("campusflow", APPLICANT_NOTICES.name),
                RECRUITMENT_APPLICATIONS.name,
            ),
            timeout_s=60,
            what="notifications to consume every application event",
        )
        mine = [
            n
            for n in await notices(client, notifications, applicant)
            if n["subject_id"] == application["id"]
        ]
        assert len(mine) == 1, "the applicant gets exactly one notice"
        assert mine[0]["kind"] == "application_received"
        assert "李明" in mine[0]["body"]

        classmate = bearer("cs-2024002", "student", "cs")
        assert not [
            n
            for n in await notices(client, notifications, classmate)
            if n["subject_id"] == application["id"]
        ]
        same_id_other_college = bearer("cs-2024001", "student", "math")
        assert not [
            n
            for n in await notices(client, notifications, same_id_other_college)
            if n["subject_id"] == application["id"]
        ]
        officer = bearer("cs-officer", "officer", "cs")
        read = await client.get(
            f"{recruitment}/api/recruitment/colleges/cs/applications/{application['id']}",
            headers=officer,
        )
        assert read.status_code == 200


async def test_applications_need_a_token_of_the_same_college(services: dict[str, str]) -> None:
    url = f"{services['recruitment']}/api/recruitment/colleges/cs/applications"
    async with httpx.AsyncClient(timeout=10) as client:
        anonymous = await client.post(url, json=FORM)
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"].startswith("application/problem+json")

        other_college = await client.post(url, json=FORM, headers=bearer("m1", "student", "math"))
        assert other_college.status_code == 403

        officer = await client.post(url, json=FORM, headers=bearer("o1", "officer", "cs"))
        assert officer.status_code == 403
        assert (
            await client.get(f"{services['notifications']}/api/notifications/me")
        ).status_code == 401


async def test_bad_applications_are_refused_naming_the_field(services: dict[str, str]) -> None:
    url = f"{services['recruitment']}/api/recruitment/colleges/cs/applications"
    student = bearer("cs-2024003", "student", "cs")
    async with httpx.AsyncClient(timeout=10) as client:
        await ensure_campaign(client, services["recruitment"])
        for bad, field in (
            ({**FORM, "campaign_id": ""}, "campaign_id"),
            ({k: v for k, v in FORM.items() if k != "motivation"}, "motivation"),
            ({**FORM, "motivation": "x" * 5000}, "motivation"),
            ({**FORM, "skills": ["a"] * 21}, "skills"),
            ({**FORM, "unexpected": 1}, "unexpected"),
        ):
            response = await client.post(url, json=bad, headers=student)
            assert response.status_code == 422, response.text
            assert field in {e["field"] for e in response.json()["errors"]}

        first = await client.post(url, json=FORM, headers=student)
        assert first.status_code == 201
        duplicate = await client.post(url, json=FORM, headers=student)
        assert duplicate.status_code == 409
        assert duplicate.json()["errors"][0]["rule"] == "one_active_application_per_campaign"

        bad_college = await client.post(
            f"{services['recruitment']}/api/recruitment/colleges/NOT%20A%20CODE/applications",
            json=FORM,
            headers=student,
        )
        assert bad_college.status_code == 422

        huge = await client.post(
            url,
            content=b"{" + b" " * 2_000_000 + b"}",
            headers={**student, "content-type": "application/json"},
        )
        assert huge.status_code == 413


async def test_health_readiness_and_metrics(services: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for url in services.values():
            assert (await client.get(f"{url}/healthz")).status_code == 200
            ready = await client.get(f"{url}/readyz")
            assert ready.status_code == 200
            checks = {"database", "broker", "redis", "loops", "consumers"}
            assert set(ready.json()["checks"]) == checks
            assert set(ready.json()["checks"].values()) == {"ok"}
            metrics = await client.get(f"{url}/metrics")
            assert "http_requests_total" in metrics.text
