"""The incident chain on the real stack: an incident reported through scheduling's API
goes to the teacher, then (nobody acknowledging within the college's wait) to the grade
leader, and stops when the grade leader acknowledges by the link in the message: the
moral-education office is never told. Acknowledging twice is harmless; a forged,
malformed or expired link is refused; the API acknowledges for someone the chain told,
and refuses anyone else."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from services.notifications.domain.escalations import AckClaim, sign_ack
from services.notifications.settings import LOCAL_LINK_SECRET
from shared.events.notifications import (
    EscalationClosed,
    EscalationEscalated,
    EscalationStarted,
)
from tests.e2e.notifications.remesc_support import (
    ack_token,
    chains_of,
    notices_of_kind,
    put_directory,
    set_waits,
    url_of,
    wait_notice,
)
from tests.e2e.notifications.routing_support import run_id
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

WAIT_S = 3


async def _report(
    client: httpx.AsyncClient, services: dict[str, str], college: str, teacher: str
) -> dict[str, Any]:
    response = await client.post(
        f"{services['scheduling']}/api/scheduling/colleges/{college}/incidents",
        json={
            "department_id": "volunteers",
            "title": "研学途中学生扭伤",
            "summary": "一名学生在下台阶时扭伤脚踝，已冰敷",
            "place": "岳麓山南门",
            "teacher_id": teacher,
            "occurred_at": datetime.now(UTC).isoformat(),
        },
        headers=bearer(f"reporter-{college}", "student", college),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _chain_for(
    client: httpx.AsyncClient, services: dict[str, str], college: str, incident_id: str
) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    async def started() -> bool:
        found[:] = [
            c for c in await chains_of(client, services, college) if c["subject_id"] == incident_id
        ]
        return bool(found)

    await wait_until(started, timeout_s=40, what="the incident chain")
    return found[0]


async def _setup(client: httpx.AsyncClient, services: dict[str, str]) -> tuple[str, ...]:
    run = run_id()
    college = f"e{run}"
    teacher, leader, office = f"t-{run}", f"gl-{run}", f"moe-{run}"
    await put_directory(client, services, college, "grade_leader", leader)
    await put_directory(client, services, college, "moral_education_office", office)
    waits = await set_waits(client, services, college, "incident", [WAIT_S, WAIT_S, WAIT_S])
    assert waits.status_code == 200, waits.text
    return college, teacher, leader, office


async def test_the_chain_escalates_on_time_and_stops_at_the_link(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        college, teacher, leader, office = await _setup(client, services)
        incident = await _report(client, services, college, teacher)
        first = await wait_notice(client, services, college, teacher, "incident_alert")
        assert "研学途中学生扭伤" in first["title"] and first["priority"] == "critical"
        second = await wait_notice(client, services, college, leader, "incident_alert")
        waited = datetime.fromisoformat(second["created_at"]) - datetime.fromisoformat(
            first["created_at"]
        )
        assert timedelta(seconds=WAIT_S - 0.5) <= waited < timedelta(seconds=WAIT_S + 5)
        assert "年级组长" in second["body"]

        token = ack_token(second)
        link = url_of(services, f"/ack/{token}")
        shown = await client.get(link)
        assert shown.status_code == 200, shown.text
        assert shown.json()["acknowledged"] is False and shown.json()["person_id"] == leader
        page = await client.get(link, headers={"accept": "text/html"})
        assert page.status_code == 200 and "<form method='post'>" in page.text

        acked = await client.post(link)
        assert acked.status_code == 200, acked.text
        chain = acked.json()["chain"]
        assert (chain["status"], chain["closed_by"], chain["step"]) == ("acknowledged", leader, 1)
        again = await client.post(link)
        assert again.status_code == 200 and len(again.json()["chain"]["acknowledgements"]) == 1

        # Past the grade leader's wait, the office was never told.
        await asyncio.sleep(WAIT_S + 2)
        assert await notices_of_kind(client, services, college, office, "incident_alert") == []
        chain = await _chain_for(client, services, college, incident["incident_id"])
        assert chain["status"] == "acknowledged"
        assert [(s["step"], s["role"], s["recipient_ids"]) for s in chain["steps"]] == [
            (0, "teacher", [teacher]),
            (1, "grade_leader", [leader]),
        ]
        assert chain["acknowledgements"][0]["via"] == "link"

        # The chain's events, in order, keyed by the chain.
        key = chain["chain_id"]
        types = (
            EscalationStarted.event_type,
            EscalationEscalated.event_type,
            EscalationClosed.event_type,
        )

        async def published() -> bool:
            found = [await events_keyed(stack.kafka_bootstrap, t, key) for t in types]
            return all(found) and len(found[1]) == 2

        await wait_until(published, timeout_s=30, what="the chain's events")
        closed = await events_keyed(stack.kafka_bootstrap, EscalationClosed.event_type, key)
        assert [(e["how"], e["by"], e["step"]) for e in closed] == [("acknowledged", leader, 1)]


async def test_bad_links_are_refused_and_change_nothing(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        college, teacher, _, _ = await _setup(client, services)
        await _report(client, services, college, teacher)
        notice = await wait_notice(client, services, college, teacher, "incident_alert")
        token = ack_token(notice)
        body, _, mac = token.partition(".")
        forged = f"{body}.{'A' * len(mac)}"
        assert (await client.post(url_of(services, f"/ack/{forged}"))).status_code == 403
        assert (await client.get(url_of(services, f"/ack/{forged}"))).status_code == 403
        assert (await client.post(url_of(services, "/ack/not-a-token-at-all"))).status_code == 400
        chain_id = UUID((await client.get(url_of(services, f"/ack/{token}"))).json()["chain_id"])
        expired = sign_ack(
            AckClaim(college, chain_id, teacher, 0, datetime.now(UTC) - timedelta(seconds=1)),
            secret=LOCAL_LINK_SECRET.encode(),
        )
        assert (await client.post(url_of(services, f"/ack/{expired}"))).status_code == 410
        chains = await chains_of(client, services, college)
        assert chains[0]["acknowledgements"] == []


async def test_the_api_acknowledges_for_someone_told_and_refuses_others(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        college, teacher, leader, _ = await _setup(client, services)
        incident = await _report(client, services, college, teacher)
        await wait_notice(client, services, college, teacher, "incident_alert")
        chain = await _chain_for(client, services, college, incident["incident_id"])
        ack = url_of(services, f"/colleges/{college}/escalations/{chain['chain_id']}/acknowledge")
        stranger = await client.post(ack, headers=bearer(f"other-{college}", "teacher", college))
        assert stranger.status_code == 403
        elsewhere = await client.post(ack, headers=bearer(teacher, "teacher", "othercollege"))
        assert elsewhere.status_code == 403
        student = await client.post(ack, headers=bearer(teacher, "student", college))
        assert student.status_code == 403
        done = await client.post(ack, headers=bearer(teacher, "teacher", college))
        assert done.status_code == 200, done.text
        assert (done.json()["status"], done.json()["closed_by"]) == ("acknowledged", teacher)
        await asyncio.sleep(WAIT_S + 2)
        assert await notices_of_kind(client, services, college, leader, "incident_alert") == []


async def test_a_college_sets_its_waits_and_bad_ones_are_refused(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    run = run_id()
    college = f"e{run}"
    async with httpx.AsyncClient(timeout=10) as client:
        for waits in ([60, 60], [0, 60, 60], [60, 60, 10**8]):
            refused = await set_waits(client, services, college, "incident", waits)
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["field"] == "step_waits_s"
        policy = url_of(services, f"/colleges/{college}/escalation-policies/incident")
        unchanged = await client.get(
            policy, headers=bearer(f"{college}-admin", "college_admin", college)
        )
        assert unchanged.json()["step_waits_s"] == [600, 900, 1800]
        assert (await set_waits(client, services, college, "unknown", [1])).status_code == 422
        teacher = await client.put(
            policy, json={"step_waits_s": [1, 1, 1]}, headers=bearer("t", "teacher", college)
        )
        assert teacher.status_code == 403


async def test_an_unanswered_chain_reaches_the_office_and_closes_exhausted(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        college, teacher, leader, office = await _setup(client, services)
        incident = await _report(client, services, college, teacher)
        await wait_notice(client, services, college, office, "incident_alert", timeout_s=40)
        chain = await _chain_for(client, services, college, incident["incident_id"])

        async def exhausted() -> bool:
            found = await _chain_for(client, services, college, incident["incident_id"])
            return bool(found["status"] == "exhausted")

        await wait_until(exhausted, timeout_s=30, what="the chain exhausted")
        chain = await _chain_for(client, services, college, incident["incident_id"])
        assert [s["role"] for s in chain["steps"]] == [
            "teacher",
            "grade_leader",
            "moral_education_office",
        ]
        assert chain["closed_by"] is None and chain["next_step_at"] is None
        for person in (teacher, leader, office):
            told = await notices_of_kind(client, services, college, person, "incident_alert")
            assert len(told) == 1
        # A late acknowledgement is recorded; the chain stays as it closed.
        late = await client.post(
            url_of(
                services,
                f"/colleges/{college}/escalations/{chain['chain_id']}/acknowledge",
            ),
            headers=bearer(office, "officer", college),
        )
        assert late.status_code == 200, late.text
        assert late.json()["status"] == "exhausted"
        assert [a["person_id"] for a in late.json()["acknowledgements"]] == [office]
