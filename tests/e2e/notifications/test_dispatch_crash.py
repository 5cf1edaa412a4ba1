"""Exactly-once effect across crashes and replicas, on the real PostgreSQL and Redis.

A dispatcher process is killed (SIGKILL) while the provider holds its request: the
provider got the message, the record never committed. After the claim lapses another
dispatcher takes the delivery over and sends it again with the SAME idempotency key:
a provider that honours the key makes one copy in all; one that does not (SMTP) makes
exactly one duplicate for that crash. Two dispatchers running side by side never send
one delivery twice (claims are SKIP LOCKED)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest

from services.notifications.service.messages import make_messages
from tests.e2e.notifications.core_support import (
    CRASH_CLAIM_S,
    HttpSender,
    Receiver,
    add_contact,
    dispatcher,
    own_schema,
    planner,
    render,
    rows,
    schema_of,
    settings_for,
)
from tests.support.http_server import serve
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[3]
FIELDS = {"decision": "approved"}


@pytest.fixture(scope="module")
async def pool(stack: StackEndpoints, service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with own_schema(stack.postgres_admin_dsn, service_dsns["notifications"]) as made:
        yield made


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    provider = Receiver()
    with serve(provider.app()) as (host, port):
        yield provider, f"http://{host}:{port}"


async def _queue(pool: asyncpg.Pool, count: int) -> list[str]:
    people = [f"p-{uuid4().hex[:8]}" for _ in range(count)]
    for person in people:
        await add_contact(pool, "cs", person, "email", f"{person}@example.edu.cn")
    async with pool.acquire() as conn, conn.transaction():
        await make_messages(
            conn,
            college="cs",
            event_id=uuid4(),
            kind="leave_decided",
            recipient_ids=people,
            fields=FIELDS,
            subject_id="leave-1",
            now=datetime.now(UTC),
            channels=None,
            plan=planner(["email"]),
            render=render,
        )
    return people


async def _wait_for(condition, timeout_s: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("honours_keys", [False, True], ids=["smtp-like", "keyed-provider"])
async def test_a_crash_between_send_and_record(
    pool: asyncpg.Pool,
    stack: StackEndpoints,
    service_dsns: dict[str, str],
    receiver: tuple[Receiver, str],
    honours_keys: bool,
) -> None:
    provider, url = receiver
    provider.delay_s, provider.honours_keys = 5.0, honours_keys
    await pool.execute("UPDATE deliveries SET status = 'failed' WHERE status = 'queued'")
    [person] = await _queue(pool, 1)
    dsn = service_dsns["notifications"]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.notifications.core_support",
        dsn,
        schema_of(pool),
        stack.redis_url,
        url,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await _wait_for(lambda: len(provider.requests) == 1)
    finally:
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), timeout=10)
    [delivery] = await rows(
        pool,
        "SELECT d.* FROM deliveries d JOIN messages m USING (message_id) WHERE m.recipient_id = $1",
        person,
    )
    assert (delivery["status"], delivery["attempts"]) == ("sending", 1)

    # Another dispatcher, once the dead one's claim lapsed.
    provider.delay_s = 0.0
    d = dispatcher(
        pool,
        settings_for(dsn, stack.redis_url),
        {"email": HttpSender("email", url, honours_keys=honours_keys)},
    )
    await d.round()
    assert len(provider.requests) == 1  # the claim still holds: nobody touches it
    later = datetime.now(UTC) + timedelta(seconds=CRASH_CLAIM_S + 1)
    await d.round(now=later)
    await d.round(now=later + timedelta(seconds=5))
    await d.protection.close()

    keys = [r["key"] for r in provider.requests]
    assert keys == [f"campusflow-{delivery['delivery_id']}"] * 2
    assert len(provider.effects) == (1 if honours_keys else 2)
    attempts = await rows(
        pool,
        "SELECT attempt, outcome FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt",
        delivery["delivery_id"],
    )
    assert [(a["attempt"], a["outcome"]) for a in attempts] == [(1, None), (2, "sent")]
    assert (
        await pool.fetchval(
            "SELECT status FROM deliveries WHERE delivery_id = $1", delivery["delivery_id"]
        )
        == "sent"
    )


async def test_two_dispatchers_side_by_side_send_each_delivery_once(
    pool: asyncpg.Pool,
    stack: StackEndpoints,
    service_dsns: dict[str, str],
    receiver: tuple[Receiver, str],
) -> None:
    provider, url = receiver
    await pool.execute("UPDATE deliveries SET status = 'failed' WHERE status = 'queued'")
    people = await _queue(pool, 60)
    settings = settings_for(
        service_dsns["notifications"],
        stack.redis_url,
        dispatch_batch_size=7,
        rate_per_recipient_per_min=1000,
    )
    replicas = [
        dispatcher(pool, settings, {"email": HttpSender("email", url)}, claimer=f"replica-{n}")
        for n in range(2)
    ]
    for _ in range(8):
        await asyncio.gather(*(r.round() for r in replicas))
    for r in replicas:
        await r.protection.close()
    keys = [r["key"] for r in provider.requests]
    assert len(keys) == 60 == len(set(keys))
    tries = await rows(
        pool,
        "SELECT count(*) AS n, min(d.status) AS status FROM delivery_attempts a"
        " JOIN deliveries d USING (delivery_id) JOIN messages m USING (message_id)"
        " WHERE m.recipient_id = ANY($1::text[]) GROUP BY delivery_id",
        people,
    )
    assert len(tries) == 60
    assert {(t["n"], t["status"]) for t in tries} == {(1, "sent")}
