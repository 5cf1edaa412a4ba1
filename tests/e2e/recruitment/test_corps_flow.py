"""Volunteer corps end to end: units, assignment, a move with history, events, access."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import httpx
import pytest

from shared.events.recruitment import MembershipEnded, MembershipStarted
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def test_a_volunteer_moves_between_detachments_with_history_kept(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = f"{services['recruitment']}/api/recruitment/colleges/cs"
    officer = bearer("cs-officer", "officer", "cs")
    county, run = f"岳西县-{uuid4().hex[:6]}", uuid4().hex[:6]
    volunteer = f"vol-{run}"
    async with httpx.AsyncClient(timeout=10) as client:
        brigade = await client.post(
            f"{base}/corps/units",
            json={"kind": "brigade", "name": "岳西县大队", "county": county},
            headers=officer,
        )
        assert brigade.status_code == 201, brigade.text
        brigade_id = brigade.json()["id"]
        twin = await client.post(
            f"{base}/corps/units",
            json={"kind": "brigade", "name": "又一个", "county": county},
            headers=officer,
        )
        assert twin.status_code == 409
        assert twin.json()["errors"][0]["rule"] == "one_brigade_per_county"

        detachments = []
        for school in ("响肠小学", "菖蒲小学"):
            made = await client.post(
                f"{base}/corps/units",
                json={"kind": "detachment", "name": f"{school}分队", "school": school,
                      "brigade_id": brigade_id},
                headers=officer,
            )  # fmt: skip
            assert made.status_code == 201, made.text
            assert made.json()["county"] == county
            detachments.append(made.json()["id"])
        group = await client.post(
            f"{base}/corps/units",
            json={
                "kind": "group",
                "name": "教学组",
                "specialty": "teaching",
                "brigade_id": brigade_id,
            },
            headers=officer,
        )
        assert group.status_code == 201

        listed = await client.get(
            f"{base}/corps/units?kind=detachment&brigade_id={brigade_id}", headers=officer
        )
        assert [u["id"] for u in listed.json()["items"]] == detachments

        assigned = await client.post(
            f"{base}/corps/units/{detachments[0]}/members",
            json={"person_id": volunteer},
            headers=officer,
        )
        assert assigned.status_code == 201, assigned.text
        second = await client.post(
            f"{base}/corps/units/{detachments[1]}/members",
            json={"person_id": volunteer},
            headers=officer,
        )
        assert second.status_code == 409
        assert second.json()["errors"][0]["rule"] == "one_unit_of_each_kind"
        in_group = await client.post(
            f"{base}/corps/units/{group.json()['id']}/members",
            json={"person_id": volunteer, "role": "leader"},
            headers=officer,
        )
        assert in_group.status_code == 201  # a different kind of unit: allowed

        moved = await client.post(
            f"{base}/corps/moves",
            json={
                "person_id": volunteer,
                "to_unit_id": detachments[1],
                "reason": "菖蒲小学缺英语老师",
            },
            headers=officer,
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["ended"]["how_ended"] == "transferred"
        assert moved.json()["started"]["how_started"] == "transferred"

        busy = await client.delete(f"{base}/corps/units/{detachments[1]}", headers=officer)
        assert busy.status_code == 409
        assert busy.json()["errors"][0]["rule"] == "unit_has_members"
        emptied = await client.delete(f"{base}/corps/units/{detachments[0]}", headers=officer)
        assert emptied.status_code == 200 and emptied.json()["dissolved_at"]
        renamed = await client.patch(
            f"{base}/corps/units/{detachments[1]}", json={"name": "菖蒲分队"}, headers=officer
        )
        assert renamed.json()["name"] == "菖蒲分队"

        history = await client.get(
            f"{base}/people/{volunteer}/memberships", headers=bearer(volunteer, "student", "cs")
        )
        assert history.status_code == 200
        rows = [(m["organisation_id"], m["active"]) for m in history.json()["items"]]
        assert (detachments[0], False) in rows and (detachments[1], True) in rows
        assert len(rows) == 3

    async def move_published() -> bool:
        ended = await events_keyed(stack.kafka_bootstrap, MembershipEnded.event_type, volunteer)
        return any(e["how"] == "transferred" for e in ended)

    await wait_until(move_published, timeout_s=30, what="MembershipEnded(transferred)")
    started = await events_keyed(stack.kafka_bootstrap, MembershipStarted.event_type, volunteer)
    assert [
        (e["organisation_id"], e["how"]) for e in started if e["organisation_kind"] == "detachment"
    ] == [
        (detachments[0], "admitted"),
        (detachments[1], "transferred"),
    ]


async def test_bad_corps_input_is_refused_naming_the_field(services: dict[str, str]) -> None:
    base = f"{services['recruitment']}/api/recruitment/colleges/cs"
    officer = bearer("cs-officer", "officer", "cs")
    async with httpx.AsyncClient(timeout=10) as client:
        for bad, field in (
            ({"kind": "brigade", "name": "无县大队"}, "county"),
            ({"kind": "squadron", "name": "x"}, "kind"),
            ({"kind": "brigade", "county": "x"}, "name"),
            (
                {"kind": "detachment", "name": "x", "school": "s", "brigade_id": "nope"},
                "brigade_id",
            ),
        ):
            response = await client.post(f"{base}/corps/units", json=bad, headers=officer)
            assert response.status_code == 422, response.text
            assert field in {e["field"] for e in response.json()["errors"]}
        orphan = await client.post(
            f"{base}/corps/units",
            json={"kind": "detachment", "name": "x", "school": "s", "brigade_id": str(uuid4())},
            headers=officer,
        )
        assert orphan.status_code == 409
        assert orphan.json()["errors"][0]["rule"] == "under_an_active_brigade"
        nowhere = await client.post(
            f"{base}/corps/moves",
            json={"person_id": "p", "to_unit_id": str(uuid4()), "reason": "r"},
            headers=officer,
        )
        assert nowhere.status_code == 404


async def test_another_college_never_sees_the_corps(services: dict[str, str]) -> None:
    base = f"{services['recruitment']}/api/recruitment/colleges/cs"
    async with httpx.AsyncClient(timeout=10) as client:
        made = await client.post(
            f"{base}/corps/units",
            json={"kind": "brigade", "name": "大队", "county": f"县-{uuid4().hex[:6]}"},
            headers=bearer("cs-o", "officer", "cs"),
        )
        unit = made.json()["id"]
        fl = bearer("fl-o", "officer", "fl")
        for method, path, body in (
            ("POST", "/corps/units", {"kind": "brigade", "name": "x", "county": "y"}),
            ("GET", "/corps/units", None),
            ("GET", f"/corps/units/{unit}", None),
            ("PATCH", f"/corps/units/{unit}", {"name": "x"}),
            ("DELETE", f"/corps/units/{unit}", None),
            ("POST", f"/corps/units/{unit}/members", {"person_id": "p"}),
            ("POST", "/corps/moves", {"person_id": "p", "to_unit_id": unit, "reason": "r"}),
        ):
            response = await client.request(method, base + path, json=body, headers=fl)
            assert response.status_code == 403, (method, path)
        # the same unit id read through the other college's path is simply not there
        elsewhere = await client.get(
            f"{services['recruitment']}/api/recruitment/colleges/fl/corps/units/{unit}", headers=fl
        )
        assert elsewhere.status_code == 404
        student = await client.post(
            f"{base}/corps/units/{unit}/members",
            json={"person_id": "p"},
            headers=bearer("cs-s", "student", "cs"),
        )
        assert student.status_code == 403


async def test_two_simultaneous_assignments_to_units_of_one_kind_give_one_unit(
    services: dict[str, str],
) -> None:
    """Nothing to lock for a newcomer: the database holds one unit of each kind at a time."""
    base = f"{services['recruitment']}/api/recruitment/colleges/cs"
    officer = bearer("cs-officer", "officer", "cs")
    run = uuid4().hex[:6]
    async with httpx.AsyncClient(timeout=20) as client:
        brigade = await client.post(
            f"{base}/corps/units",
            json={"kind": "brigade", "name": "并发大队", "county": f"并发县-{run}"},
            headers=officer,
        )
        assert brigade.status_code == 201, brigade.text
        detachments = []
        for school in ("甲小学", "乙小学"):
            made = await client.post(
                f"{base}/corps/units",
                json={"kind": "detachment", "name": f"{school}分队", "school": school,
                      "brigade_id": brigade.json()["id"]},
                headers=officer,
            )  # fmt: skip
            assert made.status_code == 201, made.text
            detachments.append(made.json()["id"])

        for round_ in range(6):
            volunteer = f"race-{run}-{round_}"
            answers = await asyncio.gather(
                *(
                    client.post(
                        f"{base}/corps/units/{unit}/members",
                        json={"person_id": volunteer},
                        headers=officer,
                    )
                    for unit in detachments
                )
            )
            codes = sorted(a.status_code for a in answers)
            assert codes == [201, 409], [a.text for a in answers]
            refused = next(a for a in answers if a.status_code == 409)
            assert refused.json()["errors"][0]["rule"] == "one_unit_of_each_kind"
            history = await client.get(f"{base}/people/{volunteer}/memberships", headers=officer)
            assert [m["active"] for m in history.json()["items"]] == [True]
