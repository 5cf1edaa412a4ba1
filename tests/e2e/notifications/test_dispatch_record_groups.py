"""GroupRecorder (service/dispatch_record.py) on the real PostgreSQL: a round's finished
attempts are recorded over the few connections it took, those that finish while every
connection is busy together in the next free one's group, one transaction a group.

The connections are real asyncpg connections of a subclass that counts the transactions
it opens and how many are open at once (`CountedConnection`); a group's rows carry the
one `now` of its transaction, so the groups' sizes are read back from the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from services.notifications.domain.delivery import Decision, Step
from services.notifications.domain.delivery_records import ClaimedDelivery
from services.notifications.repository import deliveries as delivery_rows
from services.notifications.service.dispatch_record import (
    Attempted,
    AttemptResult,
    GroupRecorder,
)
from tests.e2e.notifications.core_support import LocalRendering, own_schema, queue_emails, schema_of
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

WORDING = LocalRendering(
    title="通知：leave_decided", body="decision=approved", locale="zh-CN", version=0
)


@dataclass
class Tracker:
    """What the recorder did with the connections it was given."""

    transactions: int = 0  # opened, in all
    open_now: int = 0
    most_open: int = 0  # at once
    used: set[int] = field(default_factory=set)  # which connections (their ids)
    opened: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def wait_for_transactions(self, count: int) -> None:
        async with self.opened:
            await asyncio.wait_for(
                self.opened.wait_for(lambda: self.transactions >= count), timeout=30
            )


class _CountedTransaction:
    def __init__(self, conn: CountedConnection, inner: Any) -> None:
        self._conn, self._inner = conn, inner

    async def __aenter__(self) -> None:
        tracker = self._conn.tracker
        tracker.transactions += 1
        tracker.open_now += 1
        tracker.most_open = max(tracker.most_open, tracker.open_now)
        tracker.used.add(id(self._conn))
        async with tracker.opened:
            tracker.opened.notify_all()
        try:
            await self._inner.__aenter__()
        except BaseException:
            tracker.open_now -= 1
            raise

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            await self._inner.__aexit__(kind, error, trace)
        finally:
            self._conn.tracker.open_now -= 1


class CountedConnection(asyncpg.Connection):  # type: ignore[misc]
    """A real connection whose transactions the tracker counts."""

    tracker: Tracker

    def transaction(self, **options: Any) -> Any:
        return _CountedTransaction(self, super().transaction(**options))


@pytest.fixture(scope="module")
async def pool(stack: StackEndpoints, service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with own_schema(stack.postgres_admin_dsn, service_dsns["notifications"]) as made:
        yield made


@asynccontextmanager
async def counted_connections(
    dsn: str, schema: str, count: int
) -> AsyncIterator[tuple[list[CountedConnection], Tracker]]:
    tracker = Tracker()
    conns: list[CountedConnection] = []
    try:
        for _ in range(count):
            conn = await asyncpg.connect(
                dsn, server_settings={"search_path": schema}, connection_class=CountedConnection
            )
            conn.tracker = tracker
            conns.append(conn)
        yield conns, tracker
    finally:
        for conn in conns:
            await conn.close()


async def _claimed(pool: asyncpg.Pool, count: int, claimer: str) -> list[ClaimedDelivery]:
    """`count` email deliveries queued and claimed by `claimer` (nothing else is due)."""
    await pool.execute("UPDATE deliveries SET status = 'failed' WHERE status <> 'failed'")
    await queue_emails(pool, count)
    async with pool.acquire() as conn, conn.transaction():
        claimed = await delivery_rows.claim_due(
            conn, claimer=claimer, now=datetime.now(UTC), claim_for_s=300, limit=count + 1
        )
    assert len(claimed) == count
    return claimed


def _sent(claimed: ClaimedDelivery, outcome: str = "sent") -> Attempted:
    result = AttemptResult(outcome, provider_message_id=f"p-{claimed.delivery_id}")
    return Attempted(claimed, result, WORDING, jitter=0.0)


async def _states(pool: asyncpg.Pool, claimed: Sequence[ClaimedDelivery]) -> dict[UUID, Any]:
    found = await pool.fetch(
        "SELECT d.delivery_id, d.status, d.updated_at, a.outcome FROM deliveries d"
        " JOIN delivery_attempts a ON a.delivery_id = d.delivery_id AND a.attempt = d.attempts"
        " WHERE d.delivery_id = ANY($1::uuid[])",
        [c.delivery_id for c in claimed],
    )
    return {row["delivery_id"]: dict(row) for row in found}


def _group_sizes(states: dict[UUID, Any]) -> list[int]:
    """A group is recorded with its transaction's one `now`: its rows share `updated_at`."""
    sizes: dict[datetime, int] = {}
    for state in states.values():
        sizes[state["updated_at"]] = sizes.get(state["updated_at"], 0) + 1
    return [sizes[at] for at in sorted(sizes)]


