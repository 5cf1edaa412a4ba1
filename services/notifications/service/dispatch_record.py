"""Recording attempts: each attempt row, its delivery's and its message's new status, the
failover, and the outcome events — one transaction for a group of attempts (the ones a
dispatcher finished meanwhile), each checked against its claim."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

import asyncpg

from services.notifications.domain.delivery import (
    INAPP,
    Decision,
    Rendering,
    Step,
    decide,
    message_status_after,
)
from services.notifications.domain.delivery_records import ClaimedDelivery
from services.notifications.repository import attempts as attempt_rows
from services.notifications.repository import messages as message_rows
from services.notifications.repository.attempts import Outcome
from services.notifications.service import SOURCE
from services.notifications.service.message_start import deliver_in_app, queue_delivery
from shared.events.base import DomainEvent
from shared.events.notifications import Channel, MessageDelivered, MessageFailed, MessageSent
from shared.messaging.outbox import append_to_outbox


@dataclass(frozen=True)
class AttemptResult:
    outcome: str  # an attempt outcome of delivery_attempts
    detail: str = ""
    provider_message_id: str | None = None
    retry_after_s: float = 1.0  # for 'rate_limited'


@dataclass(frozen=True)
class Attempted:
    """A finished attempt to record: the claim, its result, the wording it was sent with
    (None: it could not be worded) and the jitter of its retry delay, in [0, 1)."""

    claimed: ClaimedDelivery
    result: AttemptResult
    rendering: Rendering | None
    jitter: float


async def record_attempt(
    conn: asyncpg.Connection,
    claimed: ClaimedDelivery,
    result: AttemptResult,
    rendering: Rendering | None,
    *,
    claimer: str,
    max_attempts: int,
    now: datetime,
    jitter: float,
) -> Decision | None:
    """Apply one attempt's result; None when the claim lapsed and another dispatcher took
    the delivery over (it will send and record; this attempt stays unfinished)."""
    [decision] = await record_attempts(
        conn,
        [Attempted(claimed, result, rendering, jitter)],
        claimer=claimer,
        max_attempts=max_attempts,
        now=now,
    )
    return decision


async def record_attempts(
    conn: asyncpg.Connection,
    attempted: list[Attempted],
    *,
    claimer: str,
    max_attempts: int,
    now: datetime,
) -> list[Decision | None]:
    """`record_attempt` of each, in a few statements whatever their number; the decision
    of each in order (None: its claim lapsed, nothing of it is recorded)."""
    held = await attempt_rows.lock_still_claimed(
        conn, [(a.claimed.delivery_id, a.claimed.attempt) for a in attempted], claimer=claimer
    )
    decisions: list[Decision | None] = []
    outcomes: list[Outcome] = []
    told: list[list[DomainEvent]] = []
    for item in attempted:
        claim = held.get(item.claimed.delivery_id)
        if claim is None:
            decisions.append(None)
            continue
        claimed, result = item.claimed, item.result
        decision = decide(
            result.outcome,
            tries=claim.tries,
            max_attempts=max_attempts,
            path=claimed.channels if item.rendering is not None else (claimed.channel,),
            channel=claimed.channel,
            tried=claim.tried,
            now=now,
            jitter=item.jitter,
            postpone_s=result.retry_after_s,
        )
        decisions.append(decision)
        outcomes.append(_outcome(claimed, result, decision))
        told.append(_events(claimed, result, decision, now=now))
    await attempt_rows.record_outcomes(conn, outcomes, now=now)
    events: list[DomainEvent] = []
    recorded = [(a, d) for a, d in zip(attempted, decisions, strict=True) if d is not None]
    for (item, decision), its_events in zip(recorded, told, strict=True):
        events += its_events
        if decision.step is Step.FAIL_OVER:
            events += await fail_over(conn, item.claimed, decision, item.rendering, now=now)
    if events:
        await append_to_outbox(conn, events, source=SOURCE, now=now)
    return decisions


def _outcome(claimed: ClaimedDelivery, result: AttemptResult, decision: Decision) -> Outcome:
    error = result.detail or result.outcome
    if decision.step in (Step.SENT, Step.DELIVERED):
        status, retry_at, last_error = decision.step.value, None, None
        provider_id = result.provider_message_id
    elif decision.step in (Step.RETRY, Step.POSTPONE):
        status, retry_at, provider_id, last_error = "queued", decision.retry_at, None, error
    else:
        assert decision.final is not None
        status, retry_at, provider_id, last_error = decision.final.value, None, None, error
    return Outcome(
        delivery_id=claimed.delivery_id,
        attempt=claimed.attempt,
        outcome=result.outcome,
        detail=result.detail,
        status=status,
        message_id=claimed.message_id,
        message_status=message_status_after(decision).value,
        next_attempt_at=retry_at,
        provider_message_id=provider_id,
        last_error=last_error,
    )


def _events(
    claimed: ClaimedDelivery, result: AttemptResult, decision: Decision, *, now: datetime
) -> list[DomainEvent]:
    """The outcome events of one attempt (a failover adds its own after them)."""
    channel = cast(Channel, claimed.channel)
    common = {
        "college": claimed.college,
        "message_id": claimed.message_id,
        "recipient_id": claimed.recipient_id,
        "kind": claimed.kind,
        "channel": channel,
    }
    if decision.step in (Step.SENT, Step.DELIVERED):
        sent: list[DomainEvent] = [MessageSent(**common, attempt=claimed.attempt, sent_at=now)]
        if decision.step is Step.DELIVERED:
            sent.append(MessageDelivered(**common, delivered_at=now))
        return sent
    if decision.step in (Step.RETRY, Step.POSTPONE):
        return []
    assert decision.final is not None
    return [
        MessageFailed(
            **common,
            outcome="bounced" if decision.final.value == "bounced" else "failed",
            reason=(result.detail or result.outcome)[:4000],
            failed_over_to=cast(Channel | None, decision.next_channel),
            failed_at=now,
        )
    ]


async def fail_over(
    conn: asyncpg.Connection,
    claimed: ClaimedDelivery,
    decision: Decision,
    rendering: Rendering | None,
    *,
    now: datetime,
) -> list[DomainEvent]:
    if decision.next_channel is None or rendering is None:
        return []
    message = await message_rows.message(
        conn, college=claimed.college, message_id=claimed.message_id
    )
    assert message is not None
    if decision.next_channel == INAPP:
        return await deliver_in_app(conn, message, rendering, now=now)
    await queue_delivery(conn, message, decision.next_channel, rendering.version, now=now)
    return []


class GroupRecorder:
    """Records one dispatcher round's finished attempts over the connections the round
    took before its first send (a send never waits for a connection to be recorded): an
    attempt that finishes while every connection is recording waits for the next free one
    and goes in its group with all the others waiting then, one transaction a group. A
    send keeps its place among the round's concurrent sends until its record commits, so
    a crash still leaves at most that many sent but unrecorded."""

    def __init__(
        self, conns: Sequence[asyncpg.Connection], *, claimer: str, max_attempts: int
    ) -> None:
        self._free = list(conns)
        self._claimer = claimer
        self._max_attempts = max_attempts
        self._waiting: list[tuple[Attempted, asyncio.Future[Decision | None]]] = []
        self._recording: set[asyncio.Task[None]] = set()

    async def record(self, attempted: Attempted) -> Decision | None:
        """Its decision once its group committed (None: its claim had lapsed)."""
        future: asyncio.Future[Decision | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((attempted, future))
        if self._free:
            task = asyncio.create_task(self._record_waiting(self._free.pop()))
            self._recording.add(task)
            task.add_done_callback(self._recording.discard)
        return await future

    async def aclose(self) -> None:
        """Cancel the recordings still running and wait for them: none may use a
        connection after the round gave it back. (A round that ended normally has none
        left: each ends in the step that resolves its group's last attempt; one left
        means the round itself was cancelled.)"""
        running = list(self._recording)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def _record_waiting(self, conn: asyncpg.Connection) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                try:
                    await self._record_group(conn, group)
                finally:
                    for _, future in group:  # cancelled midway: nobody waits forever
                        if not future.done():
                            future.set_exception(RuntimeError("the round stopped recording"))
        finally:
            self._free.append(conn)

    async def _record_group(
        self,
        conn: asyncpg.Connection,
        group: list[tuple[Attempted, asyncio.Future[Decision | None]]],
    ) -> None:
        try:
            decisions = await self._in_transaction(conn, [attempted for attempted, _ in group])
        except Exception as error:
            if len(group) == 1:
                _resolve(group[0][1], error=error)
                return
            # One record that fails must not leave the others unrecorded: each alone.
            for attempted, future in group:
                try:
                    [decision] = await self._in_transaction(conn, [attempted])
                except Exception as its_error:
                    _resolve(future, error=its_error)
                else:
                    _resolve(future, decision)
            return
        for (_, future), decision in zip(group, decisions, strict=True):
            _resolve(future, decision)

    async def _in_transaction(
        self, conn: asyncpg.Connection, attempted: list[Attempted]
    ) -> list[Decision | None]:
        async with conn.transaction():
            return await record_attempts(
                conn,
                attempted,
                claimer=self._claimer,
                max_attempts=self._max_attempts,
                now=datetime.now(UTC),
            )


def _resolve(
    future: asyncio.Future[Decision | None],
    decision: Decision | None = None,
    *,
    error: BaseException | None = None,
) -> None:
    """Hand a waiting attempt its result; one whose caller was cancelled meanwhile has no
    one waiting (its record still stands), and the others of its group still get theirs."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(decision)
