"""One asyncpg pool per service, confined to the service's own schema."""

from __future__ import annotations

import asyncpg

# Errors that mean "the database could not be reached or asked us to back off",
# as opposed to "this statement is wrong". Only these are worth retrying.
RETRYABLE_DB_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    ConnectionError,
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
)


async def create_pool(
    dsn: str, *, schema: str, min_size: int = 1, max_size: int = 10
) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        server_settings={"search_path": schema, "application_name": f"campusflow-{schema}"},
        command_timeout=30,
    )
    if pool is None:  # asyncpg types it Optional; it is never None when awaited
        raise RuntimeError("asyncpg returned no pool")
    return pool
