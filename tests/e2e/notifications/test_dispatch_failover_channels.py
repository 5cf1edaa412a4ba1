"""Failover through the real channel adapters: the real notify() (PREFS' plan: a critical
kind goes to every channel the person has, SMS first; TEMPLATES' zh-CN wording) and the
dispatcher with CHANNELS' senders, against the local SMS provider double and an aiosmtpd
sink. When the SMS double fails, the message reaches the person by email, and the record
shows the path sms -> email."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from services.notifications.channels.registry import channel_senders
from services.notifications.service.dispatch import Dispatcher, dispatch_loop, limits_of
from services.notifications.service.messages import notify
from services.notifications.service.preferences import contact_address, set_contact_point
from services.notifications.service.protection import Protection
from services.notifications.service.templates import render_message
from shared.supervisor import LoopHealth
from tests.e2e.notifications.core_support import own_schema, rows, settings_for
from tests.support.http_server import serve
from tests.support.kafka import wait_until
from tools.doubles.sms import DEFAULT_ACCESS_KEY, build_app
from tools.doubles.smtp import SmtpSink
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


@pytest.fixture(scope="module")
async def pool(stack: StackEndpoints, service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with own_schema(stack.postgres_admin_dsn, service_dsns["notifications"]) as made:
        yield made


@pytest.fixture
def sms_double() -> Iterator[str]:
    with serve(build_app(DEFAULT_ACCESS_KEY)) as (host, port):
        yield f"http://{host}:{port}"


async def _teacher(pool: asyncpg.Pool) -> str:
    teacher = f"t-{uuid4().hex[:8]}"
    async with pool.acquire() as conn, conn.transaction():
        now = datetime.now(UTC)
        await set_contact_point(
            conn, college="cs", person_id=teacher, channel="sms", address="13800138000", now=now
        )
        await set_contact_point(
            conn,
            college="cs",
            person_id=teacher,
            channel="email",
            address=f"{teacher}@campus.edu.cn",
            now=now,
        )
    return teacher


async def _incident(pool: asyncpg.Pool, teacher: str) -> UUID:
    async with pool.acquire() as conn, conn.transaction():
        [message_id] = await notify(
            conn,
            college="cs",
            event_id=uuid4(),
            kind="incident_alert",
            recipient_ids=[teacher],
            fields=INCIDENT,
            subject_id="activity-1",
            now=datetime.now(UTC),
        )
    return message_id


def _dispatcher(pool: asyncpg.Pool, settings) -> Dispatcher:  # type: ignore[no-untyped-def]
    return Dispatcher(
        pool,
        settings,
        senders=channel_senders(settings),
        protection=Protection.from_url(
            settings.redis_url, limits_of(settings), namespace=f"t{uuid4().hex}"
        ),
        render=render_message,
        address=contact_address,
        jitter=lambda: 0.0,
    )


@pytest.mark.parametrize("failure", ["permanent", "temporary"])
async def test_sms_fails_and_the_message_goes_by_email(
    pool: asyncpg.Pool,
    stack: StackEndpoints,
    service_dsns: dict[str, str],
    sms_double: str,
    failure: str,
) -> None:
    teacher = await _teacher(pool)
    message_id = await _incident(pool, teacher)
    [message] = await rows(pool, "SELECT * FROM messages WHERE message_id = $1", message_id)
    assert message["channels"][0] == "sms" and "email" in message["channels"]
    async with httpx.AsyncClient() as client:
        failing = await client.post(f"{sms_double}/_double/fail", json={"mode": failure})
        assert failing.status_code == 200, failing.text
    async with SmtpSink(Path(tempfile.mkdtemp(prefix="cf-core-sink-"))) as sink:
        settings = settings_for(
            service_dsns["notifications"],
            stack.redis_url,
            sms_provider_url=sms_double,
            sms_access_key=DEFAULT_ACCESS_KEY,
            smtp_port=sink.port,
            dispatch_max_attempts=2,
        )
        d = _dispatcher(pool, settings)
        for minutes in range(4):
            await d.round(now=datetime.now(UTC) + timedelta(minutes=minutes))
        await d.protection.close()
        [mail] = sink.messages()
    assert mail.message["To"] == f"{teacher}@campus.edu.cn"
    assert "植物园" in mail.message.get_body(preferencelist=("plain",)).get_content()
    path = await rows(
        pool,
        "SELECT channel, status, attempts FROM deliveries WHERE message_id = $1"
        " ORDER BY created_at",
        message_id,
    )
    sms_status = "bounced" if failure == "permanent" else "failed"
    sms_tries = 1 if failure == "permanent" else 2
    assert [(p["channel"], p["status"], p["attempts"]) for p in path] == [
        ("inapp", "delivered", 1),
        ("sms", sms_status, sms_tries),
        ("email", "sent", 1),
    ]
    assert (
        await pool.fetchval("SELECT status FROM messages WHERE message_id = $1", message_id)
        == "sent"
    )
    async with httpx.AsyncClient() as client:
        sent = (await client.get(f"{sms_double}/_double/messages")).json()["messages"]
    assert sent == []


async def test_the_services_dispatch_loop_sends_and_stops(
    pool: asyncpg.Pool, stack: StackEndpoints, service_dsns: dict[str, str], sms_double: str
) -> None:
    """The loop the service runs (dispatch_loop: CHANNELS' senders, PREFS' contact points,
    TEMPLATES' wording), started as the kernel starts it and stopped as it stops it."""
    teacher = await _teacher(pool)
    message_id = await _incident(pool, teacher)
    async with SmtpSink(Path(tempfile.mkdtemp(prefix="cf-core-sink-"))) as sink:
        settings = settings_for(
            service_dsns["notifications"],
            stack.redis_url,
            sms_provider_url=sms_double,
            sms_access_key=DEFAULT_ACCESS_KEY,
            smtp_port=sink.port,
        )
        stop, health = asyncio.Event(), LoopHealth()
        running = asyncio.create_task(dispatch_loop(pool, settings)(stop, health))

        async def sent() -> bool:
            status = await pool.fetchval(
                "SELECT status FROM messages WHERE message_id = $1", message_id
            )
            return bool(status == "sent")

        await wait_until(sent, timeout_s=30, what="the incident alert sent")
        stop.set()
        await asyncio.wait_for(running, timeout=10)
    async with httpx.AsyncClient() as client:
        [sms] = (await client.get(f"{sms_double}/_double/messages")).json()["messages"]
    assert sms["phone"] == "13800138000"
    assert sink.messages() == []  # SMS took it: no failover
    assert health.failing_since is None
