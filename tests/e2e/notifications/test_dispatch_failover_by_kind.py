"""Failover configured per kind, end to end: the settings' `failover_by_kind`
(NOTIFICATIONS_FAILOVER_BY_KIND), in force as the service's started ones are, read by the
real planner (notify() -> PREFS' plan_delivery), the dispatcher with CHANNELS' real
senders, the local SMS provider double failing and an aiosmtpd sink.

The person chose in-app + email for duty and gave an SMS number and an email address.
- Configured `shift_changed=sms>email>inapp`: the path is sms -> email -> inapp whatever
  they chose; the SMS double refuses, the message fails over to email, and the record
  shows sms (bounced) then email (sent).
- Not configured (`shift_assigned`): their own path, inapp + email; SMS is never tried.
- Configured `shift_changed=none` with their SMS-first choice: SMS refuses and the
  message ends bounced, no email.
- The planner handed settings follows their override; with none handed and none in
  force, the kinds table's defaults.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from services.notifications.channels.registry import channel_senders
from services.notifications.domain.kinds import Category
from services.notifications.domain.preferences import CategoryPreference, Channel
from services.notifications.service.dispatch import Dispatcher, limits_of
from services.notifications.service.messages import notify
from services.notifications.service.preferences import (
    choose,
    contact_address,
    plan_delivery,
    set_contact_point,
)
from services.notifications.service.protection import Protection
from services.notifications.service.templates import render_message
from services.notifications.settings import put_in_force, settings_in_force
from tests.e2e.notifications.core_support import own_schema, rows, settings_for
from tests.support.http_server import serve
from tools.doubles.sms import DEFAULT_ACCESS_KEY, build_app
from tools.doubles.smtp import SmtpSink
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

SHIFT = {
    "post": "图书馆前台",
    "place": "图书馆一楼",
    "starts_at": datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
    "ends_at": datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
}


@pytest.fixture(scope="module")
async def pool(stack: StackEndpoints, service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with own_schema(stack.postgres_admin_dsn, service_dsns["notifications"]) as made:
        yield made


@pytest.fixture
def sms_double() -> Iterator[str]:
    with serve(build_app(DEFAULT_ACCESS_KEY)) as (host, port):
        yield f"http://{host}:{port}"


@pytest.fixture
def configured(stack: StackEndpoints, service_dsns: dict[str, str]) -> Iterator[object]:
    """Puts settings with this `failover_by_kind` in force, as the service's started
    settings are (NOTIFICATIONS_FAILOVER_BY_KIND of a deployment)."""
    before = settings_in_force()

    def configure(text: str) -> None:
        put_in_force(
            settings_for(service_dsns["notifications"], stack.redis_url, failover_by_kind=text)
        )

    yield configure
    put_in_force(before)


async def _member(pool: asyncpg.Pool, *duty: Channel) -> str:
    person = f"m-{uuid4().hex[:8]}"
    async with pool.acquire() as conn, conn.transaction():
        now = datetime.now(UTC)
        for channel, address in (("sms", "13900139000"), ("email", f"{person}@campus.edu.cn")):
            await set_contact_point(
                conn, college="cs", person_id=person, channel=channel, address=address, now=now
            )
        await choose(
            conn,
            college="cs",
            person_id=person,
            choices=[CategoryPreference(Category.DUTY, duty)],
            now=now,
        )
    return person


async def _notify(pool: asyncpg.Pool, kind: str, person: str) -> UUID:
    fields = dict(SHIFT, why="换了时间") if kind == "shift_changed" else SHIFT
    async with pool.acquire() as conn, conn.transaction():
        [message_id] = await notify(
            conn,
            college="cs",
            event_id=uuid4(),
            kind=kind,
            recipient_ids=[person],
            fields=fields,
            subject_id="shift-1",
            now=datetime.now(UTC),
        )
    return message_id


async def _dispatch(
    pool: asyncpg.Pool, stack: StackEndpoints, dsn: str, sms_double: str, sink: SmtpSink
) -> None:
    settings = settings_for(
        dsn,
        stack.redis_url,
        sms_provider_url=sms_double,
        sms_access_key=DEFAULT_ACCESS_KEY,
        smtp_port=sink.port,
    )
    dispatcher = Dispatcher(
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
    try:
        for minutes in range(3):
            await dispatcher.round(now=datetime.now(UTC) + timedelta(minutes=minutes))
    finally:
        await dispatcher.protection.close()


async def _record(pool: asyncpg.Pool, message_id: UUID) -> tuple[list[str], str, list[tuple]]:
    [message] = await rows(
        pool, "SELECT channels, status FROM messages WHERE message_id = $1", message_id
    )
    deliveries = await rows(
        pool,
        "SELECT channel, status FROM deliveries WHERE message_id = $1 ORDER BY created_at",
        message_id,
    )
    return (
        list(message["channels"]),
        message["status"],
        [(d["channel"], d["status"]) for d in deliveries],
    )


async def _dispatch_with_sms_refused(
    pool: asyncpg.Pool, stack: StackEndpoints, service_dsns: dict[str, str], sms_double: str
) -> list[Any]:
    """The SMS double refuses every SMS; a few dispatcher rounds; the mail the sink got."""
    async with httpx.AsyncClient() as client:
        failing = await client.post(f"{sms_double}/_double/fail", json={"mode": "permanent"})
        assert failing.status_code == 200, failing.text
    async with SmtpSink(Path(tempfile.mkdtemp(prefix="cf-failover-sink-"))) as sink:
        await _dispatch(pool, stack, service_dsns["notifications"], sms_double, sink)
        return list(sink.messages())


async def test_a_kind_configured_with_a_fixed_order_fails_over_along_it(
    pool: asyncpg.Pool,
    stack: StackEndpoints,
    service_dsns: dict[str, str],
    sms_double: str,
    configured,  # type: ignore[no-untyped-def]
) -> None:
    configured("shift_changed=sms>email>inapp")
    person = await _member(pool, Channel.INAPP, Channel.EMAIL)
    changed = await _notify(pool, "shift_changed", person)
    assigned = await _notify(pool, "shift_assigned", person)
    mails = await _dispatch_with_sms_refused(pool, stack, service_dsns, sms_double)

    path, status, deliveries = await _record(pool, changed)
    assert path == ["sms", "email", "inapp"]
    assert status == "sent"
    assert deliveries == [("inapp", "delivered"), ("sms", "bounced"), ("email", "sent")]
    # The kind not configured keeps the person's own path: SMS never tried.
    path, status, deliveries = await _record(pool, assigned)
    assert path == ["inapp", "email"]
    assert deliveries == [("inapp", "delivered"), ("email", "sent")]
    subjects = sorted(str(mail.message["X-Campusflow-Kind"]) for mail in mails)
    assert subjects == ["shift_assigned", "shift_changed"]
    assert {str(mail.message["To"]) for mail in mails} == {f"{person}@campus.edu.cn"}
    async with httpx.AsyncClient() as client:
        sent = (await client.get(f"{sms_double}/_double/messages")).json()["messages"]
    assert sent == []  # the double refused the one SMS it was asked for


async def test_a_kind_configured_with_no_failover_stops_at_its_first_channel(
    pool: asyncpg.Pool,
    stack: StackEndpoints,
    service_dsns: dict[str, str],
    sms_double: str,
    configured,  # type: ignore[no-untyped-def]
) -> None:
    configured("shift_changed=none")
    person = await _member(pool, Channel.SMS, Channel.EMAIL, Channel.INAPP)
    changed = await _notify(pool, "shift_changed", person)
    mails = await _dispatch_with_sms_refused(pool, stack, service_dsns, sms_double)
    path, status, deliveries = await _record(pool, changed)
    assert path == ["sms", "inapp"]
    assert status == "bounced"
    assert deliveries == [("inapp", "delivered"), ("sms", "bounced")]
    assert mails == []


async def test_the_planner_follows_the_override_of_the_settings_it_is_handed(
    pool: asyncpg.Pool, stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    person = await _member(pool, Channel.INAPP, Channel.EMAIL)
    overriding = settings_for(
        service_dsns["notifications"],
        stack.redis_url,
        failover_by_kind="shift_changed=sms>email>inapp",
    )
    before = settings_in_force()
    put_in_force(None)  # as in a process that did not start the service
    try:
        async with pool.acquire() as conn:
            paths = [
                (
                    await plan_delivery(
                        conn,
                        college="cs",
                        recipient_id=person,
                        kind=kind,
                        now=datetime.now(UTC),
                        settings=settings,
                    )
                ).channels
                for kind, settings in (
                    ("shift_changed", overriding),
                    ("shift_changed", None),
                    ("shift_assigned", overriding),
                )
            ]
    finally:
        put_in_force(before)
    assert paths == [("sms", "email", "inapp"), ("inapp", "email"), ("inapp", "email")]
