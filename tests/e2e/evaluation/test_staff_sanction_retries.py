"""A retried write on the running service (the kernel's Idempotency-Key): an officer's
client that sends a sanction again with its key, after a timeout say, imposes it once,
gets the first answer each time, and the event leaves once; the key with another
sanction is refused and imposes nothing."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import asyncpg
import httpx
import pytest

from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.staff_support import T0, TERM_ENDS, base_url, new_term
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

OFFICER = bearer("cs-officer-3", "officer", COLLEGE)
IMPOSED = "campusflow.evaluation.staff_sanction.imposed.v1"
WARNING = {"kind": "warning", "reason": "值班期间擅自离岗，经提醒仍未改正"}


async def test_a_sanction_sent_again_with_its_key_is_imposed_once(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base, term, person = base_url(services), new_term(), f"m-{uuid4().hex[:8]}"
    url = f"{base}/terms/{term}/sanctions/{person}"
    keyed = {**OFFICER, "Idempotency-Key": str(uuid4())}
    async with httpx.AsyncClient(timeout=20) as client:
        window = {"starts_at": T0.isoformat(), "ends_at": TERM_ENDS.isoformat()}
        put = await client.put(f"{base}/terms/{term}", json=window, headers=OFFICER)
        assert put.status_code == 200, put.text

        # Three at once (a client's retries racing its first try), then two more.
        racing = await asyncio.gather(
            *(client.post(url, json=WARNING, headers=keyed) for _ in range(3))
        )
        later = [await client.post(url, json=WARNING, headers=keyed) for _ in range(2)]
        other = await client.post(url, json={**WARNING, "reason": "另一事由"}, headers=keyed)
        listed = await client.get(url, headers=OFFICER)

    answered = [r for r in (*racing, *later) if r.status_code == 201]
    assert {r.status_code for r in racing} <= {201, 409}, [r.text for r in racing]
    assert all(r.status_code == 201 for r in later), [r.text for r in later]
    assert len({r.json()["sanction_id"] for r in answered}) == 1
    (sanction_id,) = {r.json()["sanction_id"] for r in answered}
    assert all(r.headers.get("idempotent-replayed") == "true" for r in later)
    for refused in (r for r in racing if r.status_code == 409):
        assert refused.json()["errors"][0]["rule"] == "idempotency_key_in_use"
    assert other.status_code == 422, other.text
    assert other.json()["errors"][0]["rule"] == "idempotency_key_reused"
    assert [s["sanction_id"] for s in listed.json()["sanctions"]] == [sanction_id]

    conn = await asyncpg.connect(stack.postgres_admin_dsn)
    try:
        held = "SELECT count(*) FROM evaluation.staff_sanctions WHERE term = $1"
        assert await conn.fetchval(held, term) == 1
    finally:
        await conn.close()

    async def told() -> bool:
        return bool(await events_keyed(stack.kafka_bootstrap, IMPOSED, person))

    await wait_until(told, timeout_s=30, what="StaffSanctionImposed")
    await asyncio.sleep(1)  # room for a second event, were there one
    events = await events_keyed(stack.kafka_bootstrap, IMPOSED, person)
    assert [e["sanction_id"] for e in events] == [sanction_id]


async def test_a_retry_sent_the_moment_the_answer_arrives_gets_it_again(
    services: dict[str, str],
) -> None:
    """The answer is kept before it is sent: a client that has it and sends again at once
    (over the real server, where the two could otherwise cross) gets it replayed."""
    base, term, person = base_url(services), new_term(), f"m-{uuid4().hex[:8]}"
    url = f"{base}/terms/{term}/sanctions/{person}"
    async with httpx.AsyncClient(timeout=20) as client:
        window = {"starts_at": T0.isoformat(), "ends_at": TERM_ENDS.isoformat()}
        put = await client.put(f"{base}/terms/{term}", json=window, headers=OFFICER)
        assert put.status_code == 200, put.text
        for _ in range(20):
            keyed = {**OFFICER, "Idempotency-Key": str(uuid4())}
            first = await client.post(url, json=WARNING, headers=keyed)
            again = await client.post(url, json=WARNING, headers=keyed)
            assert (first.status_code, again.status_code) == (201, 201), again.text
            assert again.json() == first.json()
