"""Durable timers, the parts that need no database: backoff and the verdict on a failure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.rules import RuleBroken
from shared.timers import DueAction, retry_delay
from shared.timers.loop import _fire
from shared.timers.store import MAX_RETRY

pytestmark = pytest.mark.unit
NOW = datetime(2026, 5, 1, 8, tzinfo=UTC)


class RecordingConnection:
    """Records the statements the loop sends; `transaction()` is a no-op savepoint."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    async def execute(self, sql: str, *args: Any) -> str:
        self.statements.append((sql, args))
        return "UPDATE 1"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield

    def updates(self) -> list[tuple[Any, ...]]:
        return [args for sql, args in self.statements if sql.startswith("UPDATE due_actions")]


def action(attempts: int = 0) -> DueAction:
    return DueAction(id=7, kind="k", key="x", due_at=NOW, payload={}, attempts=attempts)


def failing(error: Exception) -> Any:
    async def handler(conn: Any, action: DueAction, now: datetime) -> None:
        raise error

    return handler


def test_retries_back_off_doubling_up_to_a_cap() -> None:
    assert retry_delay(0) == timedelta(seconds=1)
    assert retry_delay(1) == timedelta(seconds=2)
    assert retry_delay(3) == timedelta(seconds=8)
    assert retry_delay(50) == MAX_RETRY
    assert all(retry_delay(n) <= retry_delay(n + 1) for n in range(40))


async def test_a_handler_that_succeeds_marks_the_action_fired_without_error() -> None:
    conn = RecordingConnection()

    async def works(conn: Any, action: DueAction, now: datetime) -> None:
        pass

    await _fire(conn, action(), works, now=NOW)  # type: ignore[arg-type]
    [(action_id, fired_at, error)] = conn.updates()
    assert (action_id, fired_at, error) == (7, NOW, None)


async def test_a_retryable_failure_leaves_the_action_pending_later() -> None:
    conn = RecordingConnection()
    await _fire(conn, action(attempts=2), failing(ConnectionError("db away")), now=NOW)  # type: ignore[arg-type]
    [(sql, args)] = conn.statements
    assert "attempts = attempts + 1" in sql and "fired_at" not in sql
    assert args[1] == NOW + timedelta(seconds=4)
    assert "db away" in args[2]


@pytest.mark.parametrize(
    "error",
    [RuleBroken("campaign_already_closed", field="id", message="closed"), KeyError("college")],
)
async def test_a_permanent_failure_marks_the_action_fired_with_its_error(
    error: Exception,
) -> None:
    conn = RecordingConnection()
    await _fire(conn, action(), failing(error), now=NOW)  # type: ignore[arg-type]
    [(action_id, fired_at, recorded)] = conn.updates()
    assert (action_id, fired_at) == (7, NOW)
    assert recorded == repr(error)
