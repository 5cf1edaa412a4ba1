"""A dispatcher that is asked to stop, and one whose provider is slow, on the real
PostgreSQL and Redis: nothing is sent twice.

- Asked to stop (SIGTERM in the service) mid-round, a dispatcher lets its sends under way
  finish and records them, starts no further send, and gives the round's other claims
  back at once (queued, attempt unopened) for any replica to send.
- A round whose sends outlast the claim renews it, so a second replica running beside it
  never takes over a delivery the first still holds.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import asyncpg
import pytest

from services.notifications.service.dispatch import SEND_CONCURRENCY, Dispatcher
from services.notifications.service.preferences import contact_address
from shared.supervisor import LoopHealth
from tests.e2e.notifications.core_support import (
    HttpSender,
    Receiver,
    dispatcher,
    dispatcher_process,
    own_schema,
    queue_emails,
    rows,
    settings_for,
    wait_until,
)
from tests.support.http_server import serve
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


@pytest.fixture
async def pool(stack: StackEndpoints, service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with own_schema(stack.postgres_admin_dsn, service_dsns["notifications"]) as made:
        yield made


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    provider = Receiver()
    with serve(provider.app()) as (host, port):
        yield provider, f"http://{host}:{port}"


async def _states(pool: asyncpg.Pool) -> list[dict[str, object]]:
    return await rows(
        pool,
        "SELECT d.status, d.attempts, d.claimed_by,"
        " (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.delivery_id) AS opened"
        " FROM deliveries d WHERE d.channel = 'email'",
    )


async def _beside_a_slow_round(
    first: Dispatcher, second: Dispatcher, *, started: Callable[[], Awaitable[object]]
) -> None:
    """`first` runs one round; once `started` says it is under way, `second` (another
    replica) keeps looking for due deliveries until that round is over."""
    slow_round = asyncio.create_task(first.round())
    await started()
    while not slow_round.done():
        await second.round()
        await asyncio.sleep(0.05)
    await slow_round


def _keys(provider: Receiver) -> list[str]:
    return [request["key"] for request in provider.requests]


async def test_a_stopped_round_finishes_its_sends_and_gives_the_rest_back(
    pool: asyncpg.Pool,
    stack: StackEndpoints,
    service_dsns: dict[str, str],
    receiver: tuple[Receiver, str],
) -> None:
    provider, url = receiver
    provider.delay_s = 1.0
    count = SEND_CONCURRENCY + 5
    await queue_emails(pool, count)
    settings = settings_for(service_dsns["notifications"], stack.redis_url)
    first = dispatcher(pool, settings, {"email": HttpSender("email", url)}, claimer="first")
    stop = asyncio.Event()
    round_ = asyncio.create_task(first.round(stop=stop))
    await wait_until(lambda: len(provider.requests) == SEND_CONCURRENCY)
    stop.set()  # while every send slot waits for the slow provider
    # Given back at once, while the sends under way still wait for the provider.
    for _ in range(500):
        if len([s for s in await _states(pool) if s["status"] == "queued"]) == 5:
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the unstarted deliveries were not given back within 10 s")
    assert not round_.done()
    await asyncio.wait_for(round_, timeout=30)
    await first.protection.close()

    assert len(provider.requests) == SEND_CONCURRENCY  # no send started after the stop
    states = await _states(pool)
    sent = [s for s in states if s["status"] == "sent"]
    back = [s for s in states if s["status"] == "queued"]
    assert len(sent) == SEND_CONCURRENCY and {(s["attempts"], s["opened"]) for s in sent} == {
        (1, 1)
    }
    # Given back: unclaimed, the attempt unopened (a stop is not a try).
    assert len(back) == 5
    assert {(s["attempts"], s["opened"], s["claimed_by"]) for s in back} == {(0, 0, None)}

    # Due at once for another replica, which sends exactly the rest.
    provider.delay_s = 0.0
    second = dispatcher(pool, settings, {"email": HttpSender("email", url)}, claimer="second")
    await second.round()
    await second.protection.close()
    keys = _keys(provider)
    assert len(keys) == count == len(set(keys))
    assert {(s["status"], s["attempts"]) for s in await _states(pool)} == {("sent", 1)}


async def test_a_slow_round_keeps_its_claims_from_a_second_replica(
    pool: asyncpg.Pool,
    stack: StackEndpoints,
    service_dsns: dict[str, str],
    receiver: tuple[Receiver, str],
) -> None:
    provider, url = receiver
    claim_s = 6.0
    # Three waves of sends: 7.2 s, longer than the claim; each send 0.6 s inside a send's
    # time (half the claim), so a loaded machine does not time it out.
    provider.delay_s = 2.4
    count = 3 * SEND_CONCURRENCY
    await queue_emails(pool, count)
    settings = settings_for(
        service_dsns["notifications"],
        stack.redis_url,
        dispatch_claim_timeout_s=claim_s,
        rate_per_recipient_per_min=1000,
    )
    first = dispatcher(pool, settings, {"email": HttpSender("email", url)}, claimer="first")
    second = dispatcher(pool, settings, {"email": HttpSender("email", url)}, claimer="second")
    await _beside_a_slow_round(
        first, second, started=lambda: wait_until(lambda: len(provider.requests) > 0)
    )
    for d in (first, second):
        await d.protection.close()

    keys = _keys(provider)
    assert len(keys) == count == len(set(keys))
    assert {(s["status"], s["attempts"], s["opened"]) for s in await _states(pool)} == {
        ("sent", 1, 1)
    }


async def test_a_round_slow_to_prepare_sends_nothing_twice(
    pool: asyncpg.Pool,
    stack: StackEndpoints,
    service_dsns: dict[str, str],
    receiver: tuple[Receiver, str],
) -> None:
    provider, url = receiver
    claim_s = 8.0
    # Longer than what is left of the claim after the preparation, yet 0.8 s inside a
    # send's time (half the claim: 4 s), so a loaded machine does not time it out.
    provider.delay_s = 3.2
    count = SEND_CONCURRENCY
    await queue_emails(pool, count)
    settings = settings_for(
        service_dsns["notifications"],
        stack.redis_url,
        dispatch_claim_timeout_s=claim_s,
        rate_per_recipient_per_min=1000,
    )
    stalled = asyncio.Event()

    async def stalling_address(conn: asyncpg.Connection, **where: str) -> str | None:
        if not stalled.is_set():  # the first batch's preparation takes 2/3 of the claim
            stalled.set()
            await asyncio.sleep(5.5)
        return await contact_address(conn, **where)

    first = dispatcher(
        pool,
        settings,
        {"email": HttpSender("email", url)},
        claimer="first",
        address=stalling_address,
    )
    second = dispatcher(pool, settings, {"email": HttpSender("email", url)}, claimer="second")
    await _beside_a_slow_round(first, second, started=stalled.wait)
    for _ in range(3):  # and sends what the first gave back, if anything
        await second.round()
    for d in (first, second):
        await d.protection.close()

    keys = _keys(provider)
    assert len(keys) == count == len(set(keys))
    assert {(s["status"], s["attempts"], s["opened"]) for s in await _states(pool)} == {
        ("sent", 1, 1)
    }


async def test_sigterm_stops_a_dispatcher_process_without_a_second_copy(
    pool: asyncpg.Pool,
    stack: StackEndpoints,
    service_dsns: dict[str, str],
    receiver: tuple[Receiver, str],
) -> None:
    provider, url = receiver
    provider.delay_s = 2.0
    count = SEND_CONCURRENCY + 3
    await queue_emails(pool, count)
    dsn = service_dsns["notifications"]
    process = await dispatcher_process(dsn, pool, stack.redis_url, url)
    try:
        await wait_until(lambda: len(provider.requests) == SEND_CONCURRENCY)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    states = await _states(pool)
    assert sorted((s["status"], s["attempts"], s["opened"]) for s in states) == sorted(
        [("sent", 1, 1)] * SEND_CONCURRENCY + [("queued", 0, 0)] * 3
    )

    provider.delay_s = 0.0
    restarted = dispatcher(
        pool, settings_for(dsn, stack.redis_url), {"email": HttpSender("email", url)}
    )
    stop = asyncio.Event()
    running = asyncio.create_task(restarted.run(stop, LoopHealth()))
    await wait_until(lambda: len(provider.requests) == count)
    stop.set()
    await asyncio.wait_for(running, timeout=10)
    await restarted.protection.close()
    keys = _keys(provider)
    assert len(keys) == count == len(set(keys))
