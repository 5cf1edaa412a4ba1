"""Swaps on the real stack: requested by a member, decided by the department head, checked
against every hard rule before they apply, audited, and every bad request refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.scheduling.rotas_support import (
    OFFICER,
    PLAN,
    ROOT,
    Crew,
    member,
    monday_ahead,
    new_crew,
    publish,
    read_rota,
    seats,
    shift_id,
)
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

DECIDED = "campusflow.scheduling.swap.decided.v1"
REQUESTED = "campusflow.scheduling.swap.requested.v1"
CHANGED = "campusflow.scheduling.shift.changed.v1"


async def ask(
    client: httpx.AsyncClient,
    crew: Crew,
    detail: dict[str, Any],
    requester: str,
    mine: tuple[str, int],
    partner: str,
    theirs: tuple[str, int],
) -> httpx.Response:
    return await client.post(
        f"{ROOT}/swaps",
        json={
            "requester_shift_id": shift_id(detail, *mine),
            "partner_id": crew(partner),
            "partner_shift_id": shift_id(detail, *theirs),
        },
        headers=member(crew(requester)),
    )


async def decide(
    client: httpx.AsyncClient, swap_id: str, decision: str, headers: dict[str, str] = OFFICER
) -> httpx.Response:
    return await client.post(
        f"{ROOT}/swaps/{swap_id}/decision",
        json={"decision": decision, "reason": "部长审批"},
        headers=headers,
    )


async def test_an_approved_swap_applies_a_refused_one_does_not_and_one_breaking_a_rule_is_refused(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    crew = new_crew()
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:
        detail = await publish(client, service_dsns["scheduling"], crew, start=monday_ahead())
        rota_id = detail["rota_id"]

        # k1 (Monday's day shift) and k3 (Thursday's): both hold the key.
        good = await ask(client, crew, detail, "k1", ("day", 0), "k3", ("day", 3))
        assert good.status_code == 201, good.text
        assert good.json()["status"] == "requested"
        student = await decide(client, good.json()["swap_id"], "approved", member(crew("k3")))
        assert student.status_code == 403
        approved = await decide(client, good.json()["swap_id"], "approved")
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "approved"
        after = seats(await read_rota(client, rota_id), crew)
        assert after == PLAN | {("day", 0): "k3", ("day", 3): "k1"}
        twice = await decide(client, good.json()["swap_id"], "refused")
        assert twice.status_code == 409
        assert twice.json()["errors"][0]["rule"] == "swap_pending"

        # n1 and n2 swap evenings: allowed by the rules, refused by the head.
        refused = await ask(client, crew, detail, "n1", ("eve", 0), "n2", ("eve", 1))
        assert refused.status_code == 201
        no = await decide(client, refused.json()["swap_id"], "refused")
        assert no.status_code == 200 and no.json()["status"] == "refused"
        assert seats(await read_rota(client, rota_id), crew) == after

        # k2's Tuesday day shift for n3's Wednesday evening: n3 has no key, and the day
        # shift needs one. Asked for, then refused at the decision naming the rule.
        breaking = await ask(client, crew, detail, "k2", ("day", 1), "n3", ("eve", 2))
        assert breaking.status_code == 201
        broken = await decide(client, breaking.json()["swap_id"], "approved")
        assert broken.status_code == 409
        assert broken.json()["errors"][0]["rule"] == "skill"
        assert "key" in broken.json()["errors"][0]["message"]
        assert seats(await read_rota(client, rota_id), crew) == after
        listed = await client.get(f"{ROOT}/rotas/{rota_id}/swaps", headers=OFFICER)
        statuses = {s["swap_id"]: s["status"] for s in listed.json()["items"]}
        assert statuses[breaking.json()["swap_id"]] == "refused"
        mine = await client.get(f"{ROOT}/rotas/{rota_id}/swaps", headers=member(crew("n3")))
        assert [s["swap_id"] for s in mine.json()["items"]] == [breaking.json()["swap_id"]]

        audit = await client.get(f"{ROOT}/rotas/{rota_id}/audit", headers=OFFICER)
        assert [(e["action"], e["actor_id"]) for e in audit.json()["items"]] == [
            ("drafted", "officer-rotas"),
            ("published", "officer-rotas"),
            ("swap_requested", crew("k1")),
            ("seat_changed:swap", "officer-rotas"),
            ("seat_changed:swap", "officer-rotas"),
            ("swap_approved", "officer-rotas"),
            ("swap_requested", crew("n1")),
            ("swap_refused", "officer-rotas"),
            ("swap_requested", crew("k2")),
            ("swap_refused", "officer-rotas"),
        ]
        assert audit.json()["items"][-1]["details"]["rule"] == "skill"
        members_audit = await client.get(
            f"{ROOT}/rotas/{rota_id}/audit", headers=member(crew("k1"))
        )
        assert members_audit.status_code == 403

    bootstrap = stack.kafka_bootstrap
    for swap, decision in (
        (good.json(), "approved"),
        (refused.json(), "refused"),
        (breaking.json(), "refused"),
    ):
        decided: list[dict[str, Any]] = []

        async def seen(key: str = swap["swap_id"], out: list[dict[str, Any]] = decided) -> bool:
            out[:] = await events_keyed(bootstrap, DECIDED, key)
            return len(out) == 1

        await wait_until(seen, timeout_s=30, what=f"SwapDecided of {swap['swap_id']}")
        assert decided[0]["decision"] == decision
        assert len(await events_keyed(bootstrap, REQUESTED, swap["swap_id"])) == 1
    monday = await events_keyed(bootstrap, CHANGED, shift_id(detail, "day", 0))
    assert [(e["from_person_id"], e["to_person_id"], e["why"]) for e in monday] == [
        (crew("k1"), crew("k3"), "swap")
    ]


async def test_bad_swap_requests_are_refused_naming_the_field_and_change_nothing(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    crew = new_crew()
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:
        detail = await publish(client, service_dsns["scheduling"], crew, start=monday_ahead())
        past = await publish(client, service_dsns["scheduling"], crew, start=monday_ahead(-2))
        cases = [
            # (requester, mine, partner, theirs, status, field, rule)
            ("k1", ("day", 0), "k1", ("day", 2), 422, "partner_id", "swap_with_self"),
            ("k1", ("day", 0), "k3", ("day", 0), 422, "partner_shift_id", "same_shift"),
            ("k1", ("day", 1), "k3", ("day", 3), 409, "requester_shift_id", "holds_shift"),
            ("k1", ("day", 0), "k3", ("day", 1), 409, "partner_shift_id", "holds_shift"),
            ("k1", ("day", 0), "nobody", ("day", 3), 422, "partner_id", "unknown_member"),
        ]
        for requester, mine, partner, theirs, code, field, rule in cases:
            response = await ask(client, crew, detail, requester, mine, partner, theirs)
            assert response.status_code == code, (rule, response.text)
            assert response.json()["errors"][0] | {"message": ""} == {
                "field": field,
                "rule": rule,
                "message": "",
            }
        in_the_past = await ask(client, crew, past, "k1", ("day", 0), "k3", ("day", 3))
        assert in_the_past.status_code == 409
        assert in_the_past.json()["errors"][0]["rule"] == "upcoming_shift"
        other_rota = await client.post(
            f"{ROOT}/swaps",
            json={
                "requester_shift_id": shift_id(detail, "day", 0),
                "partner_id": crew("k3"),
                "partner_shift_id": shift_id(past, "day", 3),
            },
            headers=member(crew("k1")),
        )
        assert other_rota.status_code == 409
        assert other_rota.json()["errors"][0]["rule"] == "same_rota"

        first = await ask(client, crew, detail, "k1", ("day", 0), "k3", ("day", 3))
        assert first.status_code == 201
        duplicate = await ask(client, crew, detail, "k1", ("day", 0), "k3", ("day", 3))
        assert duplicate.status_code == 409
        assert duplicate.json()["errors"][0]["rule"] == "one_pending_swap"
        foreign = await client.post(
            "/api/scheduling/colleges/fl/swaps",
            json={
                "requester_shift_id": shift_id(detail, "day", 0),
                "partner_id": crew("k3"),
                "partner_shift_id": shift_id(detail, "day", 3),
            },
            headers=bearer(crew("k1"), "student", "fl"),
        )
        assert foreign.status_code == 404  # the shift is not one of that college's
        missing_field = await client.post(
            f"{ROOT}/swaps",
            json={"requester_shift_id": shift_id(detail, "day", 0), "partner_id": crew("k3")},
            headers=member(crew("k1")),
        )
        assert missing_field.status_code == 422
        assert missing_field.json()["errors"][0]["field"].endswith("partner_shift_id")
        bad_decision = await client.post(
            f"{ROOT}/swaps/{first.json()['swap_id']}/decision",
            json={"decision": "maybe"},
            headers=OFFICER,
        )
        assert bad_decision.status_code == 422
        assert bad_decision.json()["errors"][0]["field"].endswith("decision")

        listed = await client.get(f"{ROOT}/rotas/{detail['rota_id']}/swaps", headers=OFFICER)
        assert [s["swap_id"] for s in listed.json()["items"]] == [first.json()["swap_id"]]
        assert seats(await read_rota(client, detail["rota_id"]), crew) == PLAN
