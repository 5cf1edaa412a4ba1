"""SMS delivery receipts end to end: a notifications process of its own (own database)
sends an incident alert by SMS through the Alibaba SendSms double, the double pushes its
SmsReport status report to POST /api/notifications/providers/sms/receipts?token=..., and
the delivery moves sent -> delivered (MessageDelivered on Kafka), or -> bounced with the
failover to email (aiosmtpd sink). Receipts are refused without or with a wrong token,
idempotent, and those for unknown ids are accepted, ignored and counted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from services.notifications.channels.sms import out_id_for
from services.notifications.domain.delivery import idempotency_key
from tests.e2e.notifications.receipts_support import (
    RECEIPTS_PATH,
    ReceiptsStack,
    incident_for_new_teacher,
    path_of,
    receipts_stack,
)
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

DELIVERED = "campusflow.notifications.message.delivered.v1"
FAILED = "campusflow.notifications.message.failed.v1"


@pytest.fixture(scope="module")
async def receipts(
    stack: StackEndpoints, service_dsns: dict[str, str]
) -> AsyncIterator[ReceiptsStack]:
    async with receipts_stack(stack, service_dsns["notifications"]) as made:
        yield made


def report(
    biz_id: str, out_id: str = "", *, success: bool = True, code: str = "DELIVERED"
) -> dict[str, Any]:
    return {
        "phone_number": "13800138000",
        "send_time": "2026-11-29 20:00:00",
        "report_time": "2026-11-29 20:00:03",
        "success": success,
        "err_code": code,
        "err_msg": "用户接收成功" if success else "停机",
        "sms_size": "1",
        "biz_id": biz_id,
        "out_id": out_id,
    }


async def sms_delivered(pool: asyncpg.Pool, message_id: UUID) -> tuple[UUID, str]:
    """Wait for the message's SMS delivery to be delivered; (its id, its BizId)."""

    async def delivered() -> bool:
        return ("sms", "delivered") in await path_of(pool, message_id)

    await wait_until(delivered, timeout_s=60, what="the SMS delivery delivered by its receipt")
    row = await pool.fetchrow(
        "SELECT delivery_id, provider_message_id FROM deliveries"
        " WHERE message_id = $1 AND channel = 'sms'",
        message_id,
    )
    return row["delivery_id"], row["provider_message_id"]


async def events_about(pool: asyncpg.Pool, message_id: UUID) -> int:
    """How many events in the process's outbox name the message (its outcome events)."""
    count = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE position($1::bytea IN payload) > 0",
        str(message_id).encode(),
    )
    return int(count)


async def test_a_delivered_receipt_marks_the_sms_delivered(
    receipts: ReceiptsStack, stack: StackEndpoints
) -> None:
    teacher, message_id = await incident_for_new_teacher(receipts.pool)
    _, biz_id = await sms_delivered(receipts.pool, message_id)
    assert await path_of(receipts.pool, message_id) == [
        ("inapp", "delivered"),
        ("sms", "delivered"),
    ]
    assert (
        await receipts.pool.fetchval(
            "SELECT status FROM messages WHERE message_id = $1", message_id
        )
        == "delivered"
    )
    async with httpx.AsyncClient() as client:
        pushed = (await client.get(f"{receipts.sms_double}/_double/reports")).json()["reports"]
    mine = [p for p in pushed if p["report"]["biz_id"] == biz_id]
    assert mine and mine[-1]["status"] == 200 and mine[-1]["report"]["success"] is True

    async def on_kafka() -> bool:
        events = await events_keyed(stack.kafka_bootstrap, DELIVERED, str(message_id))
        return any(e["channel"] == "sms" for e in events)

    await wait_until(on_kafka, timeout_s=30, what="MessageDelivered(sms) on Kafka")
    assert all(m.message["To"] != f"{teacher}@campus.edu.cn" for m in receipts.sink.messages())


async def test_a_bounce_receipt_bounces_and_fails_over_to_email(
    receipts: ReceiptsStack, stack: StackEndpoints
) -> None:
    async with httpx.AsyncClient() as client:
        bounce = {
            "success": False,
            "err_code": "MOBILE_NOT_ON_SERVICE",
            "err_msg": "停机",
            "times": 1,
        }
        answer = await client.post(f"{receipts.sms_double}/_double/receipts", json=bounce)
        assert answer.status_code == 200, answer.text
    teacher, message_id = await incident_for_new_teacher(receipts.pool)

    async def mailed() -> bool:
        return any(m.message["To"] == f"{teacher}@campus.edu.cn" for m in receipts.sink.messages())

    await wait_until(mailed, timeout_s=60, what="the failover email in the sink")
    [mail] = [m for m in receipts.sink.messages() if m.message["To"] == f"{teacher}@campus.edu.cn"]
    assert "理科楼" in mail.message.get_body(preferencelist=("plain",)).get_content()
    assert await path_of(receipts.pool, message_id) == [
        ("inapp", "delivered"),
        ("sms", "bounced"),
        ("email", "sent"),
    ]
    last_error = await receipts.pool.fetchval(
        "SELECT last_error FROM deliveries WHERE message_id = $1 AND channel = 'sms'", message_id
    )
    assert "MOBILE_NOT_ON_SERVICE" in last_error

    async def failed_on_kafka() -> bool:
        return bool(await events_keyed(stack.kafka_bootstrap, FAILED, str(message_id)))

    await wait_until(failed_on_kafka, timeout_s=30, what="MessageFailed on Kafka")
    [failed] = await events_keyed(stack.kafka_bootstrap, FAILED, str(message_id))
    assert (failed["channel"], failed["outcome"], failed["failed_over_to"]) == (
        "sms",
        "bounced",
        "email",
    )


