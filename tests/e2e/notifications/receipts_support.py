"""A notifications process of its own for the SMS receipt tests: its own database (so
neither the session's notifications process nor any other dispatcher claims its
deliveries), the SMS provider double pushing status reports to its receipt route, and
an aiosmtpd sink as its SMTP server. Its consumer groups are committed at the end of
their topics before it starts: a fresh group would handle again every event the
session's tests published, into its database (its outbox would grow while a test
counts it)."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID, uuid4

import asyncpg
from aiokafka import AIOKafkaConsumer

from services.notifications.consumers import CONSUMERS
from services.notifications.service.messages import notify
from services.notifications.service.preferences import set_contact_point
from shared.config import service_environment
from shared.db.pool import close_pool, create_pool
from shared.messaging.subscriptions import consumer_group
from tests.support.http_server import serve
from tests.support.kafka import topic_partitions
from tools.doubles.sms import DEFAULT_ACCESS_KEY, build_app
from tools.doubles.smtp import SmtpSink
from tools.stack import StackEndpoints, free_port, start_service_process, wait_http_ready
from tools.stack.processes import process_record, stop_record, tail

RECEIPTS_PATH = "/api/notifications/providers/sms/receipts"
INCIDENT = {
    "title": "实验室漏水",
    "summary": "三楼实验室水管破裂",
    "place": "理科楼",
    "occurred_at": datetime(2026, 4, 2, 3, 0, tzinfo=UTC),
    "step": 0,
    "role": "值班教师",
    "ack_url": "http://127.0.0.1/ack",
}


@dataclass
class ReceiptsStack:
    base_url: str  # the notifications process
    token: str  # its NOTIFICATIONS_SMS_RECEIPT_TOKEN
    sms_double: str
    sink: SmtpSink
    pool: asyncpg.Pool  # on its own database


def _with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


@asynccontextmanager
async def own_database(admin_dsn: str, service_dsn: str) -> AsyncIterator[str]:
    """A fresh database owned by the notifications role, with its schema; its DSN."""
    database = f"notif_receipts_{uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f"CREATE DATABASE {database} OWNER notifications")
    finally:
        await admin.close()
    inside = await asyncpg.connect(_with_database(admin_dsn, database))
    try:
        await inside.execute("CREATE SCHEMA notifications AUTHORIZATION notifications")
    finally:
        await inside.close()
    try:
        yield _with_database(service_dsn, database)
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        finally:
            await admin.close()


async def consume_from_now(bootstrap: str, group_prefix: str) -> None:
    """Commit the notifications consumers' groups under `group_prefix` at the end of their
    topics: a service started with that prefix reads only the events published from now."""
    for consumer in CONSUMERS:
        reader = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=consumer_group(group_prefix, consumer.name),
            enable_auto_commit=False,
        )
        await reader.start()
        try:
            partitions = [p for topic in consumer.topics for p in topic_partitions(topic)]
            reader.assign(partitions)
            ends = await asyncio.wait_for(reader.end_offsets(partitions), timeout=60)
            await asyncio.wait_for(reader.commit(dict(ends)), timeout=60)
        finally:
            await reader.stop()


@asynccontextmanager
async def receipts_stack(
    stack: StackEndpoints, notifications_dsn: str
) -> AsyncIterator[ReceiptsStack]:
    token = f"receipts-{uuid4().hex}"
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    report_url = f"{base_url}{RECEIPTS_PATH}?token={token}"
    async with own_database(stack.postgres_admin_dsn, notifications_dsn) as dsn:
        async with SmtpSink(Path(tempfile.mkdtemp(prefix="cf-receipts-sink-"))) as sink:
            with serve(build_app(DEFAULT_ACCESS_KEY, report_url=report_url)) as (host, sms_port):
                sms_double = f"http://{host}:{sms_port}"
                env = service_environment(
                    "notifications",
                    database_url=dsn,
                    kafka_bootstrap=stack.kafka_bootstrap,
                    redis_url=stack.redis_url,
                    http_port=port,
                    environment="test",
                )
                env["NOTIFICATIONS_SMS_PROVIDER_URL"] = sms_double
                env["NOTIFICATIONS_SMS_ACCESS_KEY"] = DEFAULT_ACCESS_KEY
                env["NOTIFICATIONS_SMTP_PORT"] = str(sink.port)
                env["NOTIFICATIONS_SMS_RECEIPT_TOKEN"] = token
                env["NOTIFICATIONS_DISPATCH_IDLE_SLEEP_S"] = "0.1"
                prefix = f"tests-receipts-{uuid4().hex[:8]}"
                await consume_from_now(stack.kafka_bootstrap, prefix)
                env["NOTIFICATIONS_CONSUMER_GROUP_PREFIX"] = prefix
                log = Path(tempfile.mkdtemp(prefix="cf-receipts-")) / "notifications.log"
                process = start_service_process("notifications", env, log)
                try:
                    try:
                        wait_http_ready(f"{base_url}/readyz", 60)
                    except Exception as error:
                        raise RuntimeError(
                            f"notifications not ready: {error}\n{tail(log)}"
                        ) from error
                    pool = await create_pool(dsn, schema="notifications", max_size=4)
                    try:
                        yield ReceiptsStack(base_url, token, sms_double, sink, pool)
                    finally:
                        await close_pool(pool)
                finally:
                    # Off the loop: the SMTP sink runs in it, and the service says QUIT to
                    # it on the way out (a blocked loop held every stop for 10 s).
                    await asyncio.to_thread(stop_record, process_record(process))


async def incident_for_new_teacher(pool: asyncpg.Pool) -> tuple[str, UUID]:
    """A teacher with a mobile number and an email, and an incident alert (critical: SMS
    first, then email) to them; (teacher, message id)."""
    teacher = f"t-{uuid4().hex[:8]}"
    now = datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
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
        [message_id] = await notify(
            conn,
            college="cs",
            event_id=uuid4(),
            kind="incident_alert",
            recipient_ids=[teacher],
            fields=INCIDENT,
            subject_id="activity-1",
            now=now,
        )
    return teacher, message_id


async def path_of(pool: asyncpg.Pool, message_id: UUID) -> list[tuple[str, str]]:
    rows = await pool.fetch(
        "SELECT channel, status FROM deliveries WHERE message_id = $1 ORDER BY created_at",
        message_id,
    )
    return [(row["channel"], row["status"]) for row in rows]
