"""The dropout chain on the real stack: a child reported through recruitment's register
as having dropped out gets a return-to-school notice (返校通知书) sent to the guardian at
once; with no return recorded by the deadline the township contact of the county is
told; a return recorded before the deadline resolves the chain and the township never
hears. The guardian's acknowledgement records receipt but does not stop the case."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.notifications.remesc_support import (
    ack_token,
    chains_of,
    notices_of_kind,
    put_directory,
    set_waits,
    url_of,
    wait_notice,
)
from tests.e2e.notifications.routing_support import run_id
from tests.support.auth import bearer
from tests.support.kafka import wait_until

pytestmark = pytest.mark.e2e

DEADLINE_S = 6
COUNTY = "邵阳县"


def _child(name: str) -> dict[str, Any]:
    return {
        "school_id": "shaoyang-tangdu-primary",
        "county": COUNTY,
        "grade": 5,
        "categories": ["left_behind"],
        "subject_needs": ["math"],
        "contact_card": {
            "name": name,
            "guardian_name": "王奶奶",
            "address": "湖南省邵阳县塘渡口镇新村3组",
            "phone": "138 0731 0000",
            "parents_workplace": "广东东莞",
            "date_of_birth": "2014-03-01",
        },
    }


async def _register(
    client: httpx.AsyncClient, base: str, officer: dict[str, str], name: str
) -> str:
    created = await client.post(base, json=_child(name), headers=officer)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _chain(
    client: httpx.AsyncClient, services: dict[str, str], college: str, case: str
) -> dict[str, Any]:
    found = [c for c in await chains_of(client, services, college) if c["subject_id"] == case]
    assert len(found) == 1
    return found[0]


async def test_a_dropout_notice_escalates_when_no_return_arrives_and_stops_when_one_does(
    services: dict[str, str],
) -> None:
    run = run_id()
    college = f"d{run}"
    base = f"{services['recruitment']}/api/recruitment/colleges/{college}/beneficiaries"
    officer = bearer(f"officer-{run}", "officer", college)
    township = f"town-{run}"
    async with httpx.AsyncClient(timeout=10) as client:
        gone, back = (
            await _register(client, base, officer, f"甲{run}"),
            await _register(client, base, officer, f"乙{run}"),
        )
        guardians = {gone: f"g1-{run}", back: f"g2-{run}"}
        for child, guardian in guardians.items():
            await put_directory(client, services, college, "guardian", guardian, [child])
        await put_directory(client, services, college, "township_contact", township, [COUNTY])
        waits = await set_waits(client, services, college, "dropout", [0, 60])
        assert waits.status_code == 200, waits.text

        reported = {}
        for child in (gone, back):
            return_by = datetime.now(UTC) + timedelta(seconds=DEADLINE_S)
            response = await client.post(
                f"{base}/{child}/dropout",
                json={"return_by": return_by.isoformat(), "note": "连续两周未到校"},
                headers=officer,
            )
            assert response.status_code == 201, response.text
            reported[child] = response.json()

        # Each guardian gets the notice at once.
        notices = {}
        for child, guardian in guardians.items():
            notice = await wait_notice(
                client, services, college, guardian, "return_to_school_notice", timeout_s=30
            )
            assert notice["title"] == "返校通知书" and notice["priority"] == "critical"
            notices[child] = notice
        # The first guardian acknowledges receipt: recorded, the case stays open.
        acked = await client.post(url_of(services, f"/ack/{ack_token(notices[gone])}"))
        assert acked.status_code == 200, acked.text
        assert acked.json()["chain"]["status"] == "open"

        # The second child is back before the deadline.
        returned = await client.post(f"{base}/{back}/return", json={}, headers=officer)
        assert returned.status_code == 200, returned.text

        # Past the deadline: the township hears of the first child only.
        escalated = await wait_notice(
            client, services, college, township, "dropout_escalated", timeout_s=40
        )
        told_at = datetime.fromisoformat(escalated["created_at"])
        assert told_at >= datetime.fromisoformat(reported[gone]["return_by"])
        assert COUNTY in escalated["body"]

        async def resolved() -> bool:
            chain = await _chain(client, services, college, reported[back]["case_id"])
            return bool(chain["status"] == "resolved")

        await wait_until(resolved, timeout_s=30, what="the returned child's chain resolved")
        await asyncio.sleep(2)
        assert (
            len(await notices_of_kind(client, services, college, township, "dropout_escalated"))
            == 1
        )
        first = await _chain(client, services, college, reported[gone]["case_id"])
        assert (first["status"], first["step"]) == ("open", 1)
        assert [a["person_id"] for a in first["acknowledgements"]] == [guardians[gone]]

        # The township contact acknowledges: the case's chain closes.
        done = await client.post(url_of(services, f"/ack/{ack_token(escalated)}"))
        assert done.status_code == 200, done.text
        assert (done.json()["chain"]["status"], done.json()["chain"]["closed_by"]) == (
            "acknowledged",
            township,
        )
