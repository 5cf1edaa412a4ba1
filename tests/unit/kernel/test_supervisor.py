"""Supervised loops: a loop that crashes is restarted, counted, and never dies silently."""

from __future__ import annotations

import asyncio

import pytest

from shared.supervisor import LOOP_RESTARTS, Backoff, LoopHealth, LoopSupervisor, NotReady

pytestmark = pytest.mark.unit

FAST = Backoff(first_s=0.01, max_s=0.05)


async def test_a_crashing_loop_is_restarted_until_it_runs() -> None:
    supervisor = LoopSupervisor("unit-a", backoff=FAST)
    attempts = 0
    settled = asyncio.Event()

    async def flaky(stop: asyncio.Event, health: LoopHealth) -> None:
        nonlocal attempts
        attempts += 1
        if attempts <= 3:
            raise ConnectionResetError("the database went away")
        health.succeeded()
        settled.set()
        await stop.wait()

    supervisor.supervise("flaky", flaky)
    await asyncio.wait_for(settled.wait(), timeout=5)
    health = supervisor.health["flaky"]
    assert (attempts, health.restarts, health.running) == (4, 3, True)
    assert health.failing_since is None  # recovered
    assert LOOP_RESTARTS.labels("unit-a", "flaky")._value.get() == 3
    await supervisor.check_running()
    await supervisor.stop()
    assert not health.running


async def test_a_loop_that_returns_while_the_service_runs_is_restarted() -> None:
    supervisor = LoopSupervisor("unit-b", backoff=FAST)
    runs = 0

    async def quitter(stop: asyncio.Event, health: LoopHealth) -> None:
        nonlocal runs
        runs += 1
        if runs < 3:
            return
        await stop.wait()

    supervisor.supervise("quitter", quitter)
    for _ in range(200):
        if runs >= 3:
            break
        await asyncio.sleep(0.01)
    assert runs == 3
    assert supervisor.health["quitter"].restarts == 2
    await supervisor.stop()


async def test_readiness_names_the_loop_that_is_down_and_liveness_the_one_failing_too_long() -> (
    None
):
    supervisor = LoopSupervisor("unit-c", backoff=Backoff(first_s=60, max_s=60))

    async def broken(stop: asyncio.Event, health: LoopHealth) -> None:
        raise RuntimeError("a bug")

    async def fine(stop: asyncio.Event, health: LoopHealth) -> None:
        await stop.wait()

    supervisor.supervise("broken", broken)
    supervisor.supervise("fine", fine)
    await asyncio.sleep(0.05)  # broken crashed and waits 60 s for its restart
    with pytest.raises(NotReady, match="not running: broken"):
        await supervisor.check_running()
    assert supervisor.failing_longer_than(3600) == []
    assert supervisor.failing_longer_than(0) == ["broken"]
    await asyncio.wait_for(supervisor.stop(), timeout=5)  # stop does not wait out the backoff


async def test_a_running_loop_whose_rounds_keep_failing_counts_as_failing() -> None:
    supervisor = LoopSupervisor("unit-d", backoff=FAST)

    async def stubborn(stop: asyncio.Event, health: LoopHealth) -> None:
        while not stop.is_set():
            health.failed(ConnectionRefusedError("database restarting"))
            await asyncio.sleep(0.01)

    supervisor.supervise("stubborn", stubborn)
    await asyncio.sleep(0.1)
    await supervisor.check_running()  # it runs ...
    assert supervisor.failing_longer_than(0.05) == ["stubborn"]  # ... but keeps failing
    await supervisor.stop()


async def test_a_loop_that_ignores_stop_is_cancelled() -> None:
    supervisor = LoopSupervisor("unit-e", backoff=FAST)

    async def deaf(stop: asyncio.Event, health: LoopHealth) -> None:
        await asyncio.sleep(3600)

    supervisor.supervise("deaf", deaf)
    await asyncio.sleep(0.01)
    await asyncio.wait_for(supervisor.stop(timeout_s=0.1), timeout=5)


def test_two_loops_cannot_share_a_name() -> None:
    async def main() -> None:
        supervisor = LoopSupervisor("unit-f")

        async def idle(stop: asyncio.Event, health: LoopHealth) -> None:
            await stop.wait()

        supervisor.supervise("same", idle)
        with pytest.raises(ValueError, match="already supervised"):
            supervisor.supervise("same", idle)
        await supervisor.stop()

    asyncio.run(main())


def test_backoff_doubles_up_to_its_limit() -> None:
    backoff = Backoff(first_s=0.5, max_s=4)
    assert [backoff.delay(n) for n in range(1, 6)] == [0.5, 1, 2, 4, 4]
