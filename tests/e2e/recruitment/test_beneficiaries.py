"""The beneficiary register (档案) through the real recruitment service and Kafka.

Personal fields are stored encrypted, shown only to officers and college admins of
the child's college with a stated purpose, and every such read is in the access log.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest

from shared.config import LOCAL_JWT_SECRET
from shared.events.registry import RECRUITMENT_BENEFICIARIES
from shared.web.auth import issue_local_token
from tests.support.auth import bearer
from tests.support.kafka import header, read_topic, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

TOPIC = RECRUITMENT_BENEFICIARIES.name
CARD = {
    "name": "王小红",
    "guardian_name": "王奶奶",
    "address": "湖南省邵阳县塘渡口镇新村3组",
    "phone": "138 0731 0000",
    "parents_workplace": "广东东莞某电子厂",
    "date_of_birth": "2016-03-01",
}
ENTRY = {
    "school_id": "shaoyang-tangdu-primary",
    "county": "邵阳县",
    "grade": 4,
    "categories": ["left_behind", "poor_family"],
    "subject_needs": ["english", "math"],
    "contact_card": CARD,
}
PERSONAL = ("王小红", "王奶奶", "塘渡口", "0731", "东莞")


def a_college() -> str:
    return f"b{uuid4().hex[:10]}"


def child(name: str, **changes: Any) -> dict[str, Any]:
    return {**ENTRY, **changes, "contact_card": {**CARD, "name": name}}


async def events_of(bootstrap: str, key: str) -> list[tuple[str | None, dict[str, Any], bytes]]:
    return [
        (header(r, "ce_type"), json.loads(r.value), r.value)
        for r in await read_topic(bootstrap, TOPIC)
        if r.key == key.encode()
    ]


async def test_a_registered_child_is_announced_without_personal_fields(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    college = a_college()
    base = f"{services['recruitment']}/api/recruitment/colleges/{college}/beneficiaries"
    officer = bearer("vol-officer", "officer", college)
    async with httpx.AsyncClient(timeout=10) as client:
        created = await client.post(base, json=ENTRY, headers=officer)
        assert created.status_code == 201, created.text
        entry = created.json()
        assert entry["categories"] == ["left_behind", "poor_family"]
        for personal in PERSONAL:
            assert personal not in created.text

        async def announced() -> bool:
            return bool(await events_of(stack.kafka_bootstrap, entry["id"]))

        await wait_until(announced, timeout_s=30, what="BeneficiaryRegistered on Kafka")
        [(event_type, payload, raw)] = await events_of(stack.kafka_bootstrap, entry["id"])
        assert event_type == "campusflow.recruitment.beneficiary.registered.v1"
        assert payload["college"] == college and payload["grade"] == 4
        for personal in PERSONAL:
            assert personal.encode() not in raw

        listed = await client.get(
            base, params={"school_id": "shaoyang-tangdu-primary"}, headers=officer
        )
        assert listed.status_code == 200
        assert [item["id"] for item in listed.json()["items"]] == [entry["id"]]
        assert "contact_card" not in listed.json()["items"][0]
        for personal in PERSONAL:
            assert personal not in listed.text
        one = await client.get(f"{base}/{entry['id']}", headers=officer)
        assert one.status_code == 200 and one.json()["county"] == "邵阳县"


async def test_a_contact_card_is_read_with_a_purpose_and_every_read_is_logged(
    services: dict[str, str],
) -> None:
    college = a_college()
    base = f"{services['recruitment']}/api/recruitment/colleges/{college}/beneficiaries"
    officer = bearer("vol-officer", "officer", college)
    admin = bearer("college-admin", "college_admin", college)
    async with httpx.AsyncClient(timeout=10) as client:
        entry = (await client.post(base, json=ENTRY, headers=officer)).json()
        card_url = f"{base}/{entry['id']}/contact-card"

        no_purpose = await client.get(card_url, headers=officer)
        assert no_purpose.status_code == 422
        assert "query.purpose" in {e["field"] for e in no_purpose.json()["errors"]}

        read = await client.get(card_url, params={"purpose": "家访前联系监护人"}, headers=officer)
        assert read.status_code == 200, read.text
        assert read.json()["name"] == "王小红" and read.json()["phone"] == "138 0731 0000"
        assert (
            await client.get(card_url, params={"purpose": "核对档案"}, headers=admin)
        ).status_code == 200

        for role in ("student", "teacher", "reviewer", "university_admin"):
            refused = await client.get(
                card_url, params={"purpose": "curious"}, headers=bearer("x", role, college)
            )
            assert refused.status_code == 403, role

        log = await client.get(f"{base}/access-log", headers=admin)
        assert log.status_code == 200, log.text
        items = log.json()["items"]
        assert [(i["reader_id"], i["purpose"]) for i in items] == [
            ("college-admin", "核对档案"),
            ("vol-officer", "家访前联系监护人"),
        ]
        assert items[1]["reader_roles"] == ["officer"] and items[1]["reader_college"] == college
        assert {i["action"] for i in items} == {"read_contact_card"}
        by_child = await client.get(
            f"{base}/access-log",
            params={"beneficiary_id": entry["id"], "reader_id": "vol-officer", "limit": 1},
            headers=bearer("u-admin", "university_admin", None),
        )
        assert by_child.status_code == 200 and len(by_child.json()["items"]) == 1
        assert (await client.get(f"{base}/access-log", headers=officer)).status_code == 403
        for personal in PERSONAL:
            assert personal not in log.text


async def test_corrections_are_announced_and_card_changes_logged(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    college = a_college()
    base = f"{services['recruitment']}/api/recruitment/colleges/{college}/beneficiaries"
    officer = bearer("vol-officer", "officer", college)
    async with httpx.AsyncClient(timeout=10) as client:
        entry = (await client.post(base, json=ENTRY, headers=officer)).json()
        url = f"{base}/{entry['id']}"
        moved_up = await client.patch(url, json={"grade": 5}, headers=officer)
        assert moved_up.status_code == 200 and moved_up.json()["grade"] == 5
        new_phone = await client.patch(
            url, json={"contact_card": {"phone": "139 0000 1111"}}, headers=officer
        )
        assert new_phone.status_code == 200, new_phone.text
        card = await client.get(
            f"{url}/contact-card", params={"purpose": "核对联系电话"}, headers=officer
        )
        assert card.json()["phone"] == "139 0000 1111" and card.json()["name"] == "王小红"

        nothing = await client.patch(url, json={}, headers=officer)
        assert nothing.status_code == 422
        assert nothing.json()["errors"][0]["rule"] == "something_to_update"
        assert (await client.patch(url, json={"grade": 13}, headers=officer)).status_code == 422
        assert (
            await client.patch(f"{base}/{uuid4()}", json={"grade": 3}, headers=officer)
        ).status_code == 404

        async def both_updates() -> bool:
            found = await events_of(stack.kafka_bootstrap, entry["id"])
            return len(found) == 3

        await wait_until(both_updates, timeout_s=30, what="two BeneficiaryUpdated on Kafka")
        found = await events_of(stack.kafka_bootstrap, entry["id"])
        assert [t for t, _, _ in found] == [
            "campusflow.recruitment.beneficiary.registered.v1",
            "campusflow.recruitment.beneficiary.updated.v1",
            "campusflow.recruitment.beneficiary.updated.v1",
        ]
        assert found[1][1]["grade"] == 5 and found[2][1]["grade"] is None
        assert b"139 0000 1111" not in found[2][2]

        log = await client.get(
            f"{base}/access-log", headers=bearer("admin", "college_admin", college)
        )
        actions = [(i["action"], i["purpose"]) for i in log.json()["items"]]
        assert actions == [
            ("read_contact_card", "核对联系电话"),
            ("update_contact_card", "correction of the contact card: phone"),
        ]


async def test_bad_entries_are_refused_naming_the_field_and_rule(services: dict[str, str]) -> None:
    college = a_college()
    base = f"{services['recruitment']}/api/recruitment/colleges/{college}/beneficiaries"
    officer = bearer("vol-officer", "officer", college)
    async with httpx.AsyncClient(timeout=10) as client:
        without_card = {k: v for k, v in ENTRY.items() if k != "contact_card"}
        for bad, field in (
            (without_card, "contact_card"),
            ({**ENTRY, "categories": []}, "categories"),
            ({**ENTRY, "categories": ["orphan"]}, "categories.0"),
            ({**ENTRY, "grade": 13}, "grade"),
            ({**ENTRY, "school_id": ""}, "school_id"),
            ({**ENTRY, "contact_card": {**CARD, "phone": "call me"}}, "contact_card.phone"),
            ({**ENTRY, "contact_card": {**CARD, "date_of_birth": "2099-01-01"}}, None),
            ({**ENTRY, "unexpected": 1}, "unexpected"),
        ):
            response = await client.post(base, json=bad, headers=officer)
            assert response.status_code == 422, (bad, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            fields = {e["field"] for e in response.json()["errors"]}
            assert field is None or field in fields, (field, fields)
            if field is None:
                assert fields == {"contact_card.date_of_birth"}

        assert (await client.post(base, json=ENTRY, headers=officer)).status_code == 201
        twice = await client.post(base, json=ENTRY, headers=officer)
        assert twice.status_code == 409
        assert twice.json()["errors"][0] == {
            "field": "contact_card.name",
            "rule": "one_entry_per_child",
            "message": twice.json()["detail"],
        }
        listed = await client.get(base, headers=officer)
        assert len(listed.json()["items"]) == 1, "nothing half-written by the refused entry"

        assert (await client.get(base, params={"limit": 201}, headers=officer)).status_code == 422
        student = bearer("s1", "student", college)
        assert (await client.post(base, json=child("李四"), headers=student)).status_code == 403
        assert (await client.post(base, json=ENTRY)).status_code == 401


async def test_another_college_sees_none_of_the_register(services: dict[str, str]) -> None:
    college, other = a_college(), a_college()
    base = f"{services['recruitment']}/api/recruitment/colleges/{college}/beneficiaries"
    async with httpx.AsyncClient(timeout=10) as client:
        entry = (
            await client.post(base, json=ENTRY, headers=bearer("o", "officer", college))
        ).json()
        for role in ("officer", "college_admin"):
            stranger = bearer("stranger", role, other)
            for method, url, body, params in (
                ("POST", base, child("张三"), None),
                ("GET", base, None, None),
                ("GET", f"{base}/{entry['id']}", None, None),
                ("PATCH", f"{base}/{entry['id']}", {"grade": 6}, None),
                ("GET", f"{base}/{entry['id']}/contact-card", None, {"purpose": "看看这个孩子"}),
                ("GET", f"{base}/coverage", None, None),
                ("GET", f"{base}/access-log", None, None),
                ("POST", f"{base}/key-rotation", None, None),
            ):
                response = await client.request(
                    method, url, json=body, params=params, headers=stranger
                )
                assert response.status_code == 403, (role, method, url, response.text)
        other_base = base.replace(college, other)
        own = await client.get(other_base, headers=bearer("stranger", "officer", other))
        assert own.status_code == 200 and own.json()["items"] == []


async def test_an_officer_who_is_also_university_admin_writes_only_their_own_college(
    services: dict[str, str],
) -> None:
    """The university-admin role reaches every college, but never another college's children."""
    college, other = a_college(), a_college()
    base = f"{services['recruitment']}/api/recruitment/colleges/{college}/beneficiaries"
    token = issue_local_token(
        user="both",
        roles=["officer", "university_admin"],
        college=other,
        secret=LOCAL_JWT_SECRET,
        now=datetime.now(UTC),
    )
    both = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=10) as client:
        entry = (
            await client.post(base, json=ENTRY, headers=bearer("o", "officer", college))
        ).json()
        for method, url, body, params in (
            ("POST", base, child("李四"), None),
            ("PATCH", f"{base}/{entry['id']}", {"grade": 6}, None),
            ("PATCH", f"{base}/{entry['id']}", {"contact_card": {"phone": "139 0000 0000"}}, None),
            ("GET", f"{base}/{entry['id']}/contact-card", None, {"purpose": "看看这个孩子"}),
        ):
            response = await client.request(method, url, json=body, params=params, headers=both)
            assert response.status_code == 403, (method, url, response.text)
        unchanged = await client.get(f"{base}/{entry['id']}", headers=both)
        assert unchanged.status_code == 200  # non-personal entries: the whole university
        assert unchanged.json()["grade"] == ENTRY["grade"]
        listed = await client.get(base, headers=bearer("o", "officer", college))
        assert len(listed.json()["items"]) == 1
        own_base = base.replace(college, other)
        own = await client.post(own_base, json=child("李四"), headers=both)
        assert own.status_code == 201, own.text


