"""Webhooks delivered on the real PostgreSQL to real local HTTP receivers: a receiver that
answers 503 for a while, then recovers, gets every event, in order, each signature
verifying; a second endpoint is not held up by the first's failures; a redelivered event
adds nothing; a replay of a time range re-sends it in order, as new deliveries; the
attempts are in the log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from services.notifications.service.webhook_dispatch import WebhookDispatcher
from services.notifications.service.webhooks import offer_to_webhooks, replay_range
from tests.e2e.notifications.core_support import own_schema
from tests.e2e.notifications.webhooks_support import (
    SHIFT_ASSIGNED,
    WebhookReceiver,
    add_endpoint,
    offer,
    quick_dispatcher,
    quick_settings,
    run_until,
)
from tests.support.http_server import serve
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
async def pool(stack: StackEndpoints, service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with own_schema(stack.postgres_admin_dsn, service_dsns["notifications"]) as made:
        yield made


@pytest.fixture
def receiver() -> Iterator[tuple[WebhookReceiver, str]]:
    hooks = WebhookReceiver()
    with serve(hooks.app()) as (host, port):
        yield hooks, f"http://{host}:{port}"


async def test_a_failing_receiver_gets_every_event_in_order_once_it_recovers(
    pool: asyncpg.Pool,
    receiver: tuple[WebhookReceiver, str],
    stack: StackEndpoints,
    service_dsns: dict[str, str],
) -> None:
    hooks, base = receiver
    college = "wh1"
    flaky, steady = "/flaky", "/steady"
    flaky_id, hooks.secrets[flaky] = await add_endpoint(pool, college=college, url=base + flaky)
    _, hooks.secrets[steady] = await add_endpoint(pool, college=college, url=base + steady)
    recovers_at = time.monotonic() + 2.5
    hooks.failing = lambda path: path == flaky and time.monotonic() < recovers_at

    now = datetime.now(UTC)
    events = await offer(pool, college=college, occurred_at=T0, n=12, now=now)
    # A redelivered event (the consumer's inbox missed it) queues nothing more.
    async with pool.acquire() as conn, conn.transaction():
        again = await offer_to_webhooks(
            conn,
            college=college,
            event_type=SHIFT_ASSIGNED,
            event_id=events[0],
            occurred_at=T0,
            data={"n": 0},
            now=now,
        )
    assert again == 0

    dispatcher = quick_dispatcher(
        pool, quick_settings(service_dsns["notifications"], stack.redis_url)
    )
    steady_done_at: list[float] = []

    def all_in() -> bool:
        if len(hooks.at(steady)) == len(events) and not steady_done_at:
            steady_done_at.append(time.monotonic())
        return len(hooks.at(flaky)) == len(events) and len(hooks.at(steady)) == len(events)

    await run_until(dispatcher, all_in)

    for path in (flaky, steady):
        got = hooks.at(path)
        assert [r.event_id for r in got] == [str(e) for e in events]  # every one, in order
        assert [r.sequence for r in got] == sorted(r.sequence for r in got)
        assert all(r.signed for r in got)
        assert [r.body["data"]["n"] for r in got] == list(range(len(events)))
        assert all(r.body["sequence"] == r.sequence for r in got)
    assert hooks.refused[flaky] >= 3  # it did fail for a while
    # The steady endpoint was served while the flaky one was still refusing.
    assert steady_done_at and steady_done_at[0] < recovers_at

    log = await pool.fetch(
        "SELECT d.sequence, d.status, d.attempts, count(a.*) AS logged,"
        " count(a.*) FILTER (WHERE a.status_code = 503) AS refused"
        " FROM webhook_deliveries d LEFT JOIN webhook_attempts a USING (delivery_id)"
        " WHERE d.endpoint_id = $1 GROUP BY d.delivery_id ORDER BY d.sequence",
        flaky_id,
    )
    assert [r["status"] for r in log] == ["delivered"] * len(events)
    assert all(r["attempts"] == r["logged"] for r in log)
    # Only the head was ever tried while it failed: the later ones went once each.
    assert log[0]["refused"] == hooks.refused[flaky]
    assert all(r["attempts"] == 1 for r in log[1:])


async def test_a_replay_of_a_range_resends_those_events_in_order(
    pool: asyncpg.Pool,
    receiver: tuple[WebhookReceiver, str],
    stack: StackEndpoints,
    service_dsns: dict[str, str],
) -> None:
    hooks, base = receiver
    college = "wh2"
    path = "/replayed"
    endpoint_id, hooks.secrets[path] = await add_endpoint(pool, college=college, url=base + path)
    now = datetime.now(UTC)
    early = await offer(pool, college=college, occurred_at=T0, n=3, now=now)
    middle = await offer(pool, college=college, occurred_at=T0 + timedelta(hours=1), n=4, now=now)
    late = await offer(pool, college=college, occurred_at=T0 + timedelta(hours=2), n=2, now=now)
    dispatcher = quick_dispatcher(
        pool, quick_settings(service_dsns["notifications"], stack.redis_url)
    )
    await run_until(dispatcher, lambda: len(hooks.at(path)) == 9)

    async with pool.acquire() as conn, conn.transaction():
        queued = await replay_range(
            conn,
            college=college,
            endpoint_id=endpoint_id,
            occurred_from=T0 + timedelta(minutes=30),
            occurred_to=T0 + timedelta(hours=2),
            now=datetime.now(UTC),
        )
    assert queued == len(middle)
    await run_until(dispatcher, lambda: len(hooks.at(path)) == 9 + len(middle))

    got = hooks.at(path)
    assert [r.event_id for r in got[:9]] == [str(e) for e in early + middle + late]
    again = got[9:]
    assert [r.event_id for r in again] == [str(e) for e in middle]  # the range, in order
    assert all(r.signed for r in again)
    assert min(r.sequence for r in again) > max(r.sequence for r in got[:9])
    assert {r.delivery_id for r in again}.isdisjoint({r.delivery_id for r in got[:9]})
    counts = await pool.fetchrow(
        "SELECT count(*) AS total, count(replay_of) AS replays FROM webhook_deliveries"
        " WHERE endpoint_id = $1",
        endpoint_id,
    )
    assert (counts["total"], counts["replays"]) == (9 + len(middle), len(middle))


async def test_only_subscribed_active_endpoints_are_offered_an_event(pool: asyncpg.Pool) -> None:
    college = "wh3"
    other_type = "campusflow.scheduling.meeting.scheduled.v1"
    subscribed, _ = await add_endpoint(
        pool, college=college, url="http://127.0.0.1:9/a", event_types=[SHIFT_ASSIGNED]
    )
    elsewhere, _ = await add_endpoint(
        pool, college=college, url="http://127.0.0.1:9/b", event_types=[other_type]
    )
    paused, _ = await add_endpoint(pool, college=college, url="http://127.0.0.1:9/c")
    await pool.execute("UPDATE webhook_endpoints SET active = false WHERE endpoint_id = $1", paused)
    await add_endpoint(pool, college="wh3x", url="http://127.0.0.1:9/d")

    await offer(pool, college=college, occurred_at=T0, n=2, now=datetime.now(UTC))

    found = await pool.fetch(
        "SELECT endpoint_id, count(*) AS n FROM webhook_deliveries"
        " WHERE college = $1 GROUP BY endpoint_id",
        college,
    )
    assert {r["endpoint_id"]: r["n"] for r in found} == {subscribed: 2}
    assert elsewhere not in {r["endpoint_id"] for r in found}


async def test_after_the_retry_window_the_head_fails_and_the_next_goes(
    pool: asyncpg.Pool,
    receiver: tuple[WebhookReceiver, str],
    stack: StackEndpoints,
    service_dsns: dict[str, str],
) -> None:
    """Injected time: the head fails through a whole (24 h) window, is marked failed with its
    last answer, and only then does the endpoint's next delivery go."""
    hooks, base = receiver
    college = "wh4"
    path = "/down"
    endpoint_id, hooks.secrets[path] = await add_endpoint(pool, college=college, url=base + path)
    first, second = await offer(pool, college=college, occurred_at=T0, n=2, now=T0)
    down = [True]
    hooks.failing = lambda p: p == path and down[0]
    clock = [T0]
    settings = quick_settings(service_dsns["notifications"], stack.redis_url)
    dispatcher = WebhookDispatcher(
        pool, settings, base_s=600.0, cap_s=3600.0, rand=lambda: 0.999, clock=lambda: clock[0]
    )

    async def state() -> list[tuple[str, int, int | None]]:
        found = await pool.fetch(
            "SELECT status, attempts, last_status_code FROM webhook_deliveries"
            " WHERE endpoint_id = $1 ORDER BY sequence",
            endpoint_id,
        )
        return [(r["status"], r["attempts"], r["last_status_code"]) for r in found]

    async with httpx.AsyncClient(timeout=5) as client:
        tries = 0
        while (await state())[0][0] == "pending":
            await dispatcher.round(client)
            tries += 1
            assert tries < 100
            due = await pool.fetchval(
                "SELECT next_attempt_at FROM webhook_deliveries"
                " WHERE endpoint_id = $1 AND status = 'pending' AND attempts > 0",
                endpoint_id,
            )
            if due is not None:
                assert due <= T0 + timedelta(hours=24)
                clock[0] = due
            assert (await state())[1] == ("pending", 0, None)  # the next one waits
        assert clock[0] == T0 + timedelta(hours=24)  # the last try at the window's end
        assert await state() == [("failed", tries, 503), ("pending", 0, None)]
        assert hooks.refused[path] == tries
        down[0] = False
        await dispatcher.round(client)
    assert (await state())[1][0] == "delivered"
    assert [r.event_id for r in hooks.at(path)] == [str(second)]
    assert str(first) not in {r.event_id for r in hooks.received}