@asynccontextmanager
async def _locked(pool: asyncpg.Pool, claimed: Sequence[ClaimedDelivery]) -> AsyncIterator[Any]:
    """Another transaction holding these deliveries' rows (FOR UPDATE) until it is rolled
    back: a group recording them waits on PostgreSQL's row lock."""
    async with pool.acquire() as blocker:
        blocking = blocker.transaction()
        await blocking.start()
        await blocker.execute(
            "SELECT 1 FROM deliveries WHERE delivery_id = ANY($1::uuid[]) FOR UPDATE",
            [c.delivery_id for c in claimed],
        )
        try:
            yield blocking
        finally:
            if blocker.is_in_transaction():
                await blocking.rollback()


@asynccontextmanager
async def _busy(
    pool: asyncpg.Pool, dsn: str, claimed: Sequence[ClaimedDelivery], *, locked: int
) -> AsyncIterator[tuple[list[CountedConnection], Tracker, Any]]:
    """Two counted connections, and the first `locked` deliveries' rows held by another
    transaction (rolled back by the test when it lets their records go on)."""
    async with (
        counted_connections(dsn, schema_of(pool), 2) as (conns, tracker),
        _locked(pool, claimed[:locked]) as blocking,
    ):
        yield conns, tracker, blocking


async def test_one_connection_records_ten_attempts_in_two_groups(
    pool: asyncpg.Pool, service_dsns: dict[str, str]
) -> None:
    claimer = f"groups-{uuid4().hex[:6]}"
    claimed = await _claimed(pool, 10, claimer)
    async with counted_connections(service_dsns["notifications"], schema_of(pool), 1) as (
        conns,
        tracker,
    ):
        recorder = GroupRecorder(conns, claimer=claimer, max_attempts=5)
        first = asyncio.create_task(recorder.record(_sent(claimed[0])))
        # The first attempt's group is being recorded (its transaction is open): the nine
        # finishing now wait for the one connection and go in its next group together.
        await tracker.wait_for_transactions(1)
        rest = await asyncio.gather(*(recorder.record(_sent(c)) for c in claimed[1:]))
        decisions = [await first, *rest]
        await recorder.aclose()
    assert all(isinstance(d, Decision) and d.step is Step.SENT for d in decisions)
    assert tracker.transactions == 2 < len(claimed)
    assert tracker.most_open == 1
    states = await _states(pool, claimed)
    assert {(s["status"], s["outcome"]) for s in states.values()} == {("sent", "sent")}
    assert len(states) == 10
    assert _group_sizes(states) == [1, 9]


async def test_never_more_connections_than_given(
    pool: asyncpg.Pool, service_dsns: dict[str, str]
) -> None:
    claimer = f"groups-{uuid4().hex[:6]}"
    claimed = await _claimed(pool, 30, claimer)
    dsn = service_dsns["notifications"]
    async with _busy(pool, dsn, claimed, locked=1) as (conns, tracker, blocking):
        recorder = GroupRecorder(conns, claimer=claimer, max_attempts=5)
        # The first record waits on a row lock of another transaction: one connection is
        # busy until it is released; the second takes the next ones as they finish, one
        # by one and in bursts, and never a third.
        records = [asyncio.create_task(recorder.record(_sent(claimed[0])))]
        await tracker.wait_for_transactions(1)
        for index, item in enumerate(claimed[1:]):
            records.append(asyncio.create_task(recorder.record(_sent(item))))
            if index % 7 == 0:
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        assert not records[0].done()
        await blocking.rollback()
        decisions = await asyncio.gather(*records)
        await recorder.aclose()
    assert all(isinstance(d, Decision) and d.step is Step.SENT for d in decisions)
    assert tracker.most_open == 2  # both were busy at once, never a third
    assert len(tracker.used) == 2
    assert tracker.open_now == 0
    states = await _states(pool, claimed)
    assert len(states) == 30
    assert {(s["status"], s["outcome"]) for s in states.values()} == {("sent", "sent")}
    sizes = _group_sizes(states)
    assert sum(sizes) == 30
    assert tracker.transactions == len(sizes) < 30
    assert max(sizes) > 1


