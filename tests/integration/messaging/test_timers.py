"""Durable timers on the real PostgreSQL: once with several loops, across restarts,
moved, cancelled, retried, failed for good; and only for the kinds a loop knows.

Each test uses its own kind, so the loops of one test never fire another's actions.
Time is the test's clock, moved by hand, so nothing waits for a real deadline.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import pytest

from shared.rules import RuleBroken
from shared.supervisor import LoopHealth
from shared.timers import (
    DueAction,
    DueActionHandler,
    cancel,
    cancel_many,
    run_due_actions,
    schedule,
    schedule_many,
)
from tests.support.kafka import wait_until

pytestmark = pytest.mark.integration
START = datetime(2026, 5, 1, 8, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module", autouse=True)
async def effects_table(kernel_pool: asyncpg.Pool) -> None:
    await kernel_pool.execute(
        "CREATE TABLE IF NOT EXISTS timer_effects (kind text NOT NULL, key text NOT NULL,"
        " loop text NOT NULL, fired_at timestamptz NOT NULL)"
    )


def new_kind() -> str:
    return f"test.{uuid4().hex[:10]}"


def recording(loop: str, *, pause_s: float = 0.0) -> DueActionHandler:
    async def handler(conn: asyncpg.Connection, action: DueAction, now: datetime) -> None:
        await conn.execute(
            "INSERT INTO timer_effects (kind, key, loop, fired_at) VALUES ($1, $2, $3, $4)",
            action.kind,
            action.key,
            loop,
            now,
        )
        if pause_s:
            await asyncio.sleep(pause_s)  # holds the claim while other loops look

    return handler


@asynccontextmanager
async def running(
    pool: asyncpg.Pool, actions: Mapping[str, DueActionHandler], clock: Clock, count: int = 1
) -> AsyncIterator[None]:
    stop = asyncio.Event()
    loops = [
        asyncio.create_task(
            run_due_actions(pool, stop, LoopHealth(), actions=actions, clock=clock, poll_s=0.05)
        )
        for _ in range(count)
    ]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*loops)


async def at(pool: asyncpg.Pool, kind: str, key: str, due_at: datetime) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await schedule(conn, kind=kind, key=key, due_at=due_at, payload={"key": key})


async def effects(pool: asyncpg.Pool, kind: str) -> dict[str, int]:
    rows = await pool.fetch(
        "SELECT key, count(*) AS n FROM timer_effects WHERE kind = $1 GROUP BY key", kind
    )
    return {row["key"]: row["n"] for row in rows}


async def rows_of(pool: asyncpg.Pool, kind: str) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT * FROM due_actions WHERE kind = $1 ORDER BY id", kind)


def all_fired(pool: asyncpg.Pool, kind: str, count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        rows = await rows_of(pool, kind)
        return len(rows) == count and all(row["fired_at"] is not None for row in rows)

    return check


async def test_each_action_fires_once_while_several_loops_run(kernel_pool: asyncpg.Pool) -> None:
    kind, clock = new_kind(), Clock()
    keys = [f"k{n}" for n in range(30)]
    for key in keys:
        await at(kernel_pool, kind, key, START - timedelta(seconds=1))
    handlers = {kind: recording(f"pid{os.getpid()}", pause_s=0.01)}
    async with running(kernel_pool, handlers, clock, count=3):
        await wait_until(all_fired(kernel_pool, kind, 30), timeout_s=30, what="30 fired actions")
    assert await effects(kernel_pool, kind) == dict.fromkeys(keys, 1)


async def test_an_action_fires_after_a_restart(kernel_pool: asyncpg.Pool) -> None:
    kind, clock = new_kind(), Clock()
    await at(kernel_pool, kind, "later", START + timedelta(minutes=10))
    async with running(kernel_pool, {kind: recording("first")}, clock):
        await asyncio.sleep(0.3)  # rounds run; nothing is due yet
    assert await effects(kernel_pool, kind) == {}
    clock.now = START + timedelta(minutes=11)  # due while no loop ran
    async with running(kernel_pool, {kind: recording("second")}, clock):
        await wait_until(all_fired(kernel_pool, kind, 1), timeout_s=15, what="the action")
    row = await kernel_pool.fetchrow("SELECT * FROM timer_effects WHERE kind = $1", kind)
    assert row["loop"] == "second"


async def test_a_moved_action_fires_at_its_new_time_only(kernel_pool: asyncpg.Pool) -> None:
    kind, clock = new_kind(), Clock()
    await at(kernel_pool, kind, "sooner", START + timedelta(hours=1))
    await at(kernel_pool, kind, "sooner", START + timedelta(minutes=5))  # moved earlier
    await at(kernel_pool, kind, "later", START + timedelta(minutes=5))
    await at(kernel_pool, kind, "later", START + timedelta(hours=1))  # moved later
    assert len(await rows_of(kernel_pool, kind)) == 2  # one pending row per key
    async with running(kernel_pool, {kind: recording("loop")}, clock):
        clock.now = START + timedelta(minutes=6)

        async def sooner_fired() -> bool:
            return await effects(kernel_pool, kind) == {"sooner": 1}

        await wait_until(sooner_fired, timeout_s=15, what="the action moved earlier")
        await asyncio.sleep(0.3)
        assert await effects(kernel_pool, kind) == {"sooner": 1}  # not the one moved later
        clock.now = START + timedelta(hours=2)
        await wait_until(all_fired(kernel_pool, kind, 2), timeout_s=15, what="both actions")
    assert await effects(kernel_pool, kind) == {"sooner": 1, "later": 1}


async def test_a_cancelled_action_never_fires(kernel_pool: asyncpg.Pool) -> None:
    kind, clock = new_kind(), Clock()
    await at(kernel_pool, kind, "cancelled", START + timedelta(minutes=5))
    await at(kernel_pool, kind, "kept", START + timedelta(minutes=5))
    async with kernel_pool.acquire() as conn, conn.transaction():
        assert await cancel(conn, kind=kind, key="cancelled") is True
        assert await cancel(conn, kind=kind, key="cancelled") is False
    clock.now = START + timedelta(hours=1)
    async with running(kernel_pool, {kind: recording("loop")}, clock):
        await wait_until(all_fired(kernel_pool, kind, 1), timeout_s=15, what="the kept action")
        await asyncio.sleep(0.3)
    assert await effects(kernel_pool, kind) == {"kept": 1}


async def test_many_scheduled_moved_and_cancelled_at_once_act_as_one_by_one(
    kernel_pool: asyncpg.Pool,
) -> None:
    kind, clock = new_kind(), Clock()
    soon, later = START + timedelta(minutes=5), START + timedelta(hours=1)
    await at(kernel_pool, kind, "fired", START - timedelta(seconds=1))
    async with running(kernel_pool, {kind: recording("first")}, clock):
        await wait_until(all_fired(kernel_pool, kind, 1), timeout_s=15, what="the first action")
    await at(kernel_pool, kind, "moved", later)
    async with kernel_pool.acquire() as conn, conn.transaction():
        await schedule_many(conn, kind=kind, timers=[])  # nothing: no statement
        await schedule_many(
            conn,
            kind=kind,
            timers=[
                ("a", later, {"n": 1}),
                ("twice", later, {"n": 1}),
                ("twice", soon, {"n": 2}),  # the last of a key wins
                ("moved", soon, None),  # the pending one moved earlier
                ("fired", soon, {"n": 3}),  # fired before: a new pending one
                ("cancelled", soon, None),
            ],
        )
        await cancel_many(conn, kind=kind, keys=["cancelled", "never-set", "a"])
        await cancel_many(conn, kind=kind, keys=[])
    pending = {
        row["key"]: (row["due_at"], json.loads(row["payload"]))
        for row in await rows_of(kernel_pool, kind)
        if row["fired_at"] is None
    }
    assert pending == {"twice": (soon, {"n": 2}), "moved": (soon, {}), "fired": (soon, {"n": 3})}
    clock.now = START + timedelta(minutes=6)
    async with running(kernel_pool, {kind: recording("second")}, clock):
        await wait_until(all_fired(kernel_pool, kind, 4), timeout_s=15, what="the three due")
        await asyncio.sleep(0.3)
    assert await effects(kernel_pool, kind) == {"fired": 2, "twice": 1, "moved": 1}


async def test_a_failing_action_is_retried_until_it_succeeds(kernel_pool: asyncpg.Pool) -> None:
    kind, clock = new_kind(), Clock()
    calls: list[datetime] = []
    record = recording("loop")

    async def flaky(conn: asyncpg.Connection, action: DueAction, now: datetime) -> None:
        calls.append(now)
        await record(conn, action, now)  # rolled back with the failure
        if len(calls) <= 2:
            raise ConnectionError("the mail server is away")

    await at(kernel_pool, kind, "flaky", START)
    async with running(kernel_pool, {kind: flaky}, clock):
        for failures in (1, 2):  # each failure moves the action on; then the clock does
            await wait_until(
                lambda failures=failures: _attempts_are(kernel_pool, kind, failures),
                timeout_s=15,
                what=f"failed attempt {failures}",
            )
            assert await effects(kernel_pool, kind) == {}
            clock.now += timedelta(hours=1)
        await wait_until(all_fired(kernel_pool, kind, 1), timeout_s=15, what="the retried action")
    [row] = await rows_of(kernel_pool, kind)
    assert row["attempts"] == 2 and row["last_error"] is None
    assert len(calls) == 3
    assert await effects(kernel_pool, kind) == {"flaky": 1}


async def _attempts_are(pool: asyncpg.Pool, kind: str, count: int) -> bool:
    [row] = await rows_of(pool, kind)
    return bool(row["attempts"] == count and row["due_at"] > START)


async def test_a_broken_rule_fires_the_action_once_with_its_error(
    kernel_pool: asyncpg.Pool,
) -> None:
    kind, clock = new_kind(), Clock()
    calls = 0
    record = recording("loop")

    async def refused(conn: asyncpg.Connection, action: DueAction, now: datetime) -> None:
        nonlocal calls
        calls += 1
        await record(conn, action, now)  # rolled back with the refusal
        raise RuleBroken("campaign_already_closed", field="id", message="closed")

    await at(kernel_pool, kind, "refused", START)
    async with running(kernel_pool, {kind: refused}, clock):
        await wait_until(all_fired(kernel_pool, kind, 1), timeout_s=15, what="the action")
        clock.now += timedelta(hours=1)
        await asyncio.sleep(0.3)
    [row] = await rows_of(kernel_pool, kind)
    assert "campaign_already_closed" in row["last_error"]
    assert calls == 1
    assert await effects(kernel_pool, kind) == {}


async def test_an_unknown_kind_is_left_for_a_loop_that_knows_it(
    kernel_pool: asyncpg.Pool,
) -> None:
    known, unknown, clock = new_kind(), new_kind(), Clock()
    await at(kernel_pool, unknown, "someone-elses", START)
    await at(kernel_pool, known, "mine", START)
    async with running(kernel_pool, {known: recording("loop")}, clock):
        await wait_until(all_fired(kernel_pool, known, 1), timeout_s=15, what="the known kind")
    [row] = await rows_of(kernel_pool, unknown)
    assert row["fired_at"] is None and row["attempts"] == 0
