"""Officers' sanctions end to end (DOMAIN.md §3: warning, notice of criticism, dismissal):
an officer or the chair imposes one on a member for a term; it is an event on Kafka and a
notice to the member; the member's next published assessment lowers conduct as the rules
say, and its evidence names the sanction. Refused requests change nothing."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

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
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

OFFICER_ID = "cs-officer-3"
OFFICER = bearer(OFFICER_ID, "officer", COLLEGE)
CHAIR = bearer("cs-chair", "college_admin", COLLEGE)
IMPOSED = "campusflow.evaluation.staff_sanction.imposed.v1"
PUBLISHED = "campusflow.evaluation.staff_assessment.published.v1"
SCORES = {"attitude": 7, "ability": 7, "teamwork": 7}
REASON = "值班期间擅自离岗，经提醒仍未改正"
DISMISSED_FROM = {"organisation_kind": "department", "organisation_id": "office"}
NO_ORGANISATION = {"organisation_kind": None, "organisation_id": None}


async def put_term(client: httpx.AsyncClient, base: str, term: str) -> None:
    body = {"starts_at": T0.isoformat(), "ends_at": TERM_ENDS.isoformat()}
    response = await client.put(f"{base}/terms/{term}", json=body, headers=OFFICER)
    assert response.status_code == 200, response.text


async def scored_member(client: httpx.AsyncClient, base: str, term: str, person: str) -> dict:
    """The member scored 7/10 on each member criterion and published: version 1, conduct 1,
    total 77.5 ((0.08 × 1 + 0.24 × 0.7) / 0.32)."""
    scored = await client.put(f"{base}/terms/{term}/scores/{person}", json=SCORES, headers=OFFICER)
    assert scored.status_code == 200, scored.text
    first = await publish(client, base, term, person)
    assert first.status_code == 201, first.text
    assert first.json()["total"] == pytest.approx(77.5)
    return dict(first.json())


async def publish(client: httpx.AsyncClient, base: str, term: str, person: str) -> httpx.Response:
    return await client.post(f"{base}/terms/{term}/assessments/{person}/publish", headers=OFFICER)


async def impose(
    client: httpx.AsyncClient,
    base: str,
    term: str,
    person: str,
    body: dict[str, Any],
    headers: dict[str, str] = OFFICER,
) -> httpx.Response:
    return await client.post(f"{base}/terms/{term}/sanctions/{person}", json=body, headers=headers)


def figures(assessment: dict) -> dict[str, dict]:
    return {f["name"]: f for f in assessment["figures"]}


def problem(response: httpx.Response) -> set[tuple[str, str]]:
    return {(e["field"], e["rule"]) for e in response.json().get("errors", [])}


async def notice_kinds(client: httpx.AsyncClient, url: str, person: str) -> dict[str, dict]:
    response = await client.get(
        f"{url}/api/notifications/me",
        params={"limit": 200},
        headers=bearer(person, "student", COLLEGE),
    )
    assert response.status_code == 200, response.text
    return {n["kind"]: n for n in response.json()["items"]}


@pytest.mark.parametrize(
    ("kind", "conduct", "total", "zh"),
    [
        pytest.param("warning", 0.5, 65.0, "警告", id="warning"),
        pytest.param("notice_of_criticism", 0.0, 52.5, "通报批评", id="notice_of_criticism"),
        pytest.param("dismissal", 0.0, 52.5, "辞退", id="dismissal"),
    ],
)
async def test_each_kind_lowers_conduct_is_published_and_named_by_the_evidence(
    services: dict[str, str],
    stack: StackEndpoints,
    kind: str,
    conduct: float,
    total: float,
    zh: str,
) -> None:
    base, term, person = base_url(services), new_term(), f"m-{uuid4().hex[:8]}"
    async with httpx.AsyncClient(timeout=20) as client:
        await put_term(client, base, term)
        first = await scored_member(client, base, term, person)

        # A dismissal names the organisation the member leaves; the other kinds none.
        named = DISMISSED_FROM if kind == "dismissal" else NO_ORGANISATION
        body = {"kind": kind, "reason": REASON, **{k: v for k, v in named.items() if v}}
        imposed = await impose(client, base, term, person, body)
        assert imposed.status_code == 201, imposed.text
        sanction = imposed.json()
        assert (sanction["kind"], sanction["reason"], sanction["imposed_by"]) == (
            kind,
            REASON,
            OFFICER_ID,
        )
        assert {k: sanction[k] for k in named} == named
        assert (sanction["term"], sanction["person_id"]) == (term, person)
        sanction_id = sanction["sanction_id"]
        listed = await client.get(f"{base}/terms/{term}/sanctions/{person}", headers=CHAIR)
        assert listed.status_code == 200, listed.text
        assert [s["sanction_id"] for s in listed.json()["sanctions"]] == [sanction_id]

        second = await publish(client, base, term, person)
        assert second.status_code == 201, second.text
        assert second.json()["version"] == 2
        # (0.08 × conduct + 0.24 × 0.7) / 0.32
        assert second.json()["total"] == pytest.approx(total)
        got = figures(second.json())
        assert got["conduct"]["value"] == pytest.approx(conduct)
        assert got["sanctions"]["value"] == 1
        for name in ("conduct", "sanctions", "total"):
            assert got[name]["sanctions"] == [sanction_id]
            assert sanction_id not in got[name]["events"]
        assert got["attitude"]["sanctions"] == []
        again = await publish(client, base, term, person)
        assert again.status_code == 200 and again.json()["version"] == 2

        traced = await client.get(f"{base}/terms/{term}/assessments/{person}", headers=OFFICER)
        assert traced.status_code == 200, traced.text
        [evidence] = traced.json()["officer_sanctions"]
        assert evidence == sanction
        old = await client.get(
            f"{base}/terms/{term}/assessments/{person}", params={"version": 1}, headers=OFFICER
        )
        assert old.json()["officer_sanctions"] == []
        assert old.json()["figures"] == first["figures"]

        # The member sees the sanction behind their figure, not who imposed it.
        member = bearer(person, "student", COLLEGE)
        own = await client.get(f"{base}/terms/{term}/assessments/{person}", headers=member)
        assert own.status_code == 200, own.text
        [shown] = own.json()["officer_sanctions"]
        assert shown["sanction_id"] == sanction_id and shown["imposed_by"] is None
        own_list = await client.get(f"{base}/terms/{term}/sanctions/{person}", headers=member)
        assert own_list.status_code == 200, own_list.text
        assert [(s["kind"], s["imposed_by"]) for s in own_list.json()["sanctions"]] == [
            (kind, None)
        ]

        # Told: the event on Kafka, then the notice in the member's inbox.
        async def told() -> bool:
            return bool(await events_keyed(stack.kafka_bootstrap, IMPOSED, person))

        await wait_until(told, timeout_s=30, what="StaffSanctionImposed")
        [event] = await events_keyed(stack.kafka_bootstrap, IMPOSED, person)
        assert event == {
            "college": COLLEGE,
            "sanction_id": sanction_id,
            "person_id": person,
            "term": term,
            "kind": kind,
            "reason": REASON,
            "imposed_by": OFFICER_ID,
            "imposed_at": event["imposed_at"],
            **named,
        }
        assert UUID(event["sanction_id"])
        published = await events_keyed(stack.kafka_bootstrap, PUBLISHED, person)
        assert [p["total"] for p in published] == [pytest.approx(77.5), pytest.approx(total)]
        conduct_figure = {f["name"]: f for f in published[1]["figures"]}["conduct"]
        assert conduct_figure["value"] == pytest.approx(conduct)
        assert conduct_figure["events"] == 1

        url = services["notifications"]

        async def noticed() -> bool:
            return "staff_sanction" in await notice_kinds(client, url, person)

        await wait_until(noticed, timeout_s=60, what="the staff_sanction notice")
        notice = (await notice_kinds(client, url, person))["staff_sanction"]
        assert notice["title"] == "处分通知"
        assert zh in notice["body"] and REASON in notice["body"] and term in notice["body"]
        assert notice["subject_id"] == sanction_id


async def test_officers_sanctions_add_up_with_schedulings(
    services: dict[str, str], stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    """A member with scheduling's verbal warning (conduct 0.5): an officer's warning takes
    conduct to 0, and the figure names both the event and the officer's sanction."""
    base, term = base_url(services), new_term()
    person = f"m-{uuid4().hex[:8]}"
    duty = DutyTerm(person, term).build(other=f"o-{uuid4().hex[:6]}")
    await produce(stack.kafka_bootstrap, duty.events)
    await wait_facts(service_dsns["evaluation"], person, {i for _, i in duty.events})
    async with httpx.AsyncClient(timeout=20) as client:
        await put_term(client, base, term)
        first = await publish(client, base, term, person)
        assert first.status_code == 201, first.text
        assert figures(first.json())["conduct"]["value"] == pytest.approx(0.5)

        by_chair = await impose(
            client, base, term, person, {"kind": "warning", "reason": "交接班记录不实"}, CHAIR
        )
        assert by_chair.status_code == 201, by_chair.text
        sanction_id = by_chair.json()["sanction_id"]
        second = await publish(client, base, term, person)
        assert second.status_code == 201, second.text
        got = figures(second.json())
        assert got["conduct"]["value"] == 0.0
        assert got["sanctions"]["value"] == 2
        assert {UUID(i) for i in got["conduct"]["events"]} == duty.ids("sanction")
        assert got["conduct"]["sanctions"] == [sanction_id]
        assert second.json()["total"] < first.json()["total"]

        traced = await client.get(f"{base}/terms/{term}/assessments/{person}", headers=OFFICER)
        body = traced.json()
        assert {UUID(e["event_id"]) for e in body["evidence"]} >= duty.ids("sanction")
        assert [s["sanction_id"] for s in body["officer_sanctions"]] == [sanction_id]
        assert body["officer_sanctions"][0]["imposed_by"] == "cs-chair"


