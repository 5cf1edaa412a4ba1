"""Department intake end to end: open, apply, assess, publish; events on Kafka; access."""

from __future__ import annotations

from uuid import uuid4

import httpx
import pytest

from shared.events.recruitment import IntakeResultPublished, MembershipStarted
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def test_an_intake_admits_by_stable_matching_and_explains_each_outcome(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = f"{services['recruitment']}/api/recruitment/colleges/cs"
    officer, teacher = bearer("cs-officer", "officer", "cs"), bearer("cs-t1", "teacher", "cs")
    intake_id = f"autumn-{uuid4().hex[:8]}"
    run = uuid4().hex[:6]
    ann, bo, cai = f"ann-{run}", f"bo-{run}", f"cai-{run}"
    async with httpx.AsyncClient(timeout=10) as client:
        opened = await client.post(
            f"{base}/intakes",
            json={
                "intake_id": intake_id,
                "title": "2026 秋季纳新",
                "departments": {"organisation": 1, "sports": 1, "publicity": 2},
            },
            headers=officer,
        )
        assert opened.status_code == 201, opened.text
        assert opened.json()["max_choices"] == 3
        assert opened.json()["department_names"]["organisation"] == "组织部"

        for person, name, choices in (
            (ann, "安", ["organisation", "sports"]),
            (bo, "博", ["organisation"]),
            (cai, "蔡", ["sports", "publicity"]),
        ):
            applied = await client.post(
                f"{base}/intakes/{intake_id}/applications",
                json={"name": name, "choices": choices},
                headers=bearer(person, "student", "cs"),
            )
            assert applied.status_code == 201, applied.text

        duplicate = await client.post(
            f"{base}/intakes/{intake_id}/applications",
            json={"name": "安", "choices": ["sports"]},
            headers=bearer(ann, "student", "cs"),
        )
        assert duplicate.status_code == 409
        assert duplicate.json()["errors"][0]["rule"] == "one_application_per_intake"

        for person, department, communication, planning in (
            (ann, "organisation", 70, 70),
            (ann, "sports", 90, 90),
            (bo, "organisation", 82, 83),
            (cai, "sports", 60, 60),
            (cai, "publicity", 75, 75),
        ):
            scored = await client.put(
                f"{base}/intakes/{intake_id}/applications/{person}/assessments/{department}",
                json={"communication": communication, "planning": planning},
                headers=teacher,
            )
            assert scored.status_code == 200, scored.text

        not_chosen = await client.put(
            f"{base}/intakes/{intake_id}/applications/{bo}/assessments/sports",
            json={"communication": 50, "planning": 50},
            headers=teacher,
        )
        assert not_chosen.status_code == 422
        assert not_chosen.json()["errors"][0]["rule"] == "department_chosen_by_candidate"

        listed = await client.get(
            f"{base}/intakes/{intake_id}/applications?limit=2", headers=teacher
        )
        assert listed.status_code == 200 and len(listed.json()["items"]) == 2

        published = await client.post(f"{base}/intakes/{intake_id}/publish", headers=officer)
        assert published.status_code == 200, published.text
        assert published.json()["admitted_by_department"] == {
            "organisation": 1,
            "sports": 1,
            "publicity": 1,
        }
        assert published.json()["unplaced"] == 0

        again = await client.post(f"{base}/intakes/{intake_id}/publish", headers=officer)
        assert again.status_code == 409
        assert again.json()["errors"][0]["rule"] == "intake_already_published"
        late = await client.post(
            f"{base}/intakes/{intake_id}/applications",
            json={"name": "迟", "choices": ["sports"]},
            headers=bearer(f"late-{run}", "student", "cs"),
        )
        assert late.status_code == 409

        mine = await client.get(
            f"{base}/intakes/{intake_id}/results/{ann}", headers=bearer(ann, "student", "cs")
        )
        assert mine.status_code == 200
        assert mine.json()["department"] == "sports"
        assert mine.json()["explanation"] == (
            "not admitted by 组织部 (your 1st choice): its 1 place went to candidates"
            " scoring ≥ 82.5; admitted by 体育部, your 2nd choice"
        )
        others = await client.get(
            f"{base}/intakes/{intake_id}/results/{bo}", headers=bearer(ann, "student", "cs")
        )
        assert others.status_code == 404  # another candidate's result: not theirs to see
        everyone = await client.get(f"{base}/intakes/{intake_id}/results", headers=officer)
        assert {o["candidate_id"]: o["department"] for o in everyone.json()["items"]} == {
            ann: "sports",
            bo: "organisation",
            cai: "publicity",
        }

        memberships = await client.get(f"{base}/people/{cai}/memberships", headers=officer)
        assert [(m["organisation_id"], m["how_started"]) for m in memberships.json()["items"]] == [
            ("publicity", "admitted")
        ]

    async def result_published() -> bool:
        return bool(
            await events_keyed(stack.kafka_bootstrap, IntakeResultPublished.event_type, intake_id)
        )

    await wait_until(result_published, timeout_s=30, what="IntakeResultPublished on Kafka")
    [result] = await events_keyed(
        stack.kafka_bootstrap, IntakeResultPublished.event_type, intake_id
    )
    assert result["admitted_by_department"] == {"organisation": 1, "sports": 1, "publicity": 1}

    async def membership_started() -> bool:
        return bool(await events_keyed(stack.kafka_bootstrap, MembershipStarted.event_type, cai))

    await wait_until(membership_started, timeout_s=30, what="MembershipStarted for the admitted")
    [started] = await events_keyed(stack.kafka_bootstrap, MembershipStarted.event_type, cai)
    assert (started["organisation_kind"], started["organisation_id"], started["how"]) == (
        "department",
        "publicity",
        "admitted",
    )


async def test_bad_intake_input_is_refused_naming_the_field(services: dict[str, str]) -> None:
    base = f"{services['recruitment']}/api/recruitment/colleges/cs"
    officer = bearer("cs-officer", "officer", "cs")
    intake_id = f"bad-{uuid4().hex[:8]}"
    good = {"intake_id": intake_id, "title": "纳新", "departments": {"sports": 2, "arts": 1}}
    async with httpx.AsyncClient(timeout=10) as client:
        for bad, field in (
            ({k: v for k, v in good.items() if k != "title"}, "title"),
            ({**good, "departments": {}}, "departments"),
            ({**good, "departments": {"karaoke": 2}}, "departments"),
            ({**good, "departments": {"sports": 0}}, "departments"),
            ({**good, "max_choices": 5}, "max_choices"),
            ({**good, "intake_id": "has space"}, "intake_id"),
        ):
            response = await client.post(f"{base}/intakes", json=bad, headers=officer)
            assert response.status_code == 422, (bad, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert field in {e["field"] for e in response.json()["errors"]}, response.text

        assert (await client.post(f"{base}/intakes", json=good, headers=officer)).status_code == 201
        taken = await client.post(f"{base}/intakes", json=good, headers=officer)
        assert taken.status_code == 409
        assert taken.json()["errors"][0]["rule"] == "intake_id_taken"

        student = bearer(f"s-{uuid4().hex[:6]}", "student", "cs")
        url = f"{base}/intakes/{intake_id}/applications"
        for choices, rule in (
            (["sports", "sports"], "no_duplicate_choices"),
            (["finance"], "department_in_intake"),
            (["sports", "arts", "finance"], "at_most_n_choices"),
        ):
            response = await client.post(
                url, json={"name": "x", "choices": choices}, headers=student
            )
            assert response.status_code == 422, response.text
            assert response.json()["errors"][0]["rule"] == rule
        missing = await client.post(url, json={"choices": ["sports"]}, headers=student)
        assert missing.status_code == 422
        assert "name" in {e["field"] for e in missing.json()["errors"]}

        score = await client.put(
            f"{base}/intakes/{intake_id}/applications/nobody/assessments/sports",
            json={"communication": 101, "planning": 50},
            headers=officer,
        )
        assert score.status_code == 422
        assert "communication" in {e["field"] for e in score.json()["errors"]}
        unknown = await client.get(f"{base}/intakes/no-such-intake", headers=officer)
        assert unknown.status_code == 404


async def test_another_college_never_sees_an_intake(services: dict[str, str]) -> None:
    base = f"{services['recruitment']}/api/recruitment/colleges/cs"
    intake_id = f"private-{uuid4().hex[:8]}"
    form = {"intake_id": intake_id, "title": "纳新", "departments": {"sports": 2}}
    fl_officer, fl_student = bearer("fl-o", "officer", "fl"), bearer("fl-s", "student", "fl")
    async with httpx.AsyncClient(timeout=10) as client:
        assert (
            await client.post(f"{base}/intakes", json=form, headers=fl_officer)
        ).status_code == 403
        created = await client.post(
            f"{base}/intakes", json=form, headers=bearer("cs-o", "officer", "cs")
        )
        assert created.status_code == 201
        for method, path, body, who in (
            ("GET", f"/intakes/{intake_id}", None, fl_officer),
            ("POST", f"/intakes/{intake_id}/applications",
             {"name": "x", "choices": ["sports"]}, fl_student),
            ("GET", f"/intakes/{intake_id}/applications", None, fl_officer),
            ("PUT", f"/intakes/{intake_id}/applications/x/assessments/sports",
             {"communication": 1, "planning": 1}, fl_officer),
            ("POST", f"/intakes/{intake_id}/publish", None, fl_officer),
            ("GET", f"/intakes/{intake_id}/results", None, fl_officer),
            ("GET", f"/intakes/{intake_id}/results/x", None, fl_officer),
        ):  # fmt: skip
            response = await client.request(method, base + path, json=body, headers=who)
            assert response.status_code == 403, (method, path, response.text)
        students_cannot_publish = await client.post(
            f"{base}/intakes/{intake_id}/publish", headers=bearer("cs-s", "student", "cs")
        )
        assert students_cannot_publish.status_code == 403
        admin = bearer("root", "university_admin", None)
        assert (await client.get(f"{base}/intakes/{intake_id}", headers=admin)).status_code == 200
