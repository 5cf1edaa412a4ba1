"""SMS delivery receipts: Alibaba Cloud SMS's status reports (SmsReport, HTTP batch push)
move a sent SMS delivery on, in the transaction they are handed.

A report: {phone_number, send_time, report_time, success, err_code, err_msg, sms_size,
biz_id, out_id}. Its delivery is found by `biz_id` (the BizId SendSms answered, kept at
send) or else by `out_id` (derived from the delivery's idempotency key, the same on every
attempt: a copy sent again after a crash is found too).

- success -> the delivery and its message `delivered`, MessageDelivered.
- failure with a permanent code (no such number, out of service, blacklisted, refused)
  -> `bounced`; any other failure (the provider gave up, e.g. the phone stayed off) ->
  `failed`; either way MessageFailed and the failover to the next channel of the path,
  as the dispatcher does it (dispatch_record.fail_over).
- a delivery already delivered / bounced / failed: a duplicate, nothing changes (the
  first receipt wins; the provider pushes again on anything but HTTP 200).
- a delivery not yet recorded as sent (queued / sending: its send's record has not
  committed): `early`, left for the provider's next push.
- no delivery: `unknown`, accepted and ignored (counted).
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import asyncpg
import structlog
from prometheus_client import Counter

from services.notifications.domain.delivery import (
    Decision,
    DeliveryStatus,
    Rendering,
    Step,
    message_status_after,
)
from services.notifications.domain.failover import next_channel
from services.notifications.repository import deliveries as delivery_rows
from services.notifications.repository import messages as message_rows
from services.notifications.service import SOURCE
from services.notifications.service.dispatch_record import fail_over
from services.notifications.service.templates import render_message
from shared.events.base import DomainEvent
from shared.events.notifications import Channel, MessageDelivered, MessageFailed
from shared.messaging.outbox import append_to_outbox

log = structlog.get_logger(__name__)

RECEIPTS = Counter(
    "campusflow_notifications_sms_receipts_total",
    "SMS delivery receipts by what they did: delivered, bounced, failed, duplicate,"
    " early (delivery not yet recorded as sent; the provider pushes again), unknown",
    ["result"],
)

# Status-report codes that mean the number cannot receive: bounce (fail over, never retry).
# Alibaba's report codes come from the carriers; these are the ones for an empty / invalid
# number, a number out of service, a blacklist or a refusal by the user. Others (phone
# off, no signal, network errors) end as `failed` once the provider stops trying.
PERMANENT_REPORT_CODES = frozenset(
    {
        "MOBILE_NUMBER_ILLEGAL",
        "INVALID_NUMBER",
        "MOBILE_NOT_ON_SERVICE",
        "IS_CLOSE",
        "MOBILE_ACCOUNT_ABNORMAL",
        "MOBILE_IN_BLACK",
        "IN_BLACKLIST",
        "BLACKLIST",
        "MK:0001",  # 空号
        "MK:0012",  # 停机
        "USER_REJECT",
        "UNSUBSCRIBED",
    }
)
DELIVERED_CODE = "DELIVERED"

Renderer = Callable[..., Awaitable[Rendering]]


@dataclass(frozen=True)
class SmsReceipt:
    """One status report as the provider pushed it."""

    biz_id: str
    out_id: str
    phone_number: str
    success: bool
    err_code: str
    err_msg: str = ""
    report_time: str = ""


def receipt_outcome(receipt: SmsReceipt) -> DeliveryStatus:
    """What a report says of its delivery: delivered, bounced or failed."""
    if receipt.success:
        return DeliveryStatus.DELIVERED
    if receipt.err_code.strip().upper() in PERMANENT_REPORT_CODES:
        return DeliveryStatus.BOUNCED
    return DeliveryStatus.FAILED


@dataclass(frozen=True)
class ReceiptsApplied:
    counts: dict[str, int]

    @property
    def early(self) -> int:
        return self.counts.get("early", 0)


async def apply_sms_receipts(
    conn: asyncpg.Connection,
    receipts: Sequence[SmsReceipt],
    *,
    now: datetime,
    render: Renderer = render_message,
) -> ReceiptsApplied:
    """Apply a push of reports (one transaction); what each did, counted."""
    tally: Tally[str] = Tally()
    events: list[DomainEvent] = []
    for receipt in receipts:
        result = await _apply(conn, receipt, events, now=now, render=render)
        tally[result] += 1
    if events:
        await append_to_outbox(conn, events, source=SOURCE, now=now)
    for result, count in tally.items():
        RECEIPTS.labels(result=result).inc(count)
    return ReceiptsApplied(dict(tally))


async def _apply(
    conn: asyncpg.Connection,
    receipt: SmsReceipt,
    events: list[DomainEvent],
    *,
    now: datetime,
    render: Renderer,
) -> str:
    target = await delivery_rows.lock_sms_delivery(
        conn, biz_id=receipt.biz_id, out_id=receipt.out_id
    )
    if target is None:
        log.info("sms receipt for no delivery", biz_id=receipt.biz_id, out_id=receipt.out_id)
        return "unknown"
    if target.status in ("delivered", "bounced", "failed"):
        return "duplicate"
    if target.status != "sent":
        return "early"
    claimed = await delivery_rows.claimed_for_receipt(conn, target.delivery_id)
    common = {
        "college": claimed.college,
        "message_id": claimed.message_id,
        "recipient_id": claimed.recipient_id,
        "kind": claimed.kind,
        "channel": cast(Channel, claimed.channel),
    }
    outcome = receipt_outcome(receipt)
    if outcome is DeliveryStatus.DELIVERED:
        await delivery_rows.update_delivery(
            conn, delivery_id=claimed.delivery_id, status="delivered", now=now
        )
        await message_rows.set_status(conn, claimed.message_id, "delivered", now=now)
        events.append(MessageDelivered(**common, delivered_at=now))
        return "delivered"
    reason = f"receipt {receipt.err_code or '-'} {receipt.err_msg}".strip()[:4000]
    rendering: Rendering | None = None
    tried = await delivery_rows.tried_channels(conn, claimed.message_id)
    following = next_channel(claimed.channels, claimed.channel, tried=tried)
    if following is not None:
        try:
            async with conn.transaction():  # a savepoint: a bad template spoils only this
                rendering = await render(
                    conn,
                    college=claimed.college,
                    kind=claimed.kind,
                    locale=claimed.locale,
                    fields=claimed.fields,
                    time_zone=claimed.time_zone,
                )
        except Exception as error:  # cannot be worded: the path ends here
            log.warning("failover cannot be worded", error=repr(error)[:300])
            following = None
    decision = Decision(Step.FAIL_OVER, final=outcome, next_channel=following)
    await delivery_rows.update_delivery(
        conn, delivery_id=claimed.delivery_id, status=outcome.value, now=now, last_error=reason
    )
    events.append(
        MessageFailed(
            **common,
            outcome="bounced" if outcome is DeliveryStatus.BOUNCED else "failed",
            reason=reason,
            failed_over_to=cast(Channel | None, following),
            failed_at=now,
        )
    )
    events += await fail_over(conn, claimed, decision, rendering, now=now)
    await message_rows.set_status(
        conn, claimed.message_id, message_status_after(decision).value, now=now
    )
    return outcome.value