async def test_refused_sanctions_change_nothing(
    services: dict[str, str], stack: StackEndpoints, conn: asyncpg.Connection
) -> None:
    base, term, person = base_url(services), new_term(), f"m-{uuid4().hex[:8]}"
    good = {"kind": "warning", "reason": REASON}
    async with httpx.AsyncClient(timeout=20) as client:
        # An unknown term: refused as the scores route refuses it.
        unknown = await impose(client, base, term, person, good)
        assert unknown.status_code == 404, unknown.text
        listing = await client.get(f"{base}/terms/{term}/sanctions/{person}", headers=OFFICER)
        assert listing.status_code == 404, listing.text
        await put_term(client, base, term)
        first = await scored_member(client, base, term, person)

        student = bearer(person, "student", COLLEGE)
        another = bearer(f"x-{uuid4().hex[:6]}", "student", COLLEGE)
        teacher = bearer("cs-teacher-9", "teacher", COLLEGE)
        for who in (student, another, teacher):
            assert (await impose(client, base, term, person, good, who)).status_code == 403
        own = await impose(client, base, term, OFFICER_ID, good)
        assert own.status_code == 409, own.text
        assert problem(own) == {("person_id", "own_sanction")}
        chair_own = await impose(client, base, term, "cs-chair", good, CHAIR)
        assert chair_own.status_code == 409 and problem(chair_own) == {
            ("person_id", "own_sanction")
        }
        for body, field in (
            ({"kind": "warning"}, "reason"),
            ({"kind": "warning", "reason": ""}, "reason"),
            ({"kind": "warning", "reason": "   "}, "reason"),
            ({"kind": "warning", "reason": "长" * 501}, "reason"),
            ({"kind": "warning", "reason": "a\x00b"}, "reason"),
            ({"kind": "expulsion", "reason": REASON}, "kind"),
            ({"kind": "reprimand", "reason": REASON}, "kind"),
            ({"reason": REASON}, "kind"),
            ({**good, "imposed_by": "someone-else"}, "imposed_by"),
            # A dismissal names the organisation the member leaves, both kind and id; the
            # other kinds name none.
            ({"kind": "dismissal", "reason": REASON}, "organisation_kind"),
            (
                {"kind": "dismissal", "reason": REASON, "organisation_kind": "department"},
                "organisation_id",
            ),
            ({"kind": "dismissal", "reason": REASON, "organisation_id": "x"}, "organisation_kind"),
            (
                {
                    "kind": "dismissal",
                    "reason": REASON,
                    **DISMISSED_FROM,
                    "organisation_kind": "club",
                },
                "organisation_kind",
            ),
            ({**good, **DISMISSED_FROM}, "organisation_kind"),
        ):
            bad = await impose(client, base, term, person, body)
            assert bad.status_code == 422, (body, bad.text)
            assert {f for f, _ in problem(bad)} == {field}, bad.text
        huge = await client.post(
            f"{base}/terms/{term}/sanctions/{person}",
            json={"kind": "warning", "reason": "长" * 2_000_000},
            headers=OFFICER,
        )
        assert huge.status_code in (413, 422), huge.status_code
        # Another college: a token of another college, or a path of another college.
        foreign = bearer("fl-officer", "officer", "fl")
        assert (await impose(client, base, term, person, good, foreign)).status_code == 403
        fl_base = base_url(services, "fl")
        assert (await impose(client, fl_base, term, person, good)).status_code == 403
        assert (
            await client.get(f"{fl_base}/terms/{term}/sanctions/{person}", headers=OFFICER)
        ).status_code == 403

        held = "SELECT count(*) FROM evaluation.staff_sanctions WHERE term = $1"
        assert await conn.fetchval(held, term) == 0
        same = await publish(client, base, term, person)
        assert same.status_code == 200 and same.json()["version"] == 1
        assert same.json()["figures"] == first["figures"]
        # Reads: staff and the member see the (empty) list, another student nothing.
        for who in (OFFICER, CHAIR, student):
            seen = await client.get(f"{base}/terms/{term}/sanctions/{person}", headers=who)
            assert seen.status_code == 200 and seen.json()["sanctions"] == [], seen.text
        nosy = await client.get(f"{base}/terms/{term}/sanctions/{person}", headers=another)
        assert nosy.status_code == 404, nosy.text

        # One accepted afterwards: the only event of this member is that one.
        accepted = await impose(client, base, term, person, good)
        assert accepted.status_code == 201, accepted.text

    async def told() -> bool:
        return bool(await events_keyed(stack.kafka_bootstrap, IMPOSED, person))

    await wait_until(told, timeout_s=30, what="StaffSanctionImposed")
    events = await events_keyed(stack.kafka_bootstrap, IMPOSED, person)
    assert [e["sanction_id"] for e in events] == [accepted.json()["sanction_id"]]
