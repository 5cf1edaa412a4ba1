"""Annulling an officer's sanction end to end, and one dismissal at a time: a sanction
imposed by mistake is annulled by an officer or the chair with the reason; it is kept and
shown with its annulment, it no longer counts at the next publish while the versions
published before keep their figures and evidence; StaffSanctionAnnulled is on Kafka and
the member is told (处分撤销通知). Refused annulments and second dismissals change nothing."""

from __future__ import annotations

import asyncio
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.staff_support import base_url, new_term
from tests.e2e.evaluation.test_staff_sanctions import (
    CHAIR,
    DISMISSED_FROM,
    OFFICER,
    OFFICER_ID,
    REASON,
    figures,
    impose,
    notice_kinds,
    problem,
    publish,
    put_term,
    scored_member,
)
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

ANNULLED = "campusflow.evaluation.staff_sanction.annulled.v1"
IMPOSED = "campusflow.evaluation.staff_sanction.imposed.v1"
WHY = "经核实，离岗期间系按部长安排外出送材料"
HELD = "SELECT count(*) FROM evaluation.staff_sanctions WHERE term = $1 AND person_id = $2"
STANDING = HELD + " AND annulled_at IS NULL"


async def annul(
    client: httpx.AsyncClient,
    base: str,
    term: str,
    person: str,
    sanction_id: str,
    body: dict[str, object],
    headers: dict[str, str] = CHAIR,
) -> httpx.Response:
    return await client.post(
        f"{base}/terms/{term}/sanctions/{person}/{sanction_id}/annulment",
        json=body,
        headers=headers,
    )


