"""Withdrawing a member's published staff assessment end to end: a member whose only
record was a dismissal (total 0) has it annulled; publishing again stores a withdrawn
version (no total, no figures) in place of the one built on it, StaffAssessmentWithdrawn is
on Kafka and the member is told (考核结果撤回通知). Again with still nothing: unchanged. A
record that appears again gives a normal version, numbered on; so do facts that leave the
term's window and come back. Refused requests change nothing."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import asyncpg
import httpx
import pytest

from shared.events.scheduling import DutyCheckedIn
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.staff_support import (
    T0,
    TERM_ENDS,
    DutyTerm,
    base_url,
    new_term,
    produce,
    wait_facts,
)
from tests.e2e.evaluation.test_staff_sanction_annulment import WHY, annul
from tests.e2e.evaluation.test_staff_sanctions import (
    DISMISSED_FROM,
    OFFICER,
    PUBLISHED,
    REASON,
    SCORES,
    impose,
    notice_kinds,
    problem,
    publish,
    put_term,
)
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

WITHDRAWN = "campusflow.evaluation.staff_assessment.withdrawn.v1"
VERSIONS = "SELECT count(*) FROM evaluation.staff_assessments WHERE term = $1 AND person_id = $2"


async def latest(client: httpx.AsyncClient, base: str, term: str, person: str) -> dict:
    response = await client.get(f"{base}/terms/{term}/assessments/{person}", headers=OFFICER)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def told(client: httpx.AsyncClient, url: str, person: str, kind: str) -> dict:
    """The member's notice of the kind, once notifications has sent it."""

    async def arrived() -> bool:
        return kind in await notice_kinds(client, url, person)

    await wait_until(arrived, timeout_s=60, what=f"the {kind} notice")
    return (await notice_kinds(client, url, person))[kind]


async def test_a_dismissal_annulled_withdraws_the_assessment_built_on_it(
    services: dict[str, str], stack: StackEndpoints, conn: asyncpg.Connection
) -> None:
    base, term, person = base_url(services), new_term(), f"m-{uuid4().hex[:8]}"
    async with httpx.AsyncClient(timeout=20) as client:
        await put_term(client, base, term)
        dismissal = {"kind": "dismissal", "reason": REASON, **DISMISSED_FROM}
        imposed = await impose(client, base, term, person, dismissal)
        assert imposed.status_code == 201, imposed.text
        sanction_id = imposed.json()["sanction_id"]
        first = await publish(client, base, term, person)
        assert first.status_code == 201, first.text
        assert (first.json()["version"], first.json()["total"]) == (1, 0.0)
        assert first.json()["withdrawn"] is False
        annulled = await annul(client, base, term, person, sanction_id, {"reason": WHY})
        assert annulled.status_code == 201, annulled.text

        # Refused publishes change nothing: the member themself, a teacher, another college.
        fl_officer = bearer("fl-officer", "officer", "fl")
        for where, who in (
            (base, bearer(person, "student", COLLEGE)),
            (base, bearer(person, "officer", "fl")),
            (base, bearer("cs-teacher-9", "teacher", COLLEGE)),
            (base, fl_officer),
            (base_url(services, "fl"), OFFICER),
        ):
            refused = await client.post(
                f"{where}/terms/{term}/assessments/{person}/publish", headers=who
            )
            assert refused.status_code == 403, refused.text
        assert await conn.fetchval(VERSIONS, term, person) == 1
        assert (await latest(client, base, term, person))["version"] == 1

        # Nothing left to assess: a withdrawn version 2 in place of version 1.
        second = await publish(client, base, term, person)
        assert second.status_code == 201, second.text
        body = second.json()
        assert (body["version"], body["withdrawn"], body["total"], body["figures"]) == (
            2,
            True,
            None,
            [],
        )
        assert body["new_version"] is True and body["published_by"] == "cs-officer-3"
        shown = await latest(client, base, term, person)
        assert (shown["version"], shown["withdrawn"], shown["total"]) == (2, True, None)
        assert (shown["figures"], shown["evidence"], shown["officer_sanctions"]) == ([], [], [])
        # The member reads it withdrawn too; version 1 keeps its figures and the sanction.
        member = bearer(person, "student", COLLEGE)
        own = await client.get(f"{base}/terms/{term}/assessments/{person}", headers=member)
        assert own.status_code == 200 and own.json()["withdrawn"] is True
        old = await client.get(
            f"{base}/terms/{term}/assessments/{person}", params={"version": 1}, headers=member
        )
        assert old.status_code == 200, old.text
        assert (old.json()["withdrawn"], old.json()["total"]) == (False, 0.0)
        assert old.json()["figures"] == first.json()["figures"]
        [sanction] = old.json()["officer_sanctions"]
        assert (sanction["sanction_id"], sanction["annul_reason"]) == (sanction_id, WHY)
        # The term's list shows the member's latest version, withdrawn.
        listed = await client.get(f"{base}/terms/{term}/assessments", headers=OFFICER)
        assert listed.status_code == 200, listed.text
        [item] = [i for i in listed.json()["items"] if i["person_id"] == person]
        assert (item["version"], item["withdrawn"], item["total"]) == (2, True, None)

        # Again with still nothing: unchanged, no new version, no event.
        again = await publish(client, base, term, person)
        assert again.status_code == 200, again.text
        assert (again.json()["version"], again.json()["new_version"]) == (2, False)
        assert await conn.fetchval(VERSIONS, term, person) == 2

        # A record again: a normal version 3.
        scored = await client.put(
            f"{base}/terms/{term}/scores/{person}", json=SCORES, headers=OFFICER
        )
        assert scored.status_code == 200, scored.text
        third = await publish(client, base, term, person)
        assert third.status_code == 201, third.text
        assert (third.json()["version"], third.json()["withdrawn"]) == (3, False)
        assert third.json()["total"] == pytest.approx(77.5)

        # Never published and nothing to assess: still refused.
        nobody = await publish(client, base, term, f"m-{uuid4().hex[:8]}")
        assert nobody.status_code == 409 and problem(nobody) == {("person_id", "nothing_to_assess")}

        async def published_again() -> bool:
            return len(await events_keyed(stack.kafka_bootstrap, PUBLISHED, person)) >= 2

        # Version 3's event follows any withdrawal under the member's key: one withdrawal.
        await wait_until(published_again, timeout_s=30, what="StaffAssessmentPublished")
        events = await events_keyed(stack.kafka_bootstrap, WITHDRAWN, person)
        assert events == [
            {
                "college": COLLEGE,
                "assessment_id": body["assessment_id"],
                "person_id": person,
                "term": term,
                "version": 2,
                "withdrawn_at": events[0]["withdrawn_at"],
            }
        ]

        notice = await told(client, services["notifications"], person, "staff_assessment_withdrawn")
        assert notice["title"] == "考核结果撤回通知"
        assert term in notice["body"] and "cs-officer" not in notice["body"]
        assert notice["subject_id"] == body["assessment_id"]


