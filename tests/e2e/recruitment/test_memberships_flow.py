"""Membership lifecycle end to end: officers end memberships; attendance sanctions from Kafka.

The sanction events are produced to scheduling's topic exactly as scheduling's
outbox relay would (CloudEvents headers, key = person id); the running
recruitment service consumes them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
import pytest

from shared.events.recruitment import MembershipEnded
from shared.events.scheduling import AttendanceSanctionImposed, Sanction
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, publish, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def produce(bootstrap: str, *events: tuple[AttendanceSanctionImposed, UUID]) -> None:
    await publish(bootstrap, events)


def sanction(person: str, kind: Sanction, *, imposed_at: datetime) -> AttendanceSanctionImposed:
    return AttendanceSanctionImposed(
        college="cs",
        sanction_id=uuid4(),
        person_id=person,
        organisation_kind="department",
        organisation_id="publicity",
        sanction=kind,
        reason="无故缺席例会超过3次",
        term="2026-autumn",
        imposed_at=imposed_at,
    )


async def admit_to_publicity(client: httpx.AsyncClient, base: str, person: str) -> None:
    """Through the public intake API: the only way a department membership starts."""
    officer = bearer("cs-officer", "officer", "cs")
    intake = f"m-{uuid4().hex[:8]}"
    form = {"intake_id": intake, "title": "补录", "departments": {"publicity": 1}}
    assert (await client.post(f"{base}/intakes", json=form, headers=officer)).status_code == 201
    applied = await client.post(
        f"{base}/intakes/{intake}/applications",
        json={"name": "成员", "choices": ["publicity"]},
        headers=bearer(person, "student", "cs"),
    )
    assert applied.status_code == 201
    scored = await client.put(
        f"{base}/intakes/{intake}/applications/{person}/assessments/publicity",
        json={"communication": 80, "planning": 80},
        headers=officer,
    )
    assert scored.status_code == 200
    assert (
        await client.post(f"{base}/intakes/{intake}/publish", headers=officer)
    ).status_code == 200


async def memberships(client: httpx.AsyncClient, base: str, person: str) -> list[dict]:
    response = await client.get(
        f"{base}/people/{person}/memberships", headers=bearer("cs-officer", "officer", "cs")
    )
    assert response.status_code == 200
    items: list[dict] = response.json()["items"]
    return items


async def sanctions(client: httpx.AsyncClient, base: str, person: str) -> list[dict]:
    response = await client.get(
        f"{base}/people/{person}/sanctions", headers=bearer("cs-officer", "officer", "cs")
    )
    assert response.status_code == 200
    items: list[dict] = response.json()["items"]
    return items


async def test_an_officer_withdraws_a_member_once_with_a_reason(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = f"{services['recruitment']}/api/recruitment/colleges/cs"
    person = f"w-{uuid4().hex[:6]}"
    officer = bearer("cs-officer", "officer", "cs")
    async with httpx.AsyncClient(timeout=10) as client:
        await admit_to_publicity(client, base, person)
        [membership] = await memberships(client, base, person)
        url = f"{base}/memberships/{membership['id']}/end"
        missing = await client.post(url, json={"how": "withdrawn"}, headers=officer)
        assert missing.status_code == 422
        assert "reason" in {e["field"] for e in missing.json()["errors"]}
        wrong_how = await client.post(url, json={"how": "vanished", "reason": "r"}, headers=officer)
        assert wrong_how.status_code == 422
        other_college = await client.post(
            url, json={"how": "withdrawn", "reason": "r"}, headers=bearer("o", "officer", "fl")
        )
        assert other_college.status_code == 403
        student = await client.post(
            url, json={"how": "withdrawn", "reason": "r"}, headers=bearer(person, "student", "cs")
        )
        assert student.status_code == 403

        ended = await client.post(
            url, json={"how": "withdrawn", "reason": "学业繁忙"}, headers=officer
        )
        assert ended.status_code == 200, ended.text
        assert ended.json()["how_ended"] == "withdrawn"
        twice = await client.post(url, json={"how": "expelled", "reason": "x"}, headers=officer)
        assert twice.status_code == 409
        assert twice.json()["errors"][0]["rule"] == "membership_already_ended"
        unknown = await client.post(
            f"{base}/memberships/{uuid4()}/end",
            json={"how": "withdrawn", "reason": "r"},
            headers=officer,
        )
        assert unknown.status_code == 404

        own = await client.get(
            f"{base}/people/{person}/memberships", headers=bearer(person, "student", "cs")
        )
        assert own.status_code == 200
        classmate = await client.get(
            f"{base}/people/{person}/memberships", headers=bearer("other", "student", "cs")
        )
        assert classmate.status_code == 404  # another person's memberships: not theirs to see
        by_organisation = "/memberships?organisation_kind=department&organisation_id=publicity"
        for path in (
            f"/people/{person}/memberships",
            f"/people/{person}/sanctions",
            by_organisation,
        ):
            elsewhere = await client.get(base + path, headers=bearer("o", "officer", "fl"))
            assert elsewhere.status_code == 403, path
        too_many = await client.get(
            f"{base}/people/{person}/memberships?limit=201", headers=officer
        )
        assert too_many.status_code == 422

    async def announced() -> bool:
        ended = await events_keyed(stack.kafka_bootstrap, MembershipEnded.event_type, person)
        return any(e["how"] == "withdrawn" and e["reason"] == "学业繁忙" for e in ended)

    await wait_until(announced, timeout_s=30, what="MembershipEnded(withdrawn) on Kafka")


async def test_attendance_sanctions_end_memberships_once_and_only_when_they_should(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = f"{services['recruitment']}/api/recruitment/colleges/cs"
    run = uuid4().hex[:6]
    warned, withdrawn, outsider = f"warned-{run}", f"cw-{run}", f"outsider-{run}"
    async with httpx.AsyncClient(timeout=10) as client:
        await admit_to_publicity(client, base, warned)
        await admit_to_publicity(client, base, withdrawn)
        later = datetime.now(UTC) + timedelta(minutes=1)
        compulsory = sanction(withdrawn, "compulsory_withdrawal", imposed_at=later)
        redelivered_id = uuid4()
        await produce(
            stack.kafka_bootstrap,
            (sanction(warned, "verbal_warning", imposed_at=later), uuid4()),
            (compulsory, redelivered_id),
            (compulsory, redelivered_id),  # the same message delivered twice
            (compulsory, uuid4()),  # the same sanction re-sent under a new event id
            (sanction(outsider, "expulsion", imposed_at=later), uuid4()),
        )

        async def all_recorded() -> bool:
            found = [await sanctions(client, base, who) for who in (warned, withdrawn, outsider)]
            return all(found)

        await wait_until(all_recorded, timeout_s=40, what="the sanctions to be recorded")
        assert [s["effect"] for s in await sanctions(client, base, warned)] == ["recorded_only"]
        assert [s["effect"] for s in await sanctions(client, base, withdrawn)] == [
            "membership_ended"
        ]
        assert [s["effect"] for s in await sanctions(client, base, outsider)] == [
            "no_active_membership"
        ]
        assert [m["active"] for m in await memberships(client, base, warned)] == [True]
        [ended] = await memberships(client, base, withdrawn)
        assert (ended["active"], ended["how_ended"]) == (False, "compulsory_withdrawal")

        # Re-admitted later; an older expulsion arriving late must not end the new membership.
        await admit_to_publicity(client, base, withdrawn)
        stale = sanction(withdrawn, "expulsion", imposed_at=later - timedelta(days=1))
        await produce(stack.kafka_bootstrap, (stale, uuid4()))

        async def stale_recorded() -> bool:
            return len(await sanctions(client, base, withdrawn)) == 2

        await wait_until(stale_recorded, timeout_s=40, what="the late sanction to be recorded")
        effects = {s["sanction"]: s["effect"] for s in await sanctions(client, base, withdrawn)}
        assert effects["expulsion"] == "predates_membership"
        current = [m for m in await memberships(client, base, withdrawn) if m["active"]]
        assert len(current) == 1

    ended_events = await events_keyed(stack.kafka_bootstrap, MembershipEnded.event_type, withdrawn)
    assert [(e["how"], e["reason"]) for e in ended_events] == [
        ("compulsory_withdrawal", "无故缺席例会超过3次")
    ]