async def test_two_replicas_keep_one_delivery_in_flight_per_endpoint_and_the_order(
    pool: asyncpg.Pool,
    receiver: tuple[WebhookReceiver, str],
    stack: StackEndpoints,
    service_dsns: dict[str, str],
) -> None:
    hooks, base = receiver
    hooks.delay_s = 0.02
    college = "wh5"
    paths = ["/one", "/two", "/three"]
    for path in paths:
        _, hooks.secrets[path] = await add_endpoint(pool, college=college, url=base + path)
    flip = [0]

    def every_third_refused(path: str) -> bool:
        flip[0] += 1
        return flip[0] % 3 == 0

    hooks.failing = every_third_refused
    events = await offer(pool, college=college, occurred_at=T0, n=15, now=datetime.now(UTC))
    settings = quick_settings(service_dsns["notifications"], stack.redis_url)
    replicas = [quick_dispatcher(pool, settings) for _ in range(2)]

    def all_in() -> bool:
        return all(len(hooks.at(path)) >= len(events) for path in paths)

    await asyncio.gather(*(run_until(replica, all_in) for replica in replicas))
    for path in paths:
        got = hooks.at(path)
        assert [r.event_id for r in got] == [str(e) for e in events], path  # once, in order
        assert all(r.signed for r in got)
        assert hooks.most_in_flight[path] == 1, path
    assert sum(hooks.refused.values()) >= 5
    attempted = await pool.fetchval(
        "SELECT count(DISTINCT a.delivery_id) FROM webhook_attempts a"
        " JOIN webhook_deliveries d USING (delivery_id) WHERE d.college = $1",
        college,
    )
    assert attempted == 3 * len(events)
