"""Open shifts on the real stack: a member who cannot come offers their seat to the members
who may take it under every hard rule; of two takers at the same moment exactly one wins."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest

from services.scheduling.service import open_shifts
from shared.rules import RuleBroken
from tests.e2e.scheduling.rotas_support import (
    COLLEGE,
    OFFICER,
    PLAN,
    ROOT,
    connect,
    member,
    monday_ahead,
    new_crew,
    publish,
    read_rota,
    seats,
    shift_id,
)
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

OFFERED = "campusflow.scheduling.shift.offered.v1"
CHANGED = "campusflow.scheduling.shift.changed.v1"


async def test_an_open_shift_goes_to_exactly_one_of_two_eligible_members_taking_it_at_once(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    crew = new_crew()
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:
        detail = await publish(client, service_dsns["scheduling"], crew, start=monday_ahead())
        rota_id = detail["rota_id"]
        wednesday_evening = shift_id(detail, "eve", 2)

        not_mine = await client.post(
            f"{ROOT}/shifts/{wednesday_evening}/offer", headers=member(crew("n1"))
        )
        assert not_mine.status_code == 409
        assert not_mine.json()["errors"][0]["rule"] == "holds_shift"

        offered = await client.post(
            f"{ROOT}/shifts/{wednesday_evening}/offer", headers=member(crew("n3"))
        )
        assert offered.status_code == 201, offered.text
        offer = offered.json()
        # k1 works Wednesday's day shift (one shift a day): everyone else may take it.
        assert offer["eligible"] == sorted(crew(m) for m in ("k2", "k3", "n1", "n2", "s1", "s2"))
        again = await client.post(
            f"{ROOT}/shifts/{wednesday_evening}/offer", headers=member(crew("n3"))
        )
        assert again.status_code == 409
        assert again.json()["errors"][0]["rule"] == "one_open_offer"

        ineligible = await client.post(
            f"{ROOT}/offers/{offer['offer_id']}/take", headers=member(crew("k1"))
        )
        assert ineligible.status_code == 409
        assert ineligible.json()["errors"][0]["rule"] == "eligible_taker"
        own = await client.post(
            f"{ROOT}/offers/{offer['offer_id']}/take", headers=member(crew("n3"))
        )
        assert own.status_code == 409
        assert own.json()["errors"][0]["rule"] == "take_own_offer"

        takers = ("s1", "s2")
        first, second = await asyncio.gather(
            *(
                client.post(f"{ROOT}/offers/{offer['offer_id']}/take", headers=member(crew(t)))
                for t in takers
            )
        )
        codes = sorted((first.status_code, second.status_code))
        assert codes == [200, 409], (first.text, second.text)
        won, lost = (first, second) if first.status_code == 200 else (second, first)
        winner = won.json()["taken_by"]
        assert lost.json()["errors"][0]["rule"] == "offer_open"
        assert winner in {crew(t) for t in takers}
        after = seats(await read_rota(client, rota_id), crew)
        assert after == PLAN | {("eve", 2): crew.short(winner)}

        listed = await client.get(
            f"{ROOT}/rotas/{rota_id}/offers", headers=OFFICER, params={"open": "false"}
        )
        assert [(o["status"], o["taken_by"]) for o in listed.json()["items"]] == [("taken", winner)]
        audit = await client.get(f"{ROOT}/rotas/{rota_id}/audit", headers=OFFICER)
        assert [e["action"] for e in audit.json()["items"]][-2:] == [
            "shift_offered",
            "seat_changed:open_shift",
        ]

    bootstrap = stack.kafka_bootstrap
    changes: list[dict[str, Any]] = []

    async def changed() -> bool:
        changes[:] = await events_keyed(bootstrap, CHANGED, wednesday_evening)
        return len(changes) == 1

    await wait_until(changed, timeout_s=30, what="ShiftChanged of the open shift")
    assert (changes[0]["from_person_id"], changes[0]["to_person_id"]) == (crew("n3"), winner)
    assert changes[0]["why"] == "open_shift"
    offers = await events_keyed(bootstrap, OFFERED, wednesday_evening)
    assert [o["offer_id"] for o in offers] == [offer["offer_id"]]
    assert offers[0]["eligible"] == offer["eligible"]


async def test_a_day_shift_is_offered_only_to_key_holders_free_that_day(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    crew = new_crew()
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:
        detail = await publish(
            client, service_dsns["scheduling"], crew, start=monday_ahead(), spare=False
        )
        # k2's Tuesday day shift: k1 holds two day shifts already (at most two); only k3
        # holds the key and may take another.
        offered = await client.post(
            f"{ROOT}/shifts/{shift_id(detail, 'day', 1)}/offer", headers=member(crew("k2"))
        )
        assert offered.status_code == 201, offered.text
        assert offered.json()["eligible"] == [crew("k3")]
        # k3's Thursday day shift: k1 and k2 hold two day shifts each, nobody else has the
        # key: nobody may take it, so the offer is refused and nothing is kept.
        nobody = await client.post(
            f"{ROOT}/shifts/{shift_id(detail, 'day', 3)}/offer", headers=member(crew("k3"))
        )
        assert nobody.status_code == 409
        assert nobody.json()["errors"][0] | {"message": ""} == {
            "field": "shift_id",
            "rule": "eligible_taker",
            "message": "",
        }
        listed = await client.get(f"{ROOT}/rotas/{detail['rota_id']}/offers", headers=OFFICER)
        assert len(listed.json()["items"]) == 1
        unknown = await client.post(
            f"{ROOT}/offers/00000000-0000-0000-0000-000000000000/take", headers=member(crew("k3"))
        )
        assert unknown.status_code == 404


async def test_the_second_taker_waits_for_the_first_and_then_finds_the_offer_taken(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    """The race forced, not hoped for: the first taker holds the rota's lock, uncommitted,
    while the second tries; the second waits, then is refused, and nothing of it is kept."""
    dsn = service_dsns["scheduling"]
    crew = new_crew()
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:
        detail = await publish(client, dsn, crew, start=monday_ahead())
        offered = await client.post(
            f"{ROOT}/shifts/{shift_id(detail, 'eve', 2)}/offer", headers=member(crew("n3"))
        )
        assert offered.status_code == 201, offered.text
        offer_id = UUID(offered.json()["offer_id"])
        first, second = await connect(dsn), await connect(dsn)
        try:
            first_tx = first.transaction()
            await first_tx.start()
            won = await open_shifts.take_offer(
                first, college=COLLEGE, offer_id=offer_id, taker=crew("s1"), now=datetime.now(UTC)
            )
            second_tx = second.transaction()
            await second_tx.start()
            losing = asyncio.create_task(
                open_shifts.take_offer(
                    second,
                    college=COLLEGE,
                    offer_id=offer_id,
                    taker=crew("s2"),
                    now=datetime.now(UTC),
                )
            )
            await asyncio.sleep(0.5)
            assert not losing.done(), "the second taker must wait for the first"
            await first_tx.commit()
            with pytest.raises(RuleBroken) as refused:
                await losing
            await second_tx.rollback()
        finally:
            await first.close()
            await second.close()
        assert won.taken_by == crew("s1")
        assert refused.value.rule == "offer_open"
        assert seats(await read_rota(client, detail["rota_id"]), crew) == PLAN | {("eve", 2): "s1"}
