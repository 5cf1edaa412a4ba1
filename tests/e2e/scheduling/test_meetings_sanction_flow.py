"""The sanction end to end, every hop real: recruitment admits a member to a department
(intake API) → MembershipStarted reaches scheduling's member pool → five late arrivals
are taken at meetings → AttendanceSanctionImposed on Kafka → recruitment ends the
membership as compulsory withdrawal → MembershipEnded on Kafka, and scheduling's pool
no longer counts the person a member."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.events.recruitment import MembershipEnded
from shared.events.scheduling import AttendanceSanctionImposed
from tests.e2e.scheduling.meetings_support import (
    OFFICER,
    api,
    meeting,
    student,
    take,
    unique,
    wait_for_events,
)
from tests.support.kafka import wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def admit(client: httpx.AsyncClient, recruitment: str, person: str, department: str) -> None:
    """Through recruitment's intake API: the way a department membership comes to be."""
    intake = unique("mtg")
    form = {"intake_id": intake, "title": "补录", "departments": {department: 1}}
    assert (
        await client.post(f"{recruitment}/intakes", json=form, headers=OFFICER)
    ).status_code == 201
    applied = await client.post(
        f"{recruitment}/intakes/{intake}/applications",
        json={"name": "赵敏", "choices": [department]},
        headers=student(person),
    )
    assert applied.status_code == 201, applied.text
    scored = await client.put(
        f"{recruitment}/intakes/{intake}/applications/{person}/assessments/{department}",
        json={"communication": 80, "planning": 80},
        headers=OFFICER,
    )
    assert scored.status_code == 200, scored.text
    published = await client.post(f"{recruitment}/intakes/{intake}/publish", headers=OFFICER)
    assert published.status_code == 200, published.text


async def memberships(
    client: httpx.AsyncClient, recruitment: str, person: str
) -> list[dict[str, Any]]:
    response = await client.get(f"{recruitment}/people/{person}/memberships", headers=OFFICER)
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_five_late_arrivals_end_the_membership_in_recruitment(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    recruitment = f"{services['recruitment']}/api/recruitment/colleges/cs"
    base = api(services)
    # A department of the student union (recruitment knows only those); the term is this
    # test's own, so only its meetings count.
    department, term, person = "finance", unique("t"), unique("cs")
    start = datetime.now(UTC) - timedelta(days=40)
    async with httpx.AsyncClient(timeout=15) as client:
        await admit(client, recruitment, person, department)
        [membership] = await memberships(client, recruitment, person)
        assert membership["active"] and membership["organisation_id"] == department

        meetings = [
            await meeting(
                client, base, department=department, term=term, starts_at=start + timedelta(weeks=w)
            )
            for w in range(5)
        ]

        async def in_the_pool() -> bool:
            read = await client.get(f"{base}/meetings/{meetings[0]['meeting_id']}", headers=OFFICER)
            return any(p["person_id"] == person and p["member"] for p in read.json()["people"])

        await wait_until(
            in_the_pool, timeout_s=60, what="MembershipStarted to reach scheduling's pool"
        )

        for n, held in enumerate(meetings):
            taken = await take(client, base, held["meeting_id"], [(person, "late")])
            assert taken.status_code == 200, taken.text
            expected = [("late_arrivals", "compulsory_withdrawal")] if n == 4 else []
            assert [(s["rule"], s["sanction"]) for s in taken.json()["sanctions"]] == expected

        async def ended() -> bool:
            return not (await memberships(client, recruitment, person))[0]["active"]

        await wait_until(ended, timeout_s=60, what="recruitment to end the membership")
        [after] = await memberships(client, recruitment, person)
        assert (after["how_ended"], after["id"]) == ("compulsory_withdrawal", membership["id"])
        assert "迟到累计5次" in after["end_reason"]
        on_file = await client.get(f"{recruitment}/people/{person}/sanctions", headers=OFFICER)
        assert [(s["sanction"], s["effect"]) for s in on_file.json()["items"]] == [
            ("compulsory_withdrawal", "membership_ended")
        ]

        async def left_the_pool() -> bool:
            read = await client.get(f"{base}/meetings/{meetings[0]['meeting_id']}", headers=OFFICER)
            return [p["member"] for p in read.json()["people"] if p["person_id"] == person] == [
                False
            ]

        await wait_until(
            left_the_pool, timeout_s=60, what="MembershipEnded to reach scheduling's pool"
        )
        # No longer a member: a new meeting of the department does not list them.
        later = await meeting(
            client, base, department=department, term=term, starts_at=start + timedelta(weeks=5)
        )
        read = await client.get(f"{base}/meetings/{later['meeting_id']}", headers=OFFICER)
        assert person not in {p["person_id"] for p in read.json()["people"]}

    [sanction] = await wait_for_events(
        stack.kafka_bootstrap, AttendanceSanctionImposed.event_type, person, 1
    )
    assert (sanction["organisation_kind"], sanction["organisation_id"], sanction["term"]) == (
        "department",
        department,
        term,
    )
    [ended_event] = await wait_for_events(
        stack.kafka_bootstrap, MembershipEnded.event_type, person, 1
    )
    assert (ended_event["how"], ended_event["membership_id"]) == (
        "compulsory_withdrawal",
        membership["id"],
    )
