"""The pool helpers of shared/db/pool.py on the real PostgreSQL: closing a pool whose
connection a stuck task still holds cuts it after the wait, not waited for without end (a
service's shutdown, a test fixture's teardown); a connection waited for within a limit
is given back without that limit."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from shared.db.pool import close_pool, connection_within, create_pool
from tests.support.kernel import SCHEMA
from tests.support.proxy import proxy_in_front_of

pytestmark = pytest.mark.integration


async def test_a_pool_with_a_connection_held_for_good_is_closed_by_force(kernel_dsn: str) -> None:
    pool = await create_pool(kernel_dsn, schema=SCHEMA, max_size=2)
    stuck = await pool.acquire()
    started = time.monotonic()
    await asyncio.wait_for(close_pool(pool, within_s=0.5), timeout=10)
    assert time.monotonic() - started < 5
    with pytest.raises(asyncpg.InterfaceError, match="released back to the pool"):
        await stuck.fetchval("SELECT 1")  # cut: the holder can no longer use it
    with pytest.raises(asyncpg.InterfaceError, match="pool is closed"):
        await pool.fetchval("SELECT 1")


async def test_a_pool_whose_connections_come_back_closes_gracefully(kernel_dsn: str) -> None:
    pool = await create_pool(kernel_dsn, schema=SCHEMA, max_size=2)
    held = await pool.acquire()

    async def give_back_soon() -> None:
        await asyncio.sleep(0.2)
        await pool.release(held)

    giving_back = asyncio.create_task(give_back_soon())
    started = time.monotonic()
    await close_pool(pool, within_s=10)
    await giving_back
    assert time.monotonic() - started >= 0.2  # it waited for the connection to come back
    with pytest.raises(asyncpg.InterfaceError, match="pool is closed"):
        await pool.fetchval("SELECT 1")


async def test_a_connection_waited_for_briefly_is_given_back_without_that_limit(
    kernel_dsn: str,
) -> None:
    """asyncpg applies `acquire(timeout=)` to the connection's reset on release too: a slow
    network then cut a connection the round had used well (the review reproduced it)."""
    proxy, proxied_dsn = proxy_in_front_of(kernel_dsn)
    await proxy.start()
    pool = await create_pool(proxied_dsn, schema=SCHEMA, max_size=1)
    try:
        async with connection_within(pool, 0.2) as conn:
            first = conn.get_server_pid()
            proxy.delay_s = 0.15  # each way: the reset takes longer than the 0.2 s wait
        proxy.delay_s = 0.0
        async with connection_within(pool, 0.2) as again:  # the same one, not cut
            assert again.get_server_pid() == first
    finally:
        await close_pool(pool)
        await proxy.cut()