async def test_facts_that_leave_the_window_withdraw_and_come_back_as_a_new_version(
    services: dict[str, str], stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    base, term, person = base_url(services), new_term(), f"m-{uuid4().hex[:8]}"
    duty, shift = DutyTerm(person, term), uuid4()
    duty.assigned(shift, day=3)  # on duty on day 3 of the term, and signed in on time
    signed_in = DutyCheckedIn(
        college=COLLEGE,
        shift_id=shift,
        person_id=person,
        post="值班室",
        checked_in_at=duty.at(3),
        late=False,
    )
    facts = [*duty.events, (signed_in, uuid4())]
    await produce(stack.kafka_bootstrap, facts)
    await wait_facts(service_dsns["evaluation"], person, {i for _, i in facts})
    async with httpx.AsyncClient(timeout=20) as client:
        await put_term(client, base, term)
        first = await publish(client, base, term, person)
        assert first.status_code == 201 and first.json()["total"] > 0, first.text

        later = {
            "starts_at": (T0 + timedelta(days=30)).isoformat(),
            "ends_at": TERM_ENDS.isoformat(),
        }
        moved = await client.put(f"{base}/terms/{term}", json=later, headers=OFFICER)
        assert moved.status_code == 200, moved.text
        second = await publish(client, base, term, person)
        assert second.status_code == 201, second.text
        assert (second.json()["version"], second.json()["withdrawn"]) == (2, True)

        await put_term(client, base, term)
        third = await publish(client, base, term, person)
        assert third.status_code == 201, third.text
        assert (third.json()["version"], third.json()["withdrawn"]) == (3, False)
        assert third.json()["figures"] == first.json()["figures"]

    async def withdrawn() -> bool:
        return bool(await events_keyed(stack.kafka_bootstrap, WITHDRAWN, person))

    await wait_until(withdrawn, timeout_s=30, what="StaffAssessmentWithdrawn")
    [event] = await events_keyed(stack.kafka_bootstrap, WITHDRAWN, person)
    assert (event["version"], event["assessment_id"]) == (2, second.json()["assessment_id"])
