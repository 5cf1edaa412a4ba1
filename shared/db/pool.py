"""One asyncpg pool per service, confined to the service's own schema."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import structlog

log = structlog.get_logger(__name__)

CONNECT_TIMEOUT_S = 10.0
# How long a request or an event waits for a free connection before it is a 503 / a retry.
ACQUIRE_TIMEOUT_S = 10.0
# How long closing a pool waits for its connections to come back before it cuts them.
CLOSE_TIMEOUT_S = 10.0


async def create_pool(
    dsn: str, *, schema: str, min_size: int = 1, max_size: int = 10
) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        server_settings={"search_path": schema, "application_name": f"campusflow-{schema}"},
        command_timeout=30,
        timeout=CONNECT_TIMEOUT_S,  # a dropped network must not stall a batch for asyncpg's 60 s
    )
    if pool is None:  # asyncpg types it Optional; it is never None when awaited
        raise RuntimeError("asyncpg returned no pool")
    return pool


@asynccontextmanager
async def connection_within(
    pool: asyncpg.Pool, timeout_s: float
) -> AsyncIterator[asyncpg.Connection]:
    """A connection of `pool` for the block, if one comes within `timeout_s` (TimeoutError
    if not). Not `pool.acquire(timeout=)`: asyncpg keeps an acquire's timeout for the
    connection's reset on release too, and a short wait would cut a slow reset."""
    async with asyncio.timeout(timeout_s):
        conn = await pool.acquire()
    try:
        yield conn
    finally:
        await pool.release(conn)


async def close_pool(pool: asyncpg.Pool, *, within_s: float = CLOSE_TIMEOUT_S) -> None:
    """Close `pool`, waiting at most `within_s` for the connections still in use, then
    cut them (a cancelled close() terminates the pool): a task stuck with a connection
    must not hold a shutdown up for good."""
    try:
        await asyncio.wait_for(pool.close(), timeout=within_s)
    except TimeoutError:
        log.warning("database pool closed by force", waited_s=within_s)
