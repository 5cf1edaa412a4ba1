"""SQL of the `due_actions` table (a kernel migration gives every service schema one)."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

# A retryable failure (the database or a broker away) moves the action this far on,
# doubling per attempt up to the cap: infrastructure comes back, so it is never given up.
FIRST_RETRY = timedelta(seconds=1)
MAX_RETRY = timedelta(minutes=5)


@dataclass(frozen=True)
class DueAction:
    id: int
    kind: str
    key: str
    due_at: datetime
    payload: Mapping[str, Any]
    attempts: int


def retry_delay(attempts: int) -> timedelta:
    """How long after a retryable failure the action is tried again (`attempts` so far)."""
    return min(MAX_RETRY, FIRST_RETRY * 2 ** max(0, min(attempts, 20)))


_SCHEDULE = (
    "INSERT INTO due_actions (kind, key, due_at, payload) VALUES ($1, $2, $3, $4::jsonb)"
    " ON CONFLICT (kind, key) WHERE fired_at IS NULL DO UPDATE"
    " SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload,"
    " attempts = 0, last_error = NULL"
)
_CANCEL = "DELETE FROM due_actions WHERE kind = $1 AND key = $2 AND fired_at IS NULL"


async def schedule(
    conn: asyncpg.Connection,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    payload: Mapping[str, Any] | None = None,
) -> None:
    """Make (kind, key) due at `due_at`: a new action, or the pending one moved (and its
    payload replaced, its failures forgotten). Runs in the caller's transaction."""
    await conn.execute(_SCHEDULE, kind, key, due_at, json.dumps(dict(payload or {})))


async def schedule_many(
    conn: asyncpg.Connection,
    *,
    kind: str,
    timers: Sequence[tuple[str, datetime, Mapping[str, Any] | None]],
) -> None:
    """`schedule` for each (key, due_at, payload), in order (a key given twice ends at its
    last), sent to the database as one batch."""
    rows = [(kind, key, due_at, json.dumps(dict(payload or {}))) for key, due_at, payload in timers]
    if rows:
        await conn.executemany(_SCHEDULE, rows)


async def cancel(conn: asyncpg.Connection, *, kind: str, key: str) -> bool:
    """Forget the pending (kind, key); False when none was pending (fired or never set).

    While a loop fires it, this waits for that transaction: then it is fired, not pending.
    """
    status = await conn.execute(_CANCEL, kind, key)
    return status != "DELETE 0"


async def cancel_many(conn: asyncpg.Connection, *, kind: str, keys: Collection[str]) -> None:
    """`cancel` for each key, sent to the database as one batch. (One key lookup each,
    on the pending index, whatever the table's statistics: a single statement over an
    array of thousands of keys can be planned as a scan per key.)"""
    if keys:
        await conn.executemany(_CANCEL, [(kind, key) for key in keys])


async def claim_due(
    conn: asyncpg.Connection, *, kinds: Collection[str], now: datetime, limit: int
) -> list[DueAction]:
    """Lock pending actions of `kinds` due by `now`, that no other loop holds, oldest first.

    Must run in a transaction: the row locks last until it ends.
    """
    rows = await conn.fetch(
        "SELECT id, kind, key, due_at, payload, attempts FROM due_actions"
        " WHERE fired_at IS NULL AND due_at <= $1 AND kind = ANY($2::text[])"
        " ORDER BY due_at, id LIMIT $3 FOR UPDATE SKIP LOCKED",
        now,
        list(kinds),
        limit,
    )
    return [
        DueAction(
            id=row["id"],
            kind=row["kind"],
            key=row["key"],
            due_at=row["due_at"],
            payload=json.loads(row["payload"]),
            attempts=row["attempts"],
        )
        for row in rows
    ]


async def mark_fired(
    conn: asyncpg.Connection, action: DueAction, *, now: datetime, error: str | None = None
) -> None:
    """Fired: done, or (with `error`) failed for good and never tried again."""
    await conn.execute(
        "UPDATE due_actions SET fired_at = $2, last_error = $3,"
        " attempts = attempts + CASE WHEN $3::text IS NULL THEN 0 ELSE 1 END WHERE id = $1",
        action.id,
        now,
        None if error is None else error[:2000],
    )


async def postpone(
    conn: asyncpg.Connection, action: DueAction, *, until: datetime, error: str
) -> None:
    """A retryable failure: still pending, tried again at `until`."""
    await conn.execute(
        "UPDATE due_actions SET attempts = attempts + 1, last_error = $3, due_at = $2"
        " WHERE id = $1",
        action.id,
        until,
        error[:2000],
    )


async def due_unknown_kinds(
    conn: asyncpg.Connection, *, known: Collection[str], now: datetime
) -> dict[str, int]:
    """Pending actions due by `now` whose kind this service has no handler for."""
    rows = await conn.fetch(
        "SELECT kind, count(*) AS n FROM due_actions"
        " WHERE fired_at IS NULL AND due_at <= $1 AND NOT (kind = ANY($2::text[]))"
        " GROUP BY kind",
        now,
        list(known),
    )
    return {row["kind"]: row["n"] for row in rows}
