"""Volunteer campaigns (招募) through the real recruitment service and Kafka.

open → apply → screen → interview (special squad) → close → decide → withdraw → promote.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from shared.events.registry import (
    RECRUITMENT_APPLICATIONS,
    RECRUITMENT_CAMPAIGNS,
    RECRUITMENT_VOLUNTEERS,
)
from tests.support.auth import bearer
from tests.support.kafka import header, read_topic, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


OFFICER = bearer("cs-officer", "officer", "cs")


def campaign_form(campaign_id: str, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    form: dict[str, Any] = {
        "id": campaign_id,
        "title": "“一帮一”暑期知识拓展班志愿者招募",
        "place": "岳西县希望小学",
        "starts_on": "2026-07-08",
        "ends_on": "2026-08-11",
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=14)).isoformat(),
        "positions": [
            {
                "id": "teachers",
                "title": "支教老师",
                "headcount": 1,
                "required_skills": ["english"],
            },
            {"id": "squad", "title": "特招服务小队", "headcount": 1, "interview_required": True},
        ],
        "screening": {"min_grade_year": 2, "questions": ["为什么想去支教？"]},
    }
    form.update(overrides)
    return form


def application_form(campaign_id: str, position_id: str | None, **overrides: Any) -> dict:
    form: dict[str, Any] = {
        "campaign_id": campaign_id,
        "applicant_name": "李明",
        "motivation": "想给留守儿童上英语课",
        "skills": ["english"],
        "grade_year": 2,
        "answers": ["想让孩子们爱上英语"],
    }
    if position_id is not None:
        form["position_id"] = position_id
    form.update(overrides)
    return form


async def events_by_key(bootstrap: str, topic: str, keys: set[str]) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for record in await read_topic(bootstrap, topic):
        key = record.key.decode() if record.key else ""
        if key in keys:
            seen.setdefault(key, []).append(header(record, "ce_type") or "")
    return seen


def kinds(types: list[str]) -> list[str]:
    # campusflow.recruitment.applicant.admitted.v1 -> applicant.admitted
    return [".".join(t.split(".")[2:-1]) for t in types]


async def test_a_campaign_runs_from_opening_to_waitlist_promotion(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    run = uuid4().hex[:8]
    campaign_id = f"summer-{run}"
    root = f"{services['recruitment']}/api/recruitment/colleges/cs"
    campaign_url = f"{root}/campaigns/{campaign_id}"
    people = {n: f"cs-{run}-{n}" for n in range(1, 8)}
    student = {n: bearer(person, "student", "cs") for n, person in people.items()}
    async with httpx.AsyncClient(timeout=10) as client:
        opened = await client.post(
            f"{root}/campaigns", json=campaign_form(campaign_id), headers=OFFICER
        )
        assert opened.status_code == 201, opened.text
        assert opened.json()["status"] == "open"
        again = await client.post(
            f"{root}/campaigns", json=campaign_form(campaign_id), headers=OFFICER
        )
        assert again.status_code == 409
        assert again.json()["errors"][0]["rule"] == "campaign_id_taken"

        ids: dict[int, str] = {}
        for n, position, extra in (
            (1, "teachers", {}),
            (2, "teachers", {}),
            (3, "teachers", {}),
            (4, "teachers", {"skills": ["sports"]}),  # lacks the required skill
            (5, "squad", {}),
            (6, "squad", {}),
            (7, "squad", {}),
        ):
            made = await client.post(
                f"{root}/applications",
                json=application_form(campaign_id, position, **extra),
                headers=student[n],
            )
            assert made.status_code == 201, made.text
            ids[n] = made.json()["id"]
        duplicate = await client.post(
            f"{root}/applications",
            json=application_form(campaign_id, "teachers"),
            headers=student[1],
        )
        assert duplicate.status_code == 409
        assert duplicate.json()["errors"][0]["rule"] == "one_active_application_per_campaign"
        no_position = await client.post(
            f"{root}/applications",
            json=application_form(campaign_id, None),
            headers=bearer(f"cs-{run}-x", "student", "cs"),
        )
        assert no_position.status_code == 422
        assert no_position.json()["errors"][0] == {
            "field": "position_id",
            "rule": "position_required",
            "message": "this campaign has several positions: choose one",
        }

        screened = await client.post(f"{campaign_url}/screening", headers=OFFICER)
        assert screened.json() == {"passed": 6, "screened_out": 1}
        mine = await client.get(f"{root}/applications/{ids[4]}", headers=student[4])
        assert mine.json()["status"] == "screened_out"
        assert "lacks required skills: english" in mine.json()["screening_reasons"]

        soon = datetime.now(UTC) + timedelta(days=1)
        offered = await client.post(
            f"{campaign_url}/positions/squad/interview-slots",
            json={
                "slots": [
                    {
                        "starts_at": (soon + timedelta(minutes=30 * i)).isoformat(),
                        "ends_at": (soon + timedelta(minutes=30 * i + 20)).isoformat(),
                        "place": "团委办公室",
                    }
                    for i in range(3)
                ]
            },
            headers=OFFICER,
        )
        assert offered.status_code == 201, offered.text
        slot = [s["id"] for s in offered.json()]
        no_interview = await client.post(
            f"{campaign_url}/positions/teachers/interview-slots",
            json={
                "slots": [
                    {"starts_at": soon.isoformat(), "ends_at": soon.isoformat(), "place": "x"}
                ]
            },
            headers=OFFICER,
        )
        assert no_interview.status_code == 409
        assert no_interview.json()["errors"][0]["rule"] == "position_has_no_interview"

        async def book(n: int, s: int) -> httpx.Response:
            return await client.post(
                f"{campaign_url}/interview-slots/{slot[s]}/booking",
                json={"application_id": ids[n]},
                headers=student[n],
            )

        assert (await book(5, 0)).status_code == 200
        taken = await book(6, 0)
        assert taken.status_code == 409
        assert taken.json()["errors"][0]["rule"] == "no_double_booking"
        assert (await book(6, 1)).status_code == 200
        second = await book(5, 2)
        assert second.status_code == 409
        assert second.json()["errors"][0]["rule"] == "one_booking_per_application"
        listed = await client.get(f"{campaign_url}/interview-slots", headers=student[7])
        assert [s["booked"] for s in listed.json()["items"]] == [True, True, False]
        assert all(s["application_id"] is None for s in listed.json()["items"])

        for s, score in ((0, 88), (1, 70)):
            result = await client.post(
                f"{campaign_url}/interview-slots/{slot[s]}/result",
                json={"score": score, "recommended": True},
                headers=OFFICER,
            )
            assert result.status_code == 200, result.text
        bad_score = await client.post(
            f"{campaign_url}/interview-slots/{slot[2]}/result",
            json={"score": 101, "recommended": True},
            headers=OFFICER,
        )
        assert bad_score.status_code == 422
        assert bad_score.json()["errors"][0]["field"] == "score"

        early = await client.post(
            f"{campaign_url}/positions/teachers/decision", json={}, headers=OFFICER
        )
        assert early.status_code == 409
        assert early.json()["errors"][0]["rule"] == "campaign_still_open"

        closed = await client.post(f"{campaign_url}/closing", json={}, headers=OFFICER)
        assert closed.json()["status"] == "closed"
        late = await client.post(
            f"{root}/applications",
            json=application_form(campaign_id, "teachers"),
            headers=bearer(f"cs-{run}-late", "student", "cs"),
        )
        assert late.status_code == 409
        assert late.json()["errors"][0]["rule"] == "application_window_closed"

        place = {"application_id": ids[1], "county": "岳西县", "school_id": "yx-01"}
        for limit in (0, 11):
            too_many = await client.post(
                f"{campaign_url}/positions/teachers/decision",
                json={"places": [{**place, "max_children": limit}]},
                headers=OFFICER,
            )
            assert too_many.status_code == 422, too_many.text
            assert too_many.json()["errors"][0]["field"] == "places.0.max_children"
        decided = await client.post(
            f"{campaign_url}/positions/teachers/decision",
            json={"places": [{**place, "max_children": 3}]},
            headers=OFFICER,
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["admitted"] == [ids[1]]
        assert decided.json()["waitlisted"] == [
            {"application_id": ids[2], "rank": 1},
            {"application_id": ids[3], "rank": 2},
        ]
        assert [r["application_id"] for r in decided.json()["rejected"]] == [ids[4]]
        twice = await client.post(
            f"{campaign_url}/positions/teachers/decision", json={}, headers=OFFICER
        )
        assert twice.json()["errors"][0]["rule"] == "position_already_decided"

        squad = await client.post(
            f"{campaign_url}/positions/squad/decision", json={}, headers=OFFICER
        )
        assert squad.json()["admitted"] == [ids[5]]
        assert squad.json()["waitlisted"] == [{"application_id": ids[6], "rank": 1}]
        assert squad.json()["rejected"][0]["reason"] == "no interview result"
        not_admitted = await client.put(
            f"{campaign_url}/positions/squad/squad-leader",
            json={"application_id": ids[6]},
            headers=OFFICER,
        )
        assert not_admitted.json()["errors"][0]["rule"] == "squad_leader_must_be_admitted"
        leader = await client.put(
            f"{campaign_url}/positions/squad/squad-leader",
            json={"application_id": ids[5]},
            headers=OFFICER,
        )
        assert leader.json()["squad_leader_id"] == people[5]

        withdrawn = await client.post(
            f"{root}/applications/{ids[1]}/withdrawal", headers=student[1]
        )
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["withdrawn"]["status"] == "withdrawn"
        assert withdrawn.json()["promoted"]["id"] == ids[2]
        not_yours = await client.post(
            f"{root}/applications/{ids[3]}/withdrawal", headers=student[2]
        )
        assert not_yours.status_code == 404
        rejected = await client.post(f"{root}/applications/{ids[4]}/withdrawal", headers=student[4])
        assert rejected.json()["errors"][0]["rule"] == "withdrawal_only_until_decided"

        volunteers = await client.get(f"{campaign_url}/volunteers", headers=OFFICER)
        by_person = {v["volunteer_id"]: v for v in volunteers.json()["items"]}
        assert by_person[people[1]]["active"] is False
        assert by_person[people[2]]["active"] is True
        assert by_person[people[2]]["school_id"] == "yx-01"  # takes the freed place
        assert by_person[people[1]]["max_children"] == 3  # the officer's load limit
        assert by_person[people[2]]["max_children"] == 3  # ... which goes with the place
        assert by_person[people[5]]["max_children"] == 2  # the default

    bootstrap = stack.kafka_bootstrap
    wanted = {
        ids[1]: ["submitted", "screened", "admitted", "withdrawn"],
        ids[2]: ["submitted", "screened", "waitlisted", "promoted"],
        ids[4]: ["submitted", "screened", "rejected"],
        ids[5]: ["submitted", "screened", "scheduled", "completed", "admitted"],
    }

    async def applications_arrived() -> bool:
        seen = await events_by_key(bootstrap, RECRUITMENT_APPLICATIONS.name, set(wanted))
        return all(
            [k.split(".")[1] for k in kinds(seen.get(key, []))] == want
            for key, want in wanted.items()
        )

    await wait_until(applications_arrived, timeout_s=30, what="the application events")

    async def campaign_and_volunteers_arrived() -> bool:
        campaigns = await events_by_key(bootstrap, RECRUITMENT_CAMPAIGNS.name, {campaign_id})
        volunteers = await events_by_key(
            bootstrap, RECRUITMENT_VOLUNTEERS.name, {people[1], people[2], people[5]}
        )
        return kinds(campaigns.get(campaign_id, [])) == [
            "campaign.opened",
            "campaign.closed",
        ] and all(
            kinds(volunteers.get(p, [])) == ["volunteer.enrolled"]
            for p in (people[1], people[2], people[5])
        )

    await wait_until(campaign_and_volunteers_arrived, timeout_s=30, what="campaign events")

    async def results_notified() -> bool:
        async with httpx.AsyncClient(timeout=10) as client:
            promoted = await client.get(
                f"{services['notifications']}/api/notifications/me", headers=student[2]
            )
            rejected = await client.get(
                f"{services['notifications']}/api/notifications/me", headers=student[4]
            )
        return {n["kind"] for n in promoted.json()["items"]} == {
            "application_received",
            "applicant_waitlisted",
            "applicant_promoted",
        } and "lacks required skills" in " ".join(n["body"] for n in rejected.json()["items"])

    await wait_until(results_notified, timeout_s=30, what="the results to be notified")