async def test_a_failing_record_leaves_no_other_of_its_group_unrecorded(
    pool: asyncpg.Pool, service_dsns: dict[str, str]
) -> None:
    claimer = f"groups-{uuid4().hex[:6]}"
    claimed = await _claimed(pool, 5, claimer)
    bad = claimed[2]
    async with counted_connections(service_dsns["notifications"], schema_of(pool), 1) as (
        conns,
        tracker,
    ):
        recorder = GroupRecorder(conns, claimer=claimer, max_attempts=5)
        # An outcome delivery_attempts refuses (its CHECK): the group's transaction fails.
        answers = await asyncio.gather(
            *(recorder.record(_sent(c, "bogus" if c is bad else "sent")) for c in claimed),
            return_exceptions=True,
        )
        await recorder.aclose()
    by_delivery = dict(zip((c.delivery_id for c in claimed), answers, strict=True))
    assert isinstance(by_delivery.pop(bad.delivery_id), asyncpg.CheckViolationError)
    assert all(isinstance(d, Decision) and d.step is Step.SENT for d in by_delivery.values())
    # One transaction for the group (rolled back), then one for each alone.
    assert tracker.transactions == 1 + len(claimed)
    states = await _states(pool, claimed)
    assert (states[bad.delivery_id]["status"], states[bad.delivery_id]["outcome"]) == (
        "sending",
        None,
    )
    others = [states[c.delivery_id] for c in claimed if c is not bad]
    assert {(s["status"], s["outcome"]) for s in others} == {("sent", "sent")}


async def test_aclose_after_a_cancelled_round_leaves_no_recording_running(
    pool: asyncpg.Pool, service_dsns: dict[str, str]
) -> None:
    claimer = f"groups-{uuid4().hex[:6]}"
    claimed = await _claimed(pool, 4, claimer)
    dsn = service_dsns["notifications"]
    async with _busy(pool, dsn, claimed, locked=2) as (conns, tracker, blocking):
        # Another transaction holds the first two deliveries' rows: their groups' records
        # wait on PostgreSQL's row locks, both connections busy.
        recorder = GroupRecorder(conns, claimer=claimer, max_attempts=5)

        async def a_round() -> list[Decision | None]:
            records = []
            for count, item in enumerate(claimed, start=1):
                records.append(asyncio.create_task(recorder.record(_sent(item))))
                if count <= 2:
                    await tracker.wait_for_transactions(count)
            return await asyncio.gather(*records)

        the_round = asyncio.create_task(a_round())
        await tracker.wait_for_transactions(2)
        await asyncio.sleep(0.2)  # both records are now blocked in the database
        assert tracker.open_now == 2
        assert not the_round.done()
        the_round.cancel()
        with pytest.raises(asyncio.CancelledError):
            await the_round
        await recorder.aclose()

        assert tracker.open_now == 0
        for conn in conns:
            assert not conn.is_in_transaction()
            # A task still using it would make this fail ("another operation is in progress").
            assert await conn.fetchval("SELECT 1") == 1
        await blocking.rollback()
        await asyncio.sleep(0.5)  # time for a recording left running to write
    assert tracker.transactions == 2  # none started after the round was cancelled
    states = await _states(pool, claimed)
    assert {(s["status"], s["outcome"]) for s in states.values()} == {("sending", None)}


async def test_a_caller_cancelled_while_waiting_spoils_nothing_of_its_group(
    pool: asyncpg.Pool, service_dsns: dict[str, str]
) -> None:
    claimer = f"groups-{uuid4().hex[:6]}"
    claimed = await _claimed(pool, 4, claimer)
    async with (
        counted_connections(service_dsns["notifications"], schema_of(pool), 1) as (conns, tracker),
        _locked(pool, claimed[:1]) as blocking,
    ):
        recorder = GroupRecorder(conns, claimer=claimer, max_attempts=5)
        # The first record waits on a row lock; the next three wait for the one connection
        # and will be its next group. One of their callers gives up (is cancelled).
        first = asyncio.create_task(recorder.record(_sent(claimed[0])))
        await tracker.wait_for_transactions(1)
        waiting = [asyncio.create_task(recorder.record(_sent(c))) for c in claimed[1:]]
        await asyncio.sleep(0.05)
        waiting[1].cancel()
        await blocking.rollback()
        decisions = [await first, await waiting[0], await waiting[2]]
        with pytest.raises(asyncio.CancelledError):
            await waiting[1]
        await recorder.aclose()
    assert all(isinstance(d, Decision) and d.step is Step.SENT for d in decisions)
    # The cancelled caller's attempt is recorded with its group all the same.
    states = await _states(pool, claimed)
    assert {(s["status"], s["outcome"]) for s in states.values()} == {("sent", "sent")}
    assert _group_sizes(states) == [1, 3]