async def test_an_annulled_sanction_is_kept_counts_no_more_and_is_told(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base, term, person = base_url(services), new_term(), f"m-{uuid4().hex[:8]}"
    async with httpx.AsyncClient(timeout=20) as client:
        await put_term(client, base, term)
        first = await scored_member(client, base, term, person)
        dismissal = {"kind": "dismissal", "reason": REASON, **DISMISSED_FROM}
        imposed = await impose(client, base, term, person, dismissal)
        assert imposed.status_code == 201, imposed.text
        sanction = imposed.json()
        sanction_id = sanction["sanction_id"]
        assert (sanction["annulled_at"], sanction["annulled_by"], sanction["annul_reason"]) == (
            None,
            None,
            None,
        )
        second = await publish(client, base, term, person)
        assert second.status_code == 201 and second.json()["total"] == pytest.approx(52.5)

        annulled = await annul(client, base, term, person, sanction_id, {"reason": WHY})
        assert annulled.status_code == 201, annulled.text
        body = annulled.json()
        assert {k: v for k, v in body.items() if k not in ("annulled_at", "annulled_by")} == {
            **{k: v for k, v in sanction.items() if k not in ("annulled_at", "annulled_by")},
            "annul_reason": WHY,
        }
        assert body["annulled_by"] == "cs-chair" and body["annulled_at"]

        # Listed with its annulment; the member sees neither officer's id.
        listed = await client.get(f"{base}/terms/{term}/sanctions/{person}", headers=OFFICER)
        assert listed.status_code == 200 and listed.json()["sanctions"] == [body]
        member = bearer(person, "student", COLLEGE)
        own = await client.get(f"{base}/terms/{term}/sanctions/{person}", headers=member)
        [shown] = own.json()["sanctions"]
        assert (shown["imposed_by"], shown["annulled_by"]) == (None, None)
        assert (shown["annul_reason"], shown["annulled_at"]) == (WHY, body["annulled_at"])

        # The next publish counts it no more: the figures of version 1 again.
        third = await publish(client, base, term, person)
        assert third.status_code == 201, third.text
        assert third.json()["version"] == 3
        assert third.json()["total"] == pytest.approx(77.5)
        assert third.json()["figures"] == first["figures"]
        assert figures(third.json())["conduct"]["value"] == 1.0
        traced = await client.get(f"{base}/terms/{term}/assessments/{person}", headers=OFFICER)
        assert traced.json()["officer_sanctions"] == []
        # Version 2 never changes: its figures and the sanction it was computed from.
        old = await client.get(
            f"{base}/terms/{term}/assessments/{person}", params={"version": 2}, headers=OFFICER
        )
        assert old.status_code == 200, old.text
        assert old.json()["figures"] == second.json()["figures"]
        assert old.json()["total"] == pytest.approx(52.5)
        assert old.json()["officer_sanctions"] == [body]
        again = await publish(client, base, term, person)
        assert again.status_code == 200 and again.json()["version"] == 3

        # A dismissal annulled: another may be imposed.
        redo = await impose(client, base, term, person, {**dismissal, "reason": "另案"})
        assert redo.status_code == 201, redo.text

        async def told() -> bool:
            return bool(await events_keyed(stack.kafka_bootstrap, ANNULLED, person))

        await wait_until(told, timeout_s=30, what="StaffSanctionAnnulled")
        [event] = await events_keyed(stack.kafka_bootstrap, ANNULLED, person)
        assert event == {
            "college": COLLEGE,
            "sanction_id": sanction_id,
            "person_id": person,
            "term": term,
            "kind": "dismissal",
            "reason": WHY,
            "annulled_by": "cs-chair",
            "annulled_at": event["annulled_at"],
            **DISMISSED_FROM,  # the organisation the dismissal named, for recruitment
        }

        url = services["notifications"]

        async def noticed() -> bool:
            return "staff_sanction_annulled" in await notice_kinds(client, url, person)

        await wait_until(noticed, timeout_s=60, what="the staff_sanction_annulled notice")
        notice = (await notice_kinds(client, url, person))["staff_sanction_annulled"]
        assert notice["title"] == "处分撤销通知"
        assert "辞退" in notice["body"] and WHY in notice["body"] and term in notice["body"]
        assert "cs-chair" not in notice["body"] and "dismissal" not in notice["body"]
        assert notice["subject_id"] == sanction_id


async def test_refused_annulments_change_nothing(
    services: dict[str, str], stack: StackEndpoints, conn: asyncpg.Connection
) -> None:
    base, term, person = base_url(services), new_term(), f"m-{uuid4().hex[:8]}"
    good = {"reason": WHY}
    async with httpx.AsyncClient(timeout=20) as client:
        await put_term(client, base, term)
        await scored_member(client, base, term, person)
        imposed = await impose(client, base, term, person, {"kind": "warning", "reason": REASON})
        assert imposed.status_code == 201, imposed.text
        sanction_id = imposed.json()["sanction_id"]
        published = await publish(client, base, term, person)
        assert published.status_code == 201 and published.json()["version"] == 2

        student = bearer(person, "student", COLLEGE)
        another = bearer(f"x-{uuid4().hex[:6]}", "student", COLLEGE)
        teacher = bearer("cs-teacher-9", "teacher", COLLEGE)
        for who in (student, another, teacher):
            refused = await annul(client, base, term, person, sanction_id, good, who)
            assert refused.status_code == 403, refused.text
        # The member sanctioned, an officer too, does not annul their own.
        themself = bearer(person, "officer", COLLEGE)
        own = await annul(client, base, term, person, sanction_id, good, themself)
        assert own.status_code == 409 and problem(own) == {("person_id", "own_sanction")}
        # Another college: its token, or its path.
        foreign = bearer("fl-officer", "officer", "fl")
        assert (
            await annul(client, base, term, person, sanction_id, good, foreign)
        ).status_code == 403
        fl_base = base_url(services, "fl")
        assert (await annul(client, fl_base, term, person, sanction_id, good)).status_code == 403
        # Unknown: another id, the sanction under another member, term or college.
        other_term = new_term()
        await put_term(client, base, other_term)
        fl_officer = bearer("fl-officer", "officer", "fl")
        fl_term = await client.put(
            f"{fl_base}/terms/{term}",
            json={"starts_at": "2026-09-01T00:00:00Z", "ends_at": "2027-01-20T00:00:00Z"},
            headers=fl_officer,
        )
        assert fl_term.status_code == 200, fl_term.text
        for where, who, path in (
            (base, CHAIR, f"{term}/sanctions/{person}/{uuid4()}"),
            (base, CHAIR, f"{term}/sanctions/m-someone-else/{sanction_id}"),
            (base, CHAIR, f"{other_term}/sanctions/{person}/{sanction_id}"),
            (base, CHAIR, f"t-no-such-term/sanctions/{person}/{sanction_id}"),
            (fl_base, fl_officer, f"{term}/sanctions/{person}/{sanction_id}"),
        ):
            missing = await client.post(f"{where}/terms/{path}/annulment", json=good, headers=who)
            assert missing.status_code == 404, (path, missing.text)
        not_an_id = await annul(client, base, term, person, "not-a-uuid", good)
        assert not_an_id.status_code == 422, not_an_id.text
        for body in (
            {},
            {"reason": ""},
            {"reason": "   "},
            {"reason": "长" * 501},
            {"reason": "a\x00b"},
            {"reason": WHY, "annulled_by": "someone-else"},
        ):
            bad = await annul(client, base, term, person, sanction_id, body)
            assert bad.status_code == 422, (body, bad.text)
        huge = await annul(client, base, term, person, sanction_id, {"reason": "长" * 2_000_000})
        assert huge.status_code in (413, 422), huge.status_code

        assert await conn.fetchval(STANDING, term, person) == 1
        same = await publish(client, base, term, person)
        assert same.status_code == 200 and same.json()["version"] == 2

        # Once accepted; twice: 409, the first annulment kept.
        once = await annul(client, base, term, person, sanction_id, good, OFFICER)
        assert once.status_code == 201, once.text
        twice = await annul(client, base, term, person, sanction_id, {"reason": "再次撤销"})
        assert twice.status_code == 409 and problem(twice) == {("sanction_id", "already_annulled")}
        kept = await conn.fetchrow(
            "SELECT annulled_by, annul_reason FROM evaluation.staff_sanctions"
            " WHERE sanction_id = $1",
            UUID(sanction_id),
        )
        assert (kept["annulled_by"], kept["annul_reason"]) == (OFFICER_ID, WHY)

    async def told() -> bool:
        return bool(await events_keyed(stack.kafka_bootstrap, ANNULLED, person))

    await wait_until(told, timeout_s=30, what="StaffSanctionAnnulled")
    events = await events_keyed(stack.kafka_bootstrap, ANNULLED, person)
    assert [(e["sanction_id"], e["annulled_by"]) for e in events] == [(sanction_id, OFFICER_ID)]


async def test_one_dismissal_from_an_organisation_at_a_time(
    services: dict[str, str], stack: StackEndpoints, conn: asyncpg.Connection
) -> None:
    base, term = base_url(services), new_term()
    person, racer = f"m-{uuid4().hex[:8]}", f"m-{uuid4().hex[:8]}"
    dismissal = {"kind": "dismissal", "reason": REASON, **DISMISSED_FROM}
    async with httpx.AsyncClient(timeout=20) as client:
        await put_term(client, base, term)
        first = await impose(client, base, term, person, dismissal)
        assert first.status_code == 201, first.text
        for headers in (OFFICER, CHAIR):
            again = await impose(client, base, term, person, dismissal, headers)
            assert again.status_code == 409, again.text
            assert problem(again) == {("kind", "already_dismissed")}
        assert await conn.fetchval(HELD, term, person) == 1
        # Other kinds beside it are sanctions of their own.
        warning = await impose(client, base, term, person, {"kind": "warning", "reason": REASON})
        assert warning.status_code == 201, warning.text
        # A dismissal from another organisation the person belongs to is one of its own.
        from_corps = {**dismissal, "organisation_kind": "brigade", "organisation_id": "b-1"}
        other = await impose(client, base, term, person, from_corps)
        assert other.status_code == 201, other.text
        assert (await impose(client, base, term, person, from_corps, CHAIR)).status_code == 409
        assert await conn.fetchval(HELD, term, person) == 3  # two dismissals and the warning
        # Two dismissals asked at once: one stored.
        raced = await asyncio.gather(
            impose(client, base, term, racer, dismissal),
            impose(client, base, term, racer, dismissal, CHAIR),
        )
        assert sorted(r.status_code for r in raced) == [201, 409], [r.text for r in raced]
        assert await conn.fetchval(HELD, term, racer) == 1

    accepted = [r.json()["sanction_id"] for r in (first, warning, other)]

    async def told() -> bool:
        return len(await events_keyed(stack.kafka_bootstrap, IMPOSED, person)) >= 3

    await wait_until(told, timeout_s=30, what="StaffSanctionImposed")
    events = await events_keyed(stack.kafka_bootstrap, IMPOSED, person)
    assert [e["sanction_id"] for e in events] == accepted