async def test_coverage_reports_registered_paired_and_unpaired_per_school(
    services: dict[str, str],
) -> None:
    college = a_college()
    base = f"{services['recruitment']}/api/recruitment/colleges/{college}/beneficiaries"
    officer = bearer("vol-officer", "officer", college)
    async with httpx.AsyncClient(timeout=10) as client:
        for name, school in (("甲", "school-a"), ("乙", "school-a"), ("丙", "school-b")):
            created = await client.post(base, json=child(name, school_id=school), headers=officer)
            assert created.status_code == 201, created.text
        page = await client.get(base, params={"limit": 2, "offset": 2}, headers=officer)
        assert page.status_code == 200 and len(page.json()["items"]) == 1
        for role, college_claim in (("officer", college), ("university_admin", None)):
            report = await client.get(f"{base}/coverage", headers=bearer("u", role, college_claim))
            assert report.status_code == 200, report.text
            schools = {s["school_id"]: s for s in report.json()["schools"]}
            assert schools["school-a"] == {
                "school_id": "school-a",
                "county": "邵阳县",
                "registered": 2,
                "paired": 0,
                "unpaired": 2,
                "percentage_paired": 0.0,
            }
            assert schools["school-b"]["registered"] == 1
            assert report.json()["total"]["registered"] == 3
            assert report.json()["total"]["unpaired"] == 3
        student = bearer("s", "student", college)
        assert (await client.get(f"{base}/coverage", headers=student)).status_code == 403
