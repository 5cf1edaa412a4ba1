"""Pairing (结对) through the real recruitment service and Kafka.

Children are registered through the beneficiary register's API. Volunteers are
inserted straight into the `volunteers` table: SETUP SHORTCUT, because the
campaign flow that enrols them (open, apply, screen, admit) does not let a test
set a volunteer's school, county and load limit. Each test uses a fresh college
so no other test's volunteers or children take part in its runs.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest

from services.recruitment.domain.selection import Volunteer
from services.recruitment.repository import volunteers as volunteers_repository
from shared.events.recruitment import PairingCreated, PairingEnded
from shared.events.registry import RECRUITMENT_PAIRINGS
from tests.e2e.recruitment.test_campaigns_flow import application_form, campaign_form
from tests.support.auth import bearer
from tests.support.kafka import header, read_topic, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

TOPIC = RECRUITMENT_PAIRINGS.name
CONTINUES = "延续上一期结对 continues last season's pairing"
WITHDREW = "志愿者退出 volunteer withdrew"


def a_college() -> str:
    return f"p{uuid4().hex[:10]}"


class County:
    """A fresh college with one county and its school, as an officer sees it."""

    def __init__(self, services: dict[str, str], dsn: str) -> None:
        self.college = a_college()
        self.school = f"xiaoxue-{uuid4().hex[:6]}"
        self.county = f"县{uuid4().hex[:6]}"
        self.dsn = dsn
        self.api = f"{services['recruitment']}/api/recruitment/colleges/{self.college}"
        self.officer = bearer("officer-1", "officer", self.college)

    async def register_child(
        self, client: httpx.AsyncClient, name: str, needs: list[str], school: str | None = None
    ) -> str:
        entry = {
            "school_id": school or self.school,
            "county": self.county,
            "grade": 4,
            "categories": ["left_behind"],
            "subject_needs": needs,
            "contact_card": {
                "name": name,
                "guardian_name": f"{name}的奶奶",
                "address": "新村3组",
                "phone": "138 0000 0000",
                "date_of_birth": "2016-03-01",
            },
        }
        created = await client.post(f"{self.api}/beneficiaries", json=entry, headers=self.officer)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    async def enrol_volunteer(
        self, volunteer_id: str, skills: list[str], *, max_children: int, school: str | None
    ) -> None:
        # SETUP SHORTCUT (see the module docstring): a row as enrolment would write it.
        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.execute(
                "INSERT INTO volunteers (college, volunteer_id, campaign_id, application_id, name,"
                " skills, county, school_id, max_children, enrolled_at, active)"
                " VALUES ($1, $2, 'summer-2026', $3, $4, $5, $6, $7, $8, now(), true)",
                self.college,
                volunteer_id,
                uuid4(),
                f"志愿者{volunteer_id}",
                skills,
                self.county,
                school,
                max_children,
            )
        finally:
            await conn.close()


async def pairing_events(bootstrap: str, keys: set[str]) -> list[tuple[str | None, dict[str, Any]]]:
    return [
        (header(r, "ce_type"), json.loads(r.value))
        for r in await read_topic(bootstrap, TOPIC)
        if r.key is not None and r.key.decode() in keys
    ]


async def wait_for_events(bootstrap: str, keys: set[str], count: int) -> list[Any]:
    seen: list[Any] = []

    async def arrived() -> bool:
        seen[:] = await pairing_events(bootstrap, keys)
        return len(seen) >= count

    await wait_until(arrived, timeout_s=30, what=f"{count} pairing events")
    return seen


async def test_a_run_pairs_every_child_of_the_school_and_announces_each_pair(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    place = County(services, service_dsns["recruitment"])
    await place.enrol_volunteer("v-english", ["英语"], max_children=1, school=place.school)
    await place.enrol_volunteer("v-math", ["数学"], max_children=2, school=None)
    async with httpx.AsyncClient(timeout=30) as client:
        kids = [
            await place.register_child(client, "小红", ["英语"]),
            await place.register_child(client, "小明", ["数学"]),
            await place.register_child(client, "小刚", ["数学", "英语"]),
        ]
        run = await client.post(
            f"{place.api}/pairing-runs", json={"school_id": place.school}, headers=place.officer
        )
        assert run.status_code == 201, run.text
        summary = run.json()
        assert summary["children_considered"] == 3
        assert summary["pairings_created"] == 3
        assert summary["children_unpaired"] == 0

        listed = await client.get(
            f"{place.api}/pairings",
            params={"run_id": summary["run_id"], "limit": 200},
            headers=place.officer,
        )
        assert listed.status_code == 200, listed.text
        pairs = listed.json()["items"]
        assert {p["beneficiary_id"] for p in pairs} == set(kids)
        assert Counter(p["volunteer_id"] for p in pairs) == {"v-english": 1, "v-math": 2}
        by_child = {p["beneficiary_id"]: p for p in pairs}
        assert by_child[kids[0]]["volunteer_id"] == "v-english"
        assert "同校 same school" in by_child[kids[0]]["reasons"]
        assert "覆盖需求 covers needs: 英语" in by_child[kids[0]]["reasons"]
        assert all(p["active"] and not p["manual"] for p in pairs)

        # The register's coverage report reads the pairings: the school is 100% paired.
        coverage = await client.get(f"{place.api}/beneficiaries/coverage", headers=place.officer)
        assert coverage.status_code == 200, coverage.text
        [school] = coverage.json()["schools"]
        assert (school["registered"], school["paired"], school["unpaired"]) == (3, 3, 0)

        again = await client.post(
            f"{place.api}/pairing-runs", json={"county": place.county}, headers=place.officer
        )
        assert again.status_code == 201
        assert again.json()["pairings_created"] == 0, "children already paired are left alone"

    events = await wait_for_events(stack.kafka_bootstrap, set(kids), 3)
    assert {t for t, _ in events} == {PairingCreated.event_type}
    assert {e["beneficiary_id"] for _, e in events} == set(kids)
    assert all(e["reasons"] and e["manual"] is False for _, e in events)


async def test_an_officer_overrides_and_ends_pairings_and_continuity_is_kept(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    place = County(services, service_dsns["recruitment"])
    await place.enrol_volunteer("v1", ["英语"], max_children=1, school=place.school)
    await place.enrol_volunteer("v2", ["体育"], max_children=1, school=None)
    async with httpx.AsyncClient(timeout=30) as client:
        kid = await place.register_child(client, "小芳", ["英语"])
        other = await place.register_child(client, "小军", ["英语"])
        url = f"{place.api}/pairings"
        first = await client.post(
            url,
            json={"beneficiary_id": kid, "volunteer_id": "v1", "reason": "家长希望"},
            headers=place.officer,
        )
        assert first.status_code == 201, first.text
        assert first.json()["manual"] is True
        assert first.json()["reasons"][0] == "人工指定 manual: 家长希望"

        duplicate = await client.post(
            url,
            json={"beneficiary_id": kid, "volunteer_id": "v1", "reason": "again"},
            headers=place.officer,
        )
        assert duplicate.status_code == 409
        assert duplicate.json()["errors"][0]["rule"] == "one_active_pairing_per_volunteer_and_child"

        overloaded = await client.post(
            url,
            json={"beneficiary_id": other, "volunteer_id": "v1", "reason": "同校"},
            headers=place.officer,
        )
        assert overloaded.status_code == 409
        assert overloaded.json()["errors"][0] == {
            "field": "volunteer_id",
            "rule": "volunteer_load_limit",
            "message": overloaded.json()["detail"],
        }

        replaced = await client.post(
            url,
            json={
                "beneficiary_id": kid,
                "volunteer_id": "v2",
                "reason": "v1 课程冲突",
                "replaces_pairing_id": first.json()["pairing_id"],
            },
            headers=place.officer,
        )
        assert replaced.status_code == 201, replaced.text
        old = await client.get(f"{url}/{first.json()['pairing_id']}", headers=place.officer)
        assert old.json()["active"] is False
        assert old.json()["end_reason"] == "人工调整 manual override: v1 课程冲突"

        end_url = f"{url}/{replaced.json()['pairing_id']}/end"
        no_reason = await client.post(end_url, json={}, headers=place.officer)
        assert no_reason.status_code == 422
        assert "reason" in {e["field"] for e in no_reason.json()["errors"]}
        ended = await client.post(
            end_url, json={"reason": "学期结束", "season_over": True}, headers=place.officer
        )
        assert ended.status_code == 200, ended.text
        assert (ended.json()["active"], ended.json()["end_reason"]) == (False, "学期结束")
        assert ended.json()["season_over"] is True
        assert old.json()["season_over"] is False
        twice = await client.post(end_url, json={"reason": "again"}, headers=place.officer)
        assert twice.status_code == 409
        assert twice.json()["errors"][0]["rule"] == "pairing_already_ended"

        # Next season: v1 is nearer and teaches English, but v2 was last season's volunteer.
        run = await client.post(
            f"{place.api}/pairing-runs", json={"school_id": place.school}, headers=place.officer
        )
        assert run.status_code == 201, run.text
        assert run.json()["pairings_created"] == 2
        current = await client.get(
            url, params={"beneficiary_id": kid, "active": "true"}, headers=place.officer
        )
        [now_paired] = current.json()["items"]
        assert now_paired["volunteer_id"] == "v2"
        assert CONTINUES in now_paired["reasons"]

    events = await wait_for_events(stack.kafka_bootstrap, {kid}, 5)
    assert [t for t, _ in events] == [
        PairingCreated.event_type,
        PairingEnded.event_type,
        PairingCreated.event_type,
        PairingEnded.event_type,
        PairingCreated.event_type,
    ], "one child's events arrive in the order they happened"
    assert events[-1][1]["manual"] is False and events[0][1]["manual"] is True


async def test_bad_pairing_requests_are_refused_naming_the_field_and_rule(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    place = County(services, service_dsns["recruitment"])
    await place.enrol_volunteer("v1", ["英语"], max_children=1, school=place.school)
    runs, pairs = f"{place.api}/pairing-runs", f"{place.api}/pairings"
    async with httpx.AsyncClient(timeout=30) as client:
        kid = await place.register_child(client, "小兰", ["英语"])
        good = {"beneficiary_id": kid, "volunteer_id": "v1", "reason": "同校"}
        for url, body, field, rule in (
            (runs, {}, "school_id", "school_or_county"),
            (runs, {"school_id": "s", "county": "c"}, "school_id", "school_or_county"),
            (
                runs,
                {"school_id": "s", "volunteers_per_child": 2},
                "volunteers_per_child",
                "one_to_one_means_one_volunteer",
            ),
            (
                runs,
                {"school_id": "s", "mode": "many_to_one", "volunteers_per_child": 9},
                "volunteers_per_child",
                None,
            ),
            (runs, {"school_id": "s", "mode": "all_to_all"}, "mode", None),
            (
                pairs,
                {**good, "beneficiary_id": str(uuid4())},
                "beneficiary_id",
                "registered_beneficiary",
            ),
            (pairs, {**good, "volunteer_id": "nobody"}, "volunteer_id", "active_volunteer"),
            (pairs, {k: v for k, v in good.items() if k != "reason"}, "reason", None),
            (pairs, {**good, "beneficiary_id": "not-a-uuid"}, "beneficiary_id", None),
            (pairs, {**good, "unexpected": 1}, "unexpected", None),
        ):
            response = await client.post(url, json=body, headers=place.officer)
            assert response.status_code == 422, (body, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            errors = {(e["field"], e["rule"]) for e in response.json()["errors"]}
            assert field in {f for f, _ in errors}, (body, errors)
            if rule is not None:
                assert (field, rule) in errors
        missing = await client.post(
            f"{pairs}/{uuid4()}/end", json={"reason": "x"}, headers=place.officer
        )
        assert missing.status_code == 404
        too_many = await client.get(pairs, params={"limit": 500}, headers=place.officer)
        assert too_many.status_code == 422
        nothing_written = await client.get(pairs, headers=place.officer)
        assert nothing_written.json()["items"] == []


async def test_pairings_are_seen_and_changed_only_by_their_college_and_the_right_roles(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    place = County(services, service_dsns["recruitment"])
    await place.enrol_volunteer("cs-2024001", ["英语"], max_children=2, school=place.school)
    async with httpx.AsyncClient(timeout=30) as client:
        kid = await place.register_child(client, "小雨", ["英语"])
        made = await client.post(
            f"{place.api}/pairings",
            json={"beneficiary_id": kid, "volunteer_id": "cs-2024001", "reason": "同校"},
            headers=place.officer,
        )
        assert made.status_code == 201, made.text
        pairing = made.json()["pairing_id"]
        run = ("POST", "/pairing-runs", {"school_id": place.school})
        manual = ("POST", "/pairings", {"beneficiary_id": kid, "volunteer_id": "x", "reason": "r"})
        end = ("POST", f"/pairings/{pairing}/end", {"reason": "r"})
        read = ("GET", f"/pairings/{pairing}", None)
        listing = ("GET", "/pairings", None)

        async def call(what: tuple[str, str, Any], headers: dict[str, str]) -> int:
            method, path, body = what
            response = await client.request(method, place.api + path, json=body, headers=headers)
            return response.status_code

        other_college = bearer("officer-1", "officer", a_college())
        for what in (run, manual, end, read, listing):
            assert await call(what, other_college) == 403, what
            assert await call(what, {}) == 401, what
        student = bearer("cs-2024009", "student", place.college)
        teacher = bearer("t-1", "teacher", place.college)
        for what in (run, manual, end):
            assert await call(what, student) == 403, what
            assert await call(what, teacher) == 403, what
        assert await call(read, teacher) == 200
        assert await call(read, student) == 404, "a student sees only their own pairings"
        volunteer = bearer("cs-2024001", "student", place.college)
        assert await call(read, volunteer) == 200
        own = await client.get(f"{place.api}/pairings", headers=volunteer)
        assert [p["pairing_id"] for p in own.json()["items"]] == [pairing]
        assert (await client.get(f"{place.api}/pairings", headers=student)).json()["items"] == []
        university = bearer("u-admin", "university_admin", None)
        assert await call(listing, university) == 200


async def test_several_to_one_gives_each_child_up_to_k_volunteers_within_their_loads(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    place = County(services, service_dsns["recruitment"])
    for volunteer_id in ("v1", "v2", "v3"):
        await place.enrol_volunteer(volunteer_id, ["数学"], max_children=1, school=place.school)
    async with httpx.AsyncClient(timeout=30) as client:
        kids = [
            await place.register_child(client, "小东", ["数学"]),
            await place.register_child(client, "小西", ["数学"]),
        ]
        run = await client.post(
            f"{place.api}/pairing-runs",
            json={"county": place.county, "mode": "many_to_one", "volunteers_per_child": 2},
            headers=place.officer,
        )
        assert run.status_code == 201, run.text
        assert run.json()["pairings_created"] == 3
        listed = await client.get(f"{place.api}/pairings", headers=place.officer)
        pairs = listed.json()["items"]
        assert sorted(Counter(p["beneficiary_id"] for p in pairs).values()) == [1, 2]
        assert Counter(p["volunteer_id"] for p in pairs) == {"v1": 1, "v2": 1, "v3": 1}

        # Another college's officer, same school name: none of these children or volunteers.
        elsewhere = County(services, service_dsns["recruitment"])
        theirs = await client.post(
            f"{elsewhere.api}/pairing-runs",
            json={"school_id": place.school},
            headers=elsewhere.officer,
        )
        assert theirs.status_code == 201
        assert (theirs.json()["children_considered"], theirs.json()["pairings_created"]) == (0, 0)
    await wait_for_events(stack.kafka_bootstrap, set(kids), 3)


async def test_a_pair_an_officer_cut_short_is_not_proposed_again_but_a_finished_one_continues(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    place = County(services, service_dsns["recruitment"])
    await place.enrol_volunteer("v-best", ["英语"], max_children=2, school=place.school)
    await place.enrol_volunteer("v-far", [], max_children=2, school=None)
    url = f"{place.api}/pairings"
    async with httpx.AsyncClient(timeout=30) as client:
        cut = await place.register_child(client, "小林", ["英语"])
        finished = await place.register_child(client, "小森", ["英语"])

        async def run_and_partner(kid: str) -> str:
            run = await client.post(
                f"{place.api}/pairing-runs", json={"school_id": place.school}, headers=place.officer
            )
            assert run.status_code == 201, run.text
            now_paired = await client.get(
                url, params={"beneficiary_id": kid, "active": "true"}, headers=place.officer
            )
            [pairing] = now_paired.json()["items"]
            return str(pairing["pairing_id"])

        async def end(pairing_id: str, body: dict[str, Any]) -> dict[str, Any]:
            ended = await client.post(f"{url}/{pairing_id}/end", json=body, headers=place.officer)
            assert ended.status_code == 200, ended.text
            return dict(ended.json())

        first = await run_and_partner(cut)
        pairs = (await client.get(url, headers=place.officer)).json()["items"]
        assert {p["volunteer_id"] for p in pairs} == {"v-best"}, "the best volunteer takes both"
        other = next(p["pairing_id"] for p in pairs if p["beneficiary_id"] == finished)
        assert (await end(first, {"reason": "家长要求更换"}))["season_over"] is False
        assert (await end(other, {"reason": "学期结束", "season_over": True}))["season_over"]

        # v-best is nearer and teaches English, but the officer ended that pair early.
        await run_and_partner(cut)
        listed = await client.get(url, params={"active": "true"}, headers=place.officer)
        partner = {p["beneficiary_id"]: p for p in listed.json()["items"]}
        assert partner[cut]["volunteer_id"] == "v-far"
        assert CONTINUES not in partner[cut]["reasons"]
        assert partner[finished]["volunteer_id"] == "v-best"
        assert CONTINUES in partner[finished]["reasons"]

        # ... and stays barred however often runs repeat; an officer may still pair by hand.
        await end(partner[cut]["pairing_id"], {"reason": "学期结束", "season_over": True})
        await client.post(
            f"{place.api}/pairing-runs", json={"school_id": place.school}, headers=place.officer
        )
        again = await client.get(
            url, params={"beneficiary_id": cut, "active": "true"}, headers=place.officer
        )
        assert [p["volunteer_id"] for p in again.json()["items"]] == ["v-far"]
        assert CONTINUES in again.json()["items"][0]["reasons"]
        await end(again.json()["items"][0]["pairing_id"], {"reason": "换人"})
        rerun = await client.post(
            f"{place.api}/pairing-runs", json={"school_id": place.school}, headers=place.officer
        )
        assert rerun.json()["pairings_created"] == 0
        assert rerun.json()["unpaired_beneficiary_ids"] == [cut]
        by_hand = await client.post(
            url,
            json={"beneficiary_id": cut, "volunteer_id": "v-best", "reason": "家长同意再试"},
            headers=place.officer,
        )
        assert by_hand.status_code == 201, by_hand.text
        bad = await client.post(
            f"{url}/{uuid4()}/end",
            json={"reason": "x", "season_over": "maybe"},
            headers=place.officer,
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "season_over"


async def admit_through_a_campaign(
    client: httpx.AsyncClient, place: County, student: dict[str, str]
) -> str:
    """Open, apply, screen, close, decide: the student serves at the county's school."""
    campaign_id = f"summer-{uuid4().hex[:8]}"
    campaign_url = f"{place.api}/campaigns/{campaign_id}"
    teachers = {"id": "teachers", "title": "支教老师", "headcount": 1, "required_skills": []}
    opened = await client.post(
        f"{place.api}/campaigns",
        json=campaign_form(campaign_id, positions=[teachers]),
        headers=place.officer,
    )
    assert opened.status_code == 201, opened.text
    applied = await client.post(
        f"{place.api}/applications",
        json=application_form(campaign_id, "teachers", skills=["英语"]),
        headers=student,
    )
    assert applied.status_code == 201, applied.text
    application = str(applied.json()["id"])
    screened = await client.post(f"{campaign_url}/screening", headers=place.officer)
    assert screened.json()["passed"] == 1
    closed = await client.post(f"{campaign_url}/closing", json={}, headers=place.officer)
    assert closed.status_code == 200, closed.text
    placement = {"application_id": application, "county": place.county, "max_children": 2}
    decided = await client.post(
        f"{campaign_url}/positions/teachers/decision",
        json={"places": [{**placement, "school_id": place.school}]},
        headers=place.officer,
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["admitted"] == [application]
    return application


async def test_a_volunteer_who_withdraws_leaves_their_children_to_be_paired_again(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    place = County(services, service_dsns["recruitment"])
    leaver = f"cs-{uuid4().hex[:8]}"
    leaver_token = bearer(leaver, "student", place.college)
    await place.enrol_volunteer("v-stays", ["英语"], max_children=2, school=None)
    async with httpx.AsyncClient(timeout=30) as client:
        application = await admit_through_a_campaign(client, place, leaver_token)
        kids = [
            await place.register_child(client, "小华", ["英语"]),
            await place.register_child(client, "小萍", ["英语"]),
        ]
        run = await client.post(
            f"{place.api}/pairing-runs", json={"school_id": place.school}, headers=place.officer
        )
        assert run.status_code == 201, run.text
        first = await client.get(f"{place.api}/pairings", headers=place.officer)
        assert {p["volunteer_id"] for p in first.json()["items"]} == {leaver}
        assert len(first.json()["items"]) == 2

        withdrawn = await client.post(
            f"{place.api}/applications/{application}/withdrawal", headers=leaver_token
        )
        assert withdrawn.status_code == 200, withdrawn.text

        theirs = await client.get(
            f"{place.api}/pairings", params={"volunteer_id": leaver}, headers=place.officer
        )
        assert [(p["active"], p["end_reason"]) for p in theirs.json()["items"]] == [
            (False, WITHDREW),
            (False, WITHDREW),
        ]
        coverage = await client.get(f"{place.api}/beneficiaries/coverage", headers=place.officer)
        [school] = coverage.json()["schools"]
        assert (school["registered"], school["paired"], school["unpaired"]) == (2, 0, 2)

        again = await client.post(
            f"{place.api}/pairing-runs", json={"school_id": place.school}, headers=place.officer
        )
        assert again.json()["pairings_created"] == 2, again.text
        now_paired = await client.get(
            f"{place.api}/pairings", params={"active": "true"}, headers=place.officer
        )
        assert {(p["beneficiary_id"], p["volunteer_id"]) for p in now_paired.json()["items"]} == {
            (kid, "v-stays") for kid in kids
        }

    events = await wait_for_events(stack.kafka_bootstrap, set(kids), 6)
    for kid in kids:
        theirs_events = [(t, e) for t, e in events if e["beneficiary_id"] == kid]
        assert [t for t, _ in theirs_events] == [
            PairingCreated.event_type,
            PairingEnded.event_type,
            PairingCreated.event_type,
        ]
        ended_event = theirs_events[1][1]
        assert (ended_event["volunteer_id"], ended_event["reason"]) == (leaver, WITHDREW)


async def test_enrolling_a_volunteer_again_updates_their_load_limit(
    service_dsns: dict[str, str],
) -> None:
    # The ON CONFLICT branch: a person admitted again in the same campaign.
    college, now = a_college(), datetime.now(UTC)
    volunteer = Volunteer(
        college=college,
        volunteer_id="cs-again",
        campaign_id="summer",
        application_id=uuid4(),
        name="再来",
        skills=("英语",),
        county="县A",
        school_id=None,
        enrolled_at=now,
        max_children=2,
        active=False,
    )
    conn = await asyncpg.connect(service_dsns["recruitment"])
    try:
        async with conn.transaction():
            await volunteers_repository.enrol(conn, [volunteer])
            again = replace(volunteer, application_id=uuid4(), max_children=6, active=True)
            await volunteers_repository.enrol(conn, [again])
        [listed] = await volunteers_repository.list_volunteers(
            conn, college=college, campaign_id="summer", limit=10, offset=0
        )
    finally:
        await conn.close()
    assert (listed.max_children, listed.active, listed.application_id) == (
        6,
        True,
        again.application_id,
    )


async def test_a_volunteer_still_enrolled_by_another_campaign_keeps_their_children(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    place = County(services, service_dsns["recruitment"])
    stays = f"cs-{uuid4().hex[:8]}"
    token = bearer(stays, "student", place.college)
    # Also enrolled by last term's campaign ('summer-2026', the setup shortcut's).
    await place.enrol_volunteer(stays, ["英语"], max_children=2, school=None)
    async with httpx.AsyncClient(timeout=30) as client:
        application = await admit_through_a_campaign(client, place, token)
        kid = await place.register_child(client, "小玉", ["英语"])
        run = await client.post(
            f"{place.api}/pairing-runs", json={"school_id": place.school}, headers=place.officer
        )
        assert run.json()["pairings_created"] == 1, run.text
        withdrawn = await client.post(
            f"{place.api}/applications/{application}/withdrawal", headers=token
        )
        assert withdrawn.status_code == 200, withdrawn.text
        pairs = await client.get(
            f"{place.api}/pairings", params={"beneficiary_id": kid}, headers=place.officer
        )
        assert [(p["volunteer_id"], p["active"]) for p in pairs.json()["items"]] == [(stays, True)]
