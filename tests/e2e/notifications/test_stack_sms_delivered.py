"""On the stack as `campusflow stack up` runs it (the session's services: notifications
pointed at the stack's SMS double, which pushes delivery receipts to notifications'
receipts route with the local token): an SMS goes queued -> sent -> delivered."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from services.notifications.service.messages import notify
from services.notifications.service.preferences import set_contact_point
from shared.db.pool import close_pool, create_pool
from tests.support.kafka import wait_until
from tests.support.services_state import ServicesState

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


async def test_an_sms_on_the_stack_is_sent_then_delivered(
    services: dict[str, str], service_dsns: dict[str, str], services_state: ServicesState
) -> None:
    sms_double = services_state.doubles["sms"]
    notifications_port = int(services["notifications"].rsplit(":", 1)[1])
    assert sms_double["notifications_port"] == notifications_port
    teacher = f"t-{uuid4().hex[:8]}"
    mobile = f"139{uuid4().int % 10**8:08d}"
    pool = await create_pool(service_dsns["notifications"], schema="notifications", max_size=2)
    try:
        async with pool.acquire() as conn, conn.transaction():
            now = datetime.now(UTC)
            await set_contact_point(
                conn, college="cs", person_id=teacher, channel="sms", address=mobile, now=now
            )
            [message_id] = await notify(
                conn,
                college="cs",
                event_id=uuid4(),
                kind="incident_alert",  # critical: SMS first for a person reachable by SMS
                recipient_ids=[teacher],
                fields=INCIDENT,
                subject_id="activity-1",
                now=now,
            )

        async def delivered() -> bool:
            status = await pool.fetchval(
                "SELECT status FROM deliveries WHERE message_id = $1 AND channel = 'sms'",
                message_id,
            )
            return bool(status == "delivered")

        await wait_until(delivered, timeout_s=60, what="the SMS delivered by its receipt")
        message = await pool.fetchrow(
            "SELECT status, channels FROM messages WHERE message_id = $1", message_id
        )
        assert message is not None
        assert (message["status"], list(message["channels"])) == ("delivered", ["sms", "inapp"])
    finally:
        await close_pool(pool)
    async with httpx.AsyncClient(timeout=10) as client:
        reports = (await client.get(f"{sms_double['url']}/_double/reports")).json()
    ours = [r for r in reports["reports"] if r["report"]["phone_number"] == mobile]
    assert [r["status"] for r in ours] == [200]  # accepted at once: the token matched
