"""The in-app inbox over HTTP on the running notifications service: messages made by the
real notify() (PREFS' plan, TEMPLATES' wording) reach the person's inbox in zh-CN; the
unread count, marking one or all read; nobody reads or marks another's; delivery
tracking for the person and for the college's admins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from services.notifications.service.messages import notify
from shared.db.pool import create_pool
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

INCIDENT = {
    "title": "春游学生走失",
    "summary": "集合时少一名学生",
    "place": "植物园",
    "occurred_at": datetime(2026, 4, 2, 3, 0, tzinfo=UTC),
    "step": 0,
    "role": "带队教师",
    "ack_url": "http://127.0.0.1/ack",
}
MEETING = {
    "title": "学期例会",
    "agenda": "值班安排",
    "place": "行政楼201",
    "starts_at": datetime(2026, 4, 3, 6, 0, tzinfo=UTC),
    "ends_at": datetime(2026, 4, 3, 7, 0, tzinfo=UTC),
}


@pytest.fixture(scope="module")
async def pool(service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    made = await create_pool(service_dsns["notifications"], schema="notifications", max_size=2)
    yield made
    await made.close()


async def _notify(pool: asyncpg.Pool, kind: str, fields: dict[str, object], who: str) -> UUID:
    async with pool.acquire() as conn, conn.transaction():
        [message_id] = await notify(
            conn,
            college="cs",
            event_id=uuid4(),
            kind=kind,
            recipient_ids=[who],
            fields=fields,
            subject_id="subject-1",
            now=datetime.now(UTC),
        )
    return message_id


async def test_the_inbox_lists_counts_and_marks_only_ones_own(
    services: dict[str, str], pool: asyncpg.Pool
) -> None:
    base = f"{services['notifications']}/api/notifications"
    me, other = f"s-{uuid4().hex[:8]}", f"s-{uuid4().hex[:8]}"
    mine = bearer(me, "student", "cs")
    theirs = bearer(other, "student", "cs")
    meeting = await _notify(pool, "meeting_scheduled", MEETING, me)
    incident = await _notify(pool, "incident_alert", INCIDENT, me)
    foreign = await _notify(pool, "meeting_scheduled", MEETING, other)
    async with httpx.AsyncClient(timeout=10) as client:
        listed = await client.get(f"{base}/me", headers=mine)
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
        assert [i["message_id"] for i in items] == [str(incident), str(meeting)]
        first = items[0]
        for name in ("id", "college", "kind", "title", "body", "subject_id", "created_at"):
            assert name in first
        assert (first["kind"], first["priority"], first["read"]) == (
            "incident_alert",
            "critical",
            False,
        )
        assert "植物园" in first["body"] or "植物园" in first["title"]
        count = await client.get(f"{base}/me/unread-count", headers=mine)
        assert count.json() == {"unread": 2, "critical": 1}

        # Another's notice is not found for me, and stays unread.
        refused = await client.post(f"{base}/me/notices/{foreign}/read", headers=mine)
        assert refused.status_code == 404, refused.text
        bad = await client.post(f"{base}/me/notices/not-a-uuid/read", headers=mine)
        assert bad.status_code == 422
        assert (await client.get(f"{base}/me/unread-count", headers=theirs)).json()["unread"] == 1

        read = await client.post(f"{base}/me/notices/{incident}/read", headers=mine)
        assert read.status_code == 200 and read.json()["read"] is True
        assert (await client.get(f"{base}/me/unread-count", headers=mine)).json() == {
            "unread": 1,
            "critical": 0,
        }
        unread = await client.get(f"{base}/me", params={"unread": "true"}, headers=mine)
        assert [i["message_id"] for i in unread.json()["items"]] == [str(meeting)]
        marked = await client.post(f"{base}/me/notices/read", headers=mine)
        assert marked.json() == {"marked": 1}
        assert (await client.get(f"{base}/me/unread-count", headers=mine)).json()["unread"] == 0
        assert (await client.get(f"{base}/me/unread-count", headers=theirs)).json()["unread"] == 1
        assert (await client.get(f"{base}/me/unread-count")).status_code == 401


async def test_delivery_tracking_for_the_person_and_the_admin(
    services: dict[str, str], pool: asyncpg.Pool, stack: StackEndpoints
) -> None:
    base = f"{services['notifications']}/api/notifications"
    me = f"s-{uuid4().hex[:8]}"
    message_id = await _notify(pool, "meeting_scheduled", MEETING, me)
    async with httpx.AsyncClient(timeout=10) as client:
        own = await client.get(f"{base}/me/messages", headers=bearer(me, "student", "cs"))
        assert own.status_code == 200, own.text
        [record] = own.json()["items"]
        assert (record["message_id"], record["kind"], record["status"]) == (
            str(message_id),
            "meeting_scheduled",
            "delivered",
        )
        inbox = [d for d in record["deliveries"] if d["channel"] == "inapp"]
        assert inbox and inbox[0]["status"] == "delivered"
        assert inbox[0]["tries"][0]["outcome"] == "delivered"

        url = f"{base}/colleges/cs/messages/{message_id}"
        admin = await client.get(url, headers=bearer("admin-cs", "college_admin", "cs"))
        assert admin.status_code == 200, admin.text
        assert admin.json()["recipient_id"] == me
        student = await client.get(url, headers=bearer(me, "student", "cs"))
        assert student.status_code == 403
        elsewhere = await client.get(url, headers=bearer("admin-ee", "college_admin", "ee"))
        assert elsewhere.status_code == 403
        missing = await client.get(
            f"{base}/colleges/cs/messages/{uuid4()}",
            headers=bearer("admin-cs", "college_admin", "cs"),
        )
        assert missing.status_code == 404

    # The outcome is an event for subscribers (relayed from the outbox to Kafka).
    delivered = "campusflow.notifications.message.delivered.v1"

    async def published() -> bool:
        return bool(await events_keyed(stack.kafka_bootstrap, delivered, str(message_id)))

    await wait_until(published, timeout_s=30, what="MessageDelivered on Kafka")
    [event] = await events_keyed(stack.kafka_bootstrap, delivered, str(message_id))
    assert (event["channel"], event["recipient_id"], event["kind"]) == (
        "inapp",
        me,
        "meeting_scheduled",
    )
