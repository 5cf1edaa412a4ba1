"""The member pool end to end: recruitment's events on Kafka become scheduling's pool.

Enrolments and memberships are produced to recruitment's topics exactly as its outbox
relay would (CloudEvents headers, key = person id); the running scheduling service
consumes them. Redeliveries, the same fact under a new event id, and an end that
arrives before its start all leave the pool as the facts describe it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
import pytest

from shared.events.base import DomainEvent
from shared.events.codec import encode
from shared.events.recruitment import MembershipEnded, MembershipStarted, VolunteerEnrolled
from tests.e2e.scheduling.rotas_support import monday_ahead, new_crew, publish, read_rota, seats
from tests.support.auth import bearer
from tests.support.kafka import header, read_topic, send, wait_until
from tests.support.kafka import publish as publish_events
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

OFFICER = bearer("cs-officer", "officer", "cs")
T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


async def produce(bootstrap: str, *events: tuple[DomainEvent, UUID]) -> None:
    await publish_events(bootstrap, events)


def enrolled(person: str, skills: list[str], application: UUID | None = None) -> VolunteerEnrolled:
    return VolunteerEnrolled(
        college="cs",
        volunteer_id=person,
        campaign_id="2026-office-duty",
        application_id=application or uuid4(),
        skills=skills,
        availability_ref="",
        enrolled_at=T0,
    )


def started(person: str, membership: UUID, *, unit: str = "office") -> MembershipStarted:
    return MembershipStarted(
        college="cs",
        membership_id=membership,
        person_id=person,
        organisation_kind="department",
        organisation_id=unit,
        how="admitted",
        started_at=T0,
    )


def ended(person: str, membership: UUID, *, unit: str = "office") -> MembershipEnded:
    return MembershipEnded(
        college="cs",
        membership_id=membership,
        person_id=person,
        organisation_kind="department",
        organisation_id=unit,
        how="withdrawn",
        reason="学业繁忙",
        ended_at=T0 + timedelta(days=30),
    )


async def member(client: httpx.AsyncClient, base: str, person: str) -> dict | None:
    response = await client.get(f"{base}/members/{person}", headers=OFFICER)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    found: dict = response.json()
    return found


async def office(client: httpx.AsyncClient, base: str, **params: object) -> set[str]:
    query = {"organisation_kind": "department", "organisation_id": "office", "limit": 200}
    response = await client.get(f"{base}/members", params={**query, **params}, headers=OFFICER)
    assert response.status_code == 200, response.text
    return {item["person_id"] for item in response.json()["items"]}


async def test_enrolments_and_memberships_build_the_pool(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = f"{services['scheduling']}/api/scheduling/colleges/cs"
    person, returning = f"p-{uuid4().hex[:8]}", f"r-{uuid4().hex[:8]}"
    membership, first, second = uuid4(), uuid4(), uuid4()
    enrolment = enrolled(person, ["publicity"])
    redelivered = uuid4()
    await produce(
        stack.kafka_bootstrap,
        (enrolment, redelivered),
        (enrolment, redelivered),  # a redelivery: the inbox skips it
        (enrolment, uuid4()),  # the same enrolment again under a new event id
        (enrolled(person, ["english", "publicity"]), uuid4()),  # a second campaign
        (started(person, membership), uuid4()),
        (started(person, membership), uuid4()),  # the same start, new event id
        # `returning` left the office and joined again: two memberships, one current.
        (started(returning, first), uuid4()),
        (ended(returning, first), uuid4()),
        (started(returning, second), uuid4()),
    )
    async with httpx.AsyncClient(timeout=10) as client:

        async def arrived() -> bool:
            found = await member(client, base, returning)
            return (
                found is not None
                and len(found["memberships"]) == 2
                and (
                    (await member(client, base, person) or {}).get("skills")
                    == ["english", "publicity"]
                )
            )

        await wait_until(arrived, timeout_s=30, what="the enrolments and memberships")
        found = await member(client, base, person)
        assert found is not None
        assert found["skills"] == ["english", "publicity"]
        assert found["enrolled_at"] == T0.isoformat().replace("+00:00", "Z")
        assert [m["membership_id"] for m in found["memberships"]] == [str(membership)]
        assert found["memberships"][0]["current"] is True
        again = await member(client, base, returning)
        assert again is not None
        current = {m["membership_id"]: m["current"] for m in again["memberships"]}
        assert current == {str(first): False, str(second): True}
        assert {person, returning} <= await office(client, base)
        by_skill = await client.get(
            f"{base}/members", params={"skill": "english", "limit": 200}, headers=OFFICER
        )
        assert person in {item["person_id"] for item in by_skill.json()["items"]}
        assert returning not in {item["person_id"] for item in by_skill.json()["items"]}


async def test_an_end_before_its_start_leaves_no_current_membership(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = f"{services['scheduling']}/api/scheduling/colleges/cs"
    person = f"o-{uuid4().hex[:8]}"
    membership = uuid4()
    # The end travels first (a replayed dead letter, a backfill); its start comes after
    # (one key, one partition: consumed in this order).
    await produce(stack.kafka_bootstrap, (ended(person, membership), uuid4()))
    await produce(stack.kafka_bootstrap, (started(person, membership), uuid4()))
    async with httpx.AsyncClient(timeout=10) as client:

        async def arrived() -> bool:
            found = await member(client, base, person)
            return found is not None and len(found["memberships"]) == 1

        await wait_until(arrived, timeout_s=30, what="the out-of-order membership")
        found = await member(client, base, person)
        assert found is not None
        [only] = found["memberships"]
        assert only["current"] is False
        assert only["ended_at"] is not None
        assert person not in await office(client, base)
        assert person in await office(client, base, include_former="true")


async def test_malformed_and_foreign_events_go_to_the_dead_letter_topic(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = f"{services['scheduling']}/api/scheduling/colleges/cs"
    person = f"d-{uuid4().hex[:8]}"
    membership = uuid4()
    good = encode(started(person, membership), source="/campusflow/recruitment", now=T0)
    payload = json.loads(good.value)
    del payload["membership_id"]
    # The same membership id claimed by another college: the rule refuses it.
    foreign = started(person, membership).model_copy(update={"college": "fl"})
    await send(stack.kafka_bootstrap, [(good, json.dumps(payload).encode())])
    await produce(stack.kafka_bootstrap, (started(person, membership), uuid4()))
    await produce(stack.kafka_bootstrap, (foreign, uuid4()))
    dead_letter_topic = f"{good.topic}.dlt"

    async def dead_letters() -> list[tuple[str | None, str | None]]:
        return [
            (header(r, "dlt_error_class"), header(r, "dlt_error_message"))
            for r in await read_topic(stack.kafka_bootstrap, dead_letter_topic)
            if header(r, "dlt_consumer") == "scheduling.member-pool" and r.key == person.encode()
        ]

    async def both_dead() -> bool:
        return len(await dead_letters()) >= 2

    await wait_until(both_dead, timeout_s=30, what="two dead letters")
    letters = await dead_letters()
    assert any(kind == "MalformedEvent" for kind, _ in letters), letters
    assert any("membership_of_another_college" in (message or "") for _, message in letters)
    async with httpx.AsyncClient(timeout=10) as client:
        found = await member(client, base, person)
        assert found is not None
        assert [m["membership_id"] for m in found["memberships"]] == [str(membership)]
        fl = await client.get(
            f"{services['scheduling']}/api/scheduling/colleges/fl/members/{person}",
            headers=bearer("fl-officer", "officer", "fl"),
        )
        assert fl.status_code == 404


async def test_the_pool_is_for_officers_and_each_member_sees_their_own(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = f"{services['scheduling']}/api/scheduling/colleges/cs"
    person = f"s-{uuid4().hex[:8]}"
    await produce(stack.kafka_bootstrap, (started(person, uuid4()), uuid4()))
    async with httpx.AsyncClient(timeout=10) as client:

        async def arrived() -> bool:
            return await member(client, base, person) is not None

        await wait_until(arrived, timeout_s=30, what="the member")
        student = bearer(person, "student", "cs")
        assert (await client.get(f"{base}/members", headers=student)).status_code == 403
        other_college = await client.get(
            f"{base}/members", headers=bearer("fl-officer", "officer", "fl")
        )
        assert other_college.status_code == 403
        own = await client.get(f"{base}/members/{person}", headers=student)
        assert own.status_code == 200
        classmate = await client.get(
            f"{base}/members/{person}", headers=bearer("someone-else", "student", "cs")
        )
        assert classmate.status_code == 404
        unknown = await client.get(f"{base}/members/nobody-{uuid4().hex[:6]}", headers=OFFICER)
        assert unknown.status_code == 404
        half = await client.get(
            f"{base}/members", params={"organisation_id": "office"}, headers=OFFICER
        )
        assert half.status_code == 422
        assert half.json()["errors"][0]["field"] == "organisation_kind"


async def test_a_member_who_leaves_every_organisation_gives_up_their_rota_seats(
    services: dict[str, str], stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    """Through the consumer: leaving one department of two keeps the seats; leaving the
    last one repairs every published rota they hold upcoming seats on."""
    crew = new_crew()
    person = crew("n1")
    office_membership, publicity_membership = uuid4(), uuid4()
    await produce(
        stack.kafka_bootstrap,
        (started(person, office_membership), uuid4()),
        (started(person, publicity_membership, unit="publicity"), uuid4()),
    )
    async with httpx.AsyncClient(base_url=services["scheduling"], timeout=30) as client:
        detail = await publish(client, service_dsns["scheduling"], crew, start=monday_ahead(1))
        assert "n1" in seats(detail, crew).values()
        base = "/api/scheduling/colleges/cs"

        async def memberships_ended(count: int) -> bool:
            found = await member(client, base, person)
            ended_ones = [m for m in (found or {}).get("memberships", []) if not m["current"]]
            return len(ended_ones) == count

        await produce(stack.kafka_bootstrap, (ended(person, office_membership), uuid4()))
        await wait_until(lambda: memberships_ended(1), timeout_s=30, what="the office end")
        still = seats(await read_rota(client, detail["rota_id"]), crew)
        assert "n1" in still.values()  # still in publicity: the seats stand

        await produce(
            stack.kafka_bootstrap,
            (ended(person, publicity_membership, unit="publicity"), uuid4()),
        )
        await wait_until(lambda: memberships_ended(2), timeout_s=30, what="the last end")
        after = seats(await read_rota(client, detail["rota_id"]), crew)
        assert "n1" not in after.values()
        assert len(after) == 10  # every freed seat found another member
