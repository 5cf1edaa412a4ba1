"""The loop that fires due actions: claim, act and mark in one transaction.

Each claimed action runs in a savepoint of the claiming transaction: its handler's
state change and outbox events commit with the row marked fired, or not at all. A
handler that fails for a retryable reason (the database or broker away) leaves the
action pending with a later `due_at`; any other failure (a `RuleBroken`, a bug) marks
it fired with its `last_error` and is logged, so nothing is retried forever. Several
loops (replicas, or one restarted) share the table: SKIP LOCKED gives each row to one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

import asyncpg
import structlog
from prometheus_client import Counter

from shared.messaging.failures import RetryPolicy, is_retryable
from shared.supervisor import LoopHealth, sleep_or_stop
from shared.timers.store import (
    DueAction,
    claim_due,
    due_unknown_kinds,
    mark_fired,
    postpone,
    retry_delay,
)

log = structlog.get_logger(__name__)

DueActionHandler = Callable[[asyncpg.Connection, DueAction, datetime], Awaitable[None]]
Clock = Callable[[], datetime]

DUE_ACTIONS = Counter(
    "campusflow_due_actions_total",
    "Due actions handled, by kind and outcome (fired, retried, failed)",
    ["kind", "outcome"],
)
# Due actions nobody here handles are reported this often (another service version may).
UNKNOWN_REPORT_EVERY_S = 300.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def fire_due(
    pool: asyncpg.Pool,
    *,
    actions: Mapping[str, DueActionHandler],
    now: datetime,
    limit: int = 50,
) -> int:
    """One round: fire what is due by `now`; return how many actions were claimed."""
    async with pool.acquire() as conn, conn.transaction():
        due = await claim_due(conn, kinds=list(actions), now=now, limit=limit)
        for action in due:
            await _fire(conn, action, actions[action.kind], now=now)
    return len(due)


async def _fire(
    conn: asyncpg.Connection, action: DueAction, handler: DueActionHandler, *, now: datetime
) -> None:
    try:
        async with conn.transaction():  # a savepoint: a failing handler leaves no trace
            await handler(conn, action, now)
    except Exception as error:
        if is_retryable(error):
            retry_at = now + retry_delay(action.attempts)
            await postpone(conn, action, until=retry_at, error=repr(error))
            DUE_ACTIONS.labels(action.kind, "retried").inc()
            log.warning(
                "due action failed; retrying later",
                kind=action.kind,
                key=action.key,
                attempts=action.attempts + 1,
                retry_at=retry_at.isoformat(),
                error=repr(error)[:300],
            )
        else:
            await mark_fired(conn, action, now=now, error=repr(error))
            DUE_ACTIONS.labels(action.kind, "failed").inc()
            log.error(
                "due action failed for good; not retried",
                kind=action.kind,
                key=action.key,
                error=repr(error)[:500],
            )
        return
    await mark_fired(conn, action, now=now)
    DUE_ACTIONS.labels(action.kind, "fired").inc()


async def run_due_actions(
    pool: asyncpg.Pool,
    stop: asyncio.Event,
    health: LoopHealth | None = None,
    *,
    actions: Mapping[str, DueActionHandler],
    clock: Clock = _utc_now,
    poll_s: float = 1.0,
    batch_size: int = 50,
) -> None:
    """Fire due actions until `stop`; a failed round is logged, backed off and retried."""
    health = health if health is not None else LoopHealth()
    backoff = RetryPolicy()
    failures = 0
    next_report = 0.0
    while not stop.is_set():
        now = clock()
        try:
            claimed = await fire_due(pool, actions=actions, now=now, limit=batch_size)
            if time.monotonic() >= next_report:
                next_report = time.monotonic() + UNKNOWN_REPORT_EVERY_S
                await _report_unknown(pool, known=list(actions), now=now)
        except Exception as error:
            failures += 1
            health.failed(error)
            log.warning("due-actions round failed", failures=failures, error=repr(error)[:500])
            await sleep_or_stop(stop, backoff.delay(min(failures, 6)))
            continue
        failures = 0
        health.succeeded()
        if claimed < batch_size:
            await sleep_or_stop(stop, poll_s)


async def _report_unknown(pool: asyncpg.Pool, *, known: list[str], now: datetime) -> None:
    async with pool.acquire() as conn:
        unknown = await due_unknown_kinds(conn, known=known, now=now)
    if unknown:
        log.warning("due actions of kinds this service does not handle; left", kinds=unknown)
