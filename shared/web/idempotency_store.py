"""Where idempotency keys are kept (the kernel's table `idempotency_keys`, migration 0004):
the key recorded in the write's transaction, its answer kept after the commit, looked up
by a retry, pruned after the retention. `shared/web/idempotency.py` says what they mean."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from shared.db.pool import ACQUIRE_TIMEOUT_S
from shared.messaging.failures import is_retryable

RETENTION = timedelta(hours=24)
# Keeping an answer is tried this many times, these seconds apart: a database that is
# away for a moment just after the commit must not cost the retries their answer.
KEEP_PAUSES_S = (0.2, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class StoredKey:
    fingerprint: bytes
    status: int | None  # None: the write committed, its answer is not kept (yet)
    withheld: bool  # the answer was no-store or streamed: its status is kept, nothing else
    headers: list[list[str]]
    body: bytes


async def lock_key(conn: asyncpg.Connection, *, caller: str, key: str) -> bool:
    """The key's advisory lock for this transaction, if no other transaction holds it."""
    # 64 bits over the schema, the caller and the key: the services share one database,
    # and advisory locks are the database's.
    free: bool = await conn.fetchval(
        "SELECT pg_try_advisory_xact_lock(hashtextextended("
        "'campusflow.idempotency_keys' || chr(31) || current_schema() || chr(31) || $1"
        " || chr(31) || $2, 0))",
        caller,
        key,
    )
    return free


async def insert_key(
    conn: asyncpg.Connection, *, caller: str, key: str, method: str, path: str, fingerprint: bytes
) -> bool:
    """The key recorded (an expired one replaced); False when it is held and not expired."""
    stored = await conn.fetchval(
        """INSERT INTO idempotency_keys (caller, key, method, path, fingerprint)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (caller, key) DO UPDATE
               SET method = EXCLUDED.method, path = EXCLUDED.path,
                   fingerprint = EXCLUDED.fingerprint, created_at = now(),
                   status = NULL, withheld = false, headers = NULL, body = NULL
               WHERE idempotency_keys.created_at < now() - $6::interval
           RETURNING true""",
        caller,
        key,
        method,
        path,
        fingerprint,
        RETENTION,
    )
    return bool(stored)


async def find_key(pool: asyncpg.Pool, *, caller: str, key: str) -> StoredKey | None:
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        row = await conn.fetchrow(
            """SELECT fingerprint, status, withheld, headers, body FROM idempotency_keys
               WHERE caller = $1 AND key = $2 AND created_at >= now() - $3::interval""",
            caller,
            key,
            RETENTION,
        )
    if row is None:
        return None
    return StoredKey(
        fingerprint=bytes(row["fingerprint"]),
        status=row["status"],
        withheld=row["withheld"],
        headers=json.loads(row["headers"]) if row["headers"] is not None else [],
        body=bytes(row["body"] or b""),
    )


async def keep_answer(
    pool: asyncpg.Pool,
    *,
    caller: str,
    key: str,
    status: int,
    headers: list[list[str]] | None,
    body: bytes | None,
) -> None:
    """The answer kept beside its key (headers and body None: withheld), retried a few
    times while the database is away for a moment."""
    for pause in (*KEEP_PAUSES_S, None):
        try:
            async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
                done = await conn.execute(
                    """UPDATE idempotency_keys
                       SET status = $3, withheld = $4, headers = $5::jsonb, body = $6
                       WHERE caller = $1 AND key = $2""",
                    caller,
                    key,
                    status,
                    body is None,
                    None if headers is None else json.dumps(headers),
                    body,
                )
            if done.split()[-1] == "0":  # the key's row is gone: a bug, said loudly
                raise LookupError(f"no idempotency key {key!r} of {caller!r} to answer")
            return
        except Exception as error:
            if pause is None or not is_retryable(error):
                raise
            await asyncio.sleep(pause)


async def prune_expired(conn: asyncpg.Connection) -> int:
    """Forget keys older than the retention; returns how many."""
    done = await conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval", RETENTION
    )
    return int(done.split()[-1])