async def test_receipts_are_idempotent_and_unknown_ids_are_ignored(
    receipts: ReceiptsStack,
) -> None:
    _, message_id = await incident_for_new_teacher(receipts.pool)

    _, biz_id = await sms_delivered(receipts.pool, message_id)
    outbox_before = await events_about(receipts.pool, message_id)
    assert outbox_before >= 2  # sent, delivered
    url = f"{receipts.base_url}{RECEIPTS_PATH}?token={receipts.token}"
    async with httpx.AsyncClient() as client:
        # The same receipt again, and a later bounce of a delivered SMS: nothing changes.
        again = await client.post(
            url, json=[report(biz_id), report(biz_id, success=False, code="MOBILE_IN_BLACK")]
        )
        assert again.status_code == 200, again.text
        assert again.json()["code"] == 0 and again.json()["duplicate"] == 2
        unknown = await client.post(url, json=[report("999999999999999999^0", "f" * 32)])
        assert unknown.status_code == 200 and unknown.json()["unknown"] == 1
        metrics = (await client.get(f"{receipts.base_url}/metrics")).text
    assert await path_of(receipts.pool, message_id) == [
        ("inapp", "delivered"),
        ("sms", "delivered"),
    ]
    assert await events_about(receipts.pool, message_id) == outbox_before
    counted = [
        line
        for line in metrics.splitlines()
        if line.startswith('campusflow_notifications_sms_receipts_total{result="unknown"}')
    ]
    assert counted and float(counted[0].split()[-1]) >= 1


async def test_a_receipt_found_by_out_id_when_the_biz_id_was_never_recorded(
    receipts: ReceiptsStack,
) -> None:
    """A copy sent again after a crash has another BizId: its OutId finds the delivery."""

    _, message_id = await incident_for_new_teacher(receipts.pool)

    delivery_id, _ = await sms_delivered(receipts.pool, message_id)
    url = f"{receipts.base_url}{RECEIPTS_PATH}?token={receipts.token}"
    out_id = out_id_for(idempotency_key(delivery_id))
    async with httpx.AsyncClient() as client:
        found = await client.post(url, json=[report("another-biz-id^0", out_id)])
    assert found.status_code == 200 and found.json()["duplicate"] == 1  # found, already delivered


async def test_unsigned_forged_or_malformed_receipts_change_nothing(
    receipts: ReceiptsStack,
) -> None:
    _, message_id = await incident_for_new_teacher(receipts.pool)

    _, biz_id = await sms_delivered(receipts.pool, message_id)
    base = f"{receipts.base_url}{RECEIPTS_PATH}"
    bounce = [report(biz_id, success=False, code="MOBILE_IN_BLACK")]
    async with httpx.AsyncClient() as client:
        unsigned = await client.post(base, json=bounce)
        forged = await client.post(f"{base}?token=not-the-token", json=bounce)
        forged_header = await client.post(base, json=bounce, headers={"X-Receipt-Token": "nope"})
        by_header = await client.post(
            base, json=[report(biz_id)], headers={"X-Receipt-Token": receipts.token}
        )
        malformed = await client.post(
            f"{base}?token={receipts.token}", json=[{"biz_id": biz_id, "err_code": "X"}]
        )
        not_a_list = await client.post(f"{base}?token={receipts.token}", json={"biz_id": biz_id})
    assert unsigned.status_code == 401, unsigned.text
    assert forged.status_code == 403 and forged_header.status_code == 403
    assert by_header.status_code == 200 and by_header.json()["duplicate"] == 1
    assert malformed.status_code == 422
    fields = {e["field"] for e in malformed.json()["errors"]}
    assert any("success" in f for f in fields) and any("phone_number" in f for f in fields)
    assert not_a_list.status_code == 422
    assert await path_of(receipts.pool, message_id) == [
        ("inapp", "delivered"),
        ("sms", "delivered"),
    ]
