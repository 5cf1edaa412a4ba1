"""Recording an attempt: the attempt row, the delivery's and the message's new status,
the failover, and the outcome events — one transaction, checked against the claim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
from services.notifications.repository import deliveries as delivery_rows
from services.notifications.repository import messages as message_rows
from services.notifications.service import SOURCE
from services.notifications.service.messages import deliver_in_app, queue_delivery
from shared.events.base import DomainEvent
from shared.events.notifications import Channel, MessageDelivered, MessageFailed, MessageSent
from shared.messaging.outbox import append_to_outbox


@dataclass(frozen=True)
class AttemptResult:
    outcome: str  # an attempt outcome of delivery_attempts
    detail: str = ""
    provider_message_id: str | None = None
    retry_after_s: float = 1.0  # for 'rate_limited'


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
    held = await delivery_rows.lock_if_still_claimed(
        conn, delivery_id=claimed.delivery_id, claimer=claimer, attempt=claimed.attempt
    )
    if held is None:
        return None
    await delivery_rows.finish_attempt(
        conn,
        delivery_id=claimed.delivery_id,
        attempt=claimed.attempt,
        outcome=result.outcome,
        detail=result.detail,
        now=now,
    )
    decision = decide(
        result.outcome,
        tries=held.tries,
        max_attempts=max_attempts,
        path=claimed.channels if rendering is not None else (claimed.channel,),
        channel=claimed.channel,
        tried=held.tried,
        now=now,
        jitter=jitter,
        postpone_s=result.retry_after_s,
    )
    events: list[DomainEvent] = []
    channel = cast(Channel, claimed.channel)
    common = {
        "college": claimed.college,
        "message_id": claimed.message_id,
        "recipient_id": claimed.recipient_id,
        "kind": claimed.kind,
        "channel": channel,
    }
    if decision.step in (Step.SENT, Step.DELIVERED):
        await delivery_rows.update_delivery(
            conn,
            delivery_id=claimed.delivery_id,
            status=decision.step.value,
            now=now,
            provider_message_id=result.provider_message_id,
        )
        events.append(MessageSent(**common, attempt=claimed.attempt, sent_at=now))
        if decision.step is Step.DELIVERED:
            events.append(MessageDelivered(**common, delivered_at=now))
    elif decision.step in (Step.RETRY, Step.POSTPONE):
        await delivery_rows.update_delivery(
            conn,
            delivery_id=claimed.delivery_id,
            status="queued",
            now=now,
            next_attempt_at=decision.retry_at,
            last_error=result.detail or result.outcome,
        )
    else:
        assert decision.final is not None
        await delivery_rows.update_delivery(
            conn,
            delivery_id=claimed.delivery_id,
            status=decision.final.value,
            now=now,
            last_error=result.detail or result.outcome,
        )
        events.append(
            MessageFailed(
                **common,
                outcome="bounced" if decision.final.value == "bounced" else "failed",
                reason=(result.detail or result.outcome)[:4000],
                failed_over_to=cast(Channel | None, decision.next_channel),
                failed_at=now,
            )
        )
        events += await fail_over(conn, claimed, decision, rendering, now=now)
    await message_rows.set_status(
        conn, claimed.message_id, message_status_after(decision).value, now=now
    )
    await append_to_outbox(conn, events, source=SOURCE, now=now)
    return decision


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
