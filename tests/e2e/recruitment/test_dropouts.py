"""Dropout cases on the beneficiary register through the real recruitment service and
Kafka: a report with its return deadline (PupilDroppedOut), the return recorded
(PupilReturnedToSchool), one open case per child; bad input refused naming the field,
nothing changed; only the college's officers and admins."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from shared.events.recruitment import PupilDroppedOut, PupilReturnedToSchool
from shared.events.registry import RECRUITMENT_BENEFICIARIES
from tests.support.auth import bearer
from tests.support.kafka import header, read_topic, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

ENTRY = {
    "school_id": "yuexi-primary",
    "county": "岳西县",
    "grade": 6,
    "categories": ["left_behind"],
    "subject_needs": [],
    "contact_card": {
        "name": "李小明",
        "guardian_name": "李爷爷",
        "address": "安徽省岳西县",
        "phone": "139 0000 0000",
        "parents_workplace": "浙江",
        "date_of_birth": "2013-05-01",
    },
}


async def _events(bootstrap: str, key: str) -> list[tuple[str | None, dict[str, Any]]]:
    return [
        (header(r, "ce_type"), json.loads(r.value))
        for r in await read_topic(bootstrap, RECRUITMENT_BENEFICIARIES.name)
        if r.key == key.encode()
    ]


async def test_a_dropout_is_reported_and_the_return_recorded(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    college = f"x{uuid4().hex[:10]}"
    base = f"{services['recruitment']}/api/recruitment/colleges/{college}/beneficiaries"
    officer = bearer("drop-officer", "officer", college)
    async with httpx.AsyncClient(timeout=10) as client:
        created = await client.post(base, json=ENTRY, headers=officer)
        assert created.status_code == 201, created.text
        child = created.json()["id"]
        cases = f"{base}/{child}/dropouts"

        # Bad input: refused naming the field, nothing kept.
        past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        far = (datetime.now(UTC) + timedelta(days=400)).isoformat()
        naive = (datetime.now(UTC) + timedelta(days=7)).replace(tzinfo=None).isoformat()
        for body, field in (
            ({"return_by": past}, "return_by"),
            ({"return_by": far}, "return_by"),
            ({"return_by": naive}, "return_by"),
            ({}, "return_by"),
            ({"return_by": far, "surprise": 1}, "surprise"),
        ):
            refused = await client.post(f"{base}/{child}/dropout", json=body, headers=officer)
            assert refused.status_code == 422, refused.text
            assert field in json.dumps(refused.json()["errors"])
        assert (await client.get(cases, headers=officer)).json()["items"] == []
        unknown = await client.post(
            f"{base}/{uuid4()}/dropout",
            json={"return_by": (datetime.now(UTC) + timedelta(days=7)).isoformat()},
            headers=officer,
        )
        assert unknown.status_code == 404
        no_case = await client.post(f"{base}/{child}/return", json={}, headers=officer)
        assert no_case.status_code == 409
        assert no_case.json()["errors"][0]["rule"] == "open_dropout_case"

        # Only the college's officers and admins.
        return_by = datetime.now(UTC) + timedelta(days=14)
        report = {"return_by": return_by.isoformat(), "note": "家长外出务工，孩子在家"}
        for headers in (
            bearer("s", "student", college),
            bearer("o", "officer", "another"),
        ):
            denied = await client.post(f"{base}/{child}/dropout", json=report, headers=headers)
            assert denied.status_code == 403

        made = await client.post(f"{base}/{child}/dropout", json=report, headers=officer)
        assert made.status_code == 201, made.text
        case = made.json()
        assert (case["school_id"], case["county"], case["returned_at"]) == (
            "yuexi-primary",
            "岳西县",
            None,
        )
        twice = await client.post(f"{base}/{child}/dropout", json=report, headers=officer)
        assert twice.status_code == 409
        assert twice.json()["errors"][0]["rule"] == "one_open_dropout_case"

        before = (datetime.now(UTC) - timedelta(days=1)).isoformat()
        early = await client.post(
            f"{base}/{child}/return", json={"returned_at": before}, headers=officer
        )
        assert early.status_code == 422
        back = await client.post(f"{base}/{child}/return", json={}, headers=officer)
        assert back.status_code == 200, back.text
        assert back.json()["returned_by"] == "drop-officer"
        listed = (await client.get(cases, headers=officer)).json()["items"]
        assert [c["case_id"] for c in listed] == [case["case_id"]]
        assert listed[0]["returned_at"] is not None

        # A new case may open once the last one closed.
        reopened = await client.post(f"{base}/{child}/dropout", json=report, headers=officer)
        assert reopened.status_code == 201

    found: list[tuple[str | None, dict[str, Any]]] = []

    async def announced() -> bool:
        found[:] = [
            e
            for e in await _events(stack.kafka_bootstrap, child)
            if e[0] in (PupilDroppedOut.event_type, PupilReturnedToSchool.event_type)
        ]
        return len(found) == 3

    await wait_until(announced, timeout_s=30, what="the dropout events")
    assert [t for t, _ in found] == [
        PupilDroppedOut.event_type,
        PupilReturnedToSchool.event_type,
        PupilDroppedOut.event_type,
    ]
    dropped, returned = found[0][1], found[1][1]
    assert dropped["case_id"] == returned["case_id"] == case["case_id"]
    assert datetime.fromisoformat(dropped["return_by"]) == return_by
    assert dropped["county"] == "岳西县" and returned["recorded_by"] == "drop-officer"
    assert "李小明" not in json.dumps(found, ensure_ascii=False)
