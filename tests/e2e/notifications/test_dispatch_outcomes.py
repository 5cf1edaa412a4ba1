"""The dispatcher on the real PostgreSQL and Redis against a local HTTP provider: sent
with the idempotency key and recorded; temporary failures retried with backoff, then
failed over; a permanent failure or an open breaker failed over at once (SMS -> email ->
in-app), the path and every attempt on record, outcome events in the outbox; rate limits
postpone; a dead Redis loses only the limits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from services.notifications.service.messages import make_messages
from tests.e2e.notifications.core_support import (
    HttpSender,
    Receiver,
    add_contact,
    dispatcher,
    drain,
    outbox_types,
    own_schema,
    planner,
    render,
    rows,
    settings_for,
)
from tests.support.http_server import serve
from tools.stack import StackEndpoints, free_port

pytestmark = pytest.mark.e2e

SHIFT = {
    "post": "门岗",
    "place": "东门",
    "starts_at": "2026-03-03T08:00:00+08:00",
    "ends_at": "2026-03-03T10:00:00+08:00",
}
FAILED = "campusflow.notifications.message.failed.v1"
SENT = "campusflow.notifications.message.sent.v1"


@pytest.fixture(scope="module")
async def pool(stack: StackEndpoints, service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with own_schema(stack.postgres_admin_dsn, service_dsns["notifications"]) as made:
        yield made


@pytest.fixture
def sms() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    with serve(receiver.app()) as (host, port):
        yield receiver, f"http://{host}:{port}"


@pytest.fixture
def email() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    with serve(receiver.app()) as (host, port):
        yield receiver, f"http://{host}:{port}"


async def _person(pool: asyncpg.Pool) -> str:
    person = f"p-{uuid4().hex[:8]}"
    await add_contact(pool, "cs", person, "sms", "13800138000")
    await add_contact(pool, "cs", person, "email", f"{person}@example.edu.cn")
    return person


async def _message(
    pool: asyncpg.Pool, person: str, path: list[str], event_id: UUID | None = None
) -> UUID:
    async with pool.acquire() as conn, conn.transaction():
        [message_id] = await make_messages(
            conn,
            college="cs",
            event_id=event_id or uuid4(),
            kind="shift_assigned",
            recipient_ids=[person],
            fields=SHIFT,
            subject_id="s",
            now=datetime.now(UTC),
            channels=None,
            plan=planner(path),
            render=render,
        )
    return message_id


async def _path(pool: asyncpg.Pool, message_id: UUID) -> list[tuple[str, str]]:
    found = await rows(
        pool,
        "SELECT channel, status FROM deliveries WHERE message_id = $1 ORDER BY created_at",
        message_id,
    )
    return [(d["channel"], d["status"]) for d in found]


async def test_a_delivery_is_sent_with_its_idempotency_key_and_recorded(
    pool: asyncpg.Pool, stack: StackEndpoints, service_dsns: dict[str, str], sms
) -> None:
    receiver, url = sms
    person = await _person(pool)
    event_id = uuid4()
    message_id = await _message(pool, person, ["sms", "inapp"], event_id)
    before = (await outbox_types(pool)).count(SENT)
    d = dispatcher(
        pool,
        settings_for(service_dsns["notifications"], stack.redis_url),
        {"sms": HttpSender("sms", url)},
    )
    await drain(d, rounds=2)
    await d.protection.close()
    assert await _path(pool, message_id) == [("inapp", "delivered"), ("sms", "sent")]
    [request] = receiver.requests
    [delivery] = await rows(
        pool, "SELECT * FROM deliveries WHERE message_id = $1 AND channel = 'sms'", message_id
    )
    assert request["key"] == f"campusflow-{delivery['delivery_id']}"
    assert request["to"] == "13800138000" and "门岗" in request["body"]
    assert delivery["provider_message_id"] == f"p-{request['key']}"
    attempts = await rows(
        pool, "SELECT * FROM delivery_attempts WHERE delivery_id = $1", delivery["delivery_id"]
    )
    assert [(a["attempt"], a["outcome"]) for a in attempts] == [(1, "sent")]
    assert (
        await pool.fetchval("SELECT status FROM messages WHERE message_id = $1", message_id)
        == "sent"
    )
    assert (await outbox_types(pool)).count(SENT) == before + 1

    # The event redelivered after the send: the same message, nothing sent again.
    assert await _message(pool, person, ["sms", "inapp"], event_id) == message_id
    d = dispatcher(
        pool,
        settings_for(service_dsns["notifications"], stack.redis_url),
        {"sms": HttpSender("sms", url)},
    )
    await drain(d, rounds=2)
    await d.protection.close()
    assert len(receiver.requests) == 1
    assert await _path(pool, message_id) == [("inapp", "delivered"), ("sms", "sent")]


async def test_temporary_failures_retry_then_fail_over_to_email(
    pool: asyncpg.Pool, stack: StackEndpoints, service_dsns: dict[str, str], sms, email
) -> None:
    (sms_receiver, sms_url), (email_receiver, email_url) = sms, email
    sms_receiver.mode = "temporary"
    person = await _person(pool)
    message_id = await _message(pool, person, ["sms", "email", "inapp"])
    settings = settings_for(
        service_dsns["notifications"], stack.redis_url, dispatch_max_attempts=3, breaker_failures=50
    )
    d = dispatcher(
        pool, settings, {"sms": HttpSender("sms", sms_url), "email": HttpSender("email", email_url)}
    )
    # Each round an hour on: every retry is due.
    for hours in range(6):
        await d.round(now=datetime.now(UTC) + timedelta(hours=hours))
    await d.protection.close()
    assert len(sms_receiver.requests) == 3
    assert len(email_receiver.requests) == 1
    assert await _path(pool, message_id) == [
        ("inapp", "delivered"),
        ("sms", "failed"),
        ("email", "sent"),
    ]
    [sms_delivery] = await rows(
        pool, "SELECT * FROM deliveries WHERE message_id = $1 AND channel = 'sms'", message_id
    )
    attempts = await rows(
        pool,
        "SELECT attempt, outcome, started_at FROM delivery_attempts"
        " WHERE delivery_id = $1 ORDER BY attempt",
        sms_delivery["delivery_id"],
    )
    assert [a["outcome"] for a in attempts] == ["temporary_failure"] * 3
    failed = await rows(
        pool,
        "SELECT payload FROM outbox WHERE headers->>'ce_type' = $1"
        " AND message_key = $2::text::bytea",
        FAILED,
        str(message_id),
    )
    assert len(failed) == 1 and b'"failed_over_to":"email"' in bytes(failed[0]["payload"])


async def test_a_permanent_failure_fails_over_at_once_down_to_the_inbox(
    pool: asyncpg.Pool, stack: StackEndpoints, service_dsns: dict[str, str], sms, email
) -> None:
    (sms_receiver, sms_url), (email_receiver, email_url) = sms, email
    sms_receiver.mode = email_receiver.mode = "permanent"
    person = await _person(pool)
    message_id = await _message(pool, person, ["sms", "email", "inapp"])
    # The same path without the inbox: nothing is left when both refuse.
    no_inbox = await _message(pool, person, ["sms", "email"])
    d = dispatcher(
        pool,
        settings_for(service_dsns["notifications"], stack.redis_url),
        {"sms": HttpSender("sms", sms_url), "email": HttpSender("email", email_url)},
    )
    await drain(d, rounds=4)
    await d.protection.close()
    assert await _path(pool, message_id) == [
        ("inapp", "delivered"),
        ("sms", "bounced"),
        ("email", "bounced"),
    ]
    assert (
        await pool.fetchval("SELECT status FROM messages WHERE message_id = $1", message_id)
        == "bounced"
    )
    assert await _path(pool, no_inbox) == [("sms", "bounced"), ("email", "bounced")]
    assert await pool.fetchval("SELECT count(*) FROM notices WHERE message_id = $1", no_inbox) == 0


async def test_failing_over_to_the_inbox_writes_the_notice(
    pool: asyncpg.Pool, stack: StackEndpoints, service_dsns: dict[str, str], sms
) -> None:
    sms_receiver, sms_url = sms
    sms_receiver.mode = "permanent"
    person = await _person(pool)
    async with pool.acquire() as conn, conn.transaction():
        [message_id] = await make_messages(
            conn,
            college="cs",
            event_id=uuid4(),
            kind="shift_assigned",
            recipient_ids=[person],
            fields=SHIFT,
            subject_id="s",
            now=datetime.now(UTC),
            channels=["sms", "inapp"],
            plan=planner(["email"]),
            render=render,
        )
    # The caller's path (sms, inapp): the notice is written at once, so failover ends.
    d = dispatcher(
        pool,
        settings_for(service_dsns["notifications"], stack.redis_url),
        {"sms": HttpSender("sms", sms_url)},
    )
    await drain(d, rounds=2)
    assert await _path(pool, message_id) == [("inapp", "delivered"), ("sms", "bounced")]
    # A path whose inbox comes only after sms: a held message released with sms first.
    held = await _message(pool, person, ["sms"])
    await pool.execute(
        "UPDATE messages SET channels = '{sms,inapp}' WHERE message_id = $1", held
    )  # as a plan of (sms, inapp) minus the at-once notice
    await pool.execute("DELETE FROM notices WHERE message_id = $1", held)
    await drain(d, rounds=3)
    await d.protection.close()
    assert await _path(pool, held) == [("sms", "bounced"), ("inapp", "delivered")]
    assert await pool.fetchval("SELECT count(*) FROM notices WHERE message_id = $1", held) == 1
    assert (
        await pool.fetchval("SELECT status FROM messages WHERE message_id = $1", held)
        == "delivered"
    )


async def test_an_open_breaker_fails_over_without_calling_the_provider(
    pool: asyncpg.Pool, stack: StackEndpoints, service_dsns: dict[str, str], sms, email
) -> None:
    (sms_receiver, sms_url), (_, email_url) = sms, email
    sms_receiver.mode = "temporary"
    settings = settings_for(
        service_dsns["notifications"],
        stack.redis_url,
        breaker_failures=2,
        breaker_open_s=300,
        dispatch_max_attempts=10,
    )
    d = dispatcher(
        pool, settings, {"sms": HttpSender("sms", sms_url), "email": HttpSender("email", email_url)}
    )
    people = [await _person(pool) for _ in range(3)]
    first = [await _message(pool, p, ["sms", "email"]) for p in people[:2]]
    await d.round()  # two temporary failures: the breaker opens
    assert len(sms_receiver.requests) == 2
    later = await _message(pool, people[2], ["sms", "email"])
    await drain(d, rounds=2)
    assert len(sms_receiver.requests) == 2  # not called while open
    assert await _path(pool, later) == [("sms", "failed"), ("email", "sent")]
    [attempt] = await rows(
        pool,
        "SELECT a.outcome FROM delivery_attempts a JOIN deliveries d USING (delivery_id)"
        " WHERE d.message_id = $1 AND d.channel = 'sms'",
        later,
    )
    assert attempt["outcome"] == "breaker_open"
    # The first two were retried later (breaker open then too): they failed over as well.
    await d.round(now=datetime.now(UTC) + timedelta(hours=1))
    await drain(d, rounds=2)
    await d.protection.close()
    for message_id in first:
        assert (await _path(pool, message_id))[-1] == ("email", "sent")


async def test_rate_limits_postpone_and_a_dead_redis_loses_only_the_limits(
    pool: asyncpg.Pool, stack: StackEndpoints, service_dsns: dict[str, str], email
) -> None:
    receiver, url = email
    person = await _person(pool)
    messages = [await _message(pool, person, ["email"]) for _ in range(3)]
    limited = settings_for(
        service_dsns["notifications"], stack.redis_url, rate_per_recipient_per_min=1
    )
    d = dispatcher(pool, limited, {"email": HttpSender("email", url)})
    await d.round()
    await d.protection.close()
    assert len(receiver.requests) == 1
    outcomes = await rows(
        pool,
        "SELECT a.outcome FROM delivery_attempts a JOIN deliveries d USING (delivery_id)"
        " WHERE d.message_id = ANY($1::uuid[])",
        messages,
    )
    assert sorted(a["outcome"] for a in outcomes) == ["rate_limited", "rate_limited", "sent"]
    statuses = [
        await pool.fetchval("SELECT status FROM messages WHERE message_id = $1", m)
        for m in messages
    ]
    assert sorted(statuses) == ["queued", "queued", "sent"]

    # The same limits with Redis away: nothing is limited, nothing is lost.
    dead = settings_for(
        service_dsns["notifications"],
        f"redis://127.0.0.1:{free_port()}/0",
        rate_per_recipient_per_min=1,
        breaker_failures=1,
    )
    d = dispatcher(pool, dead, {"email": HttpSender("email", url)})
    await d.round(now=datetime.now(UTC) + timedelta(minutes=2))
    await d.protection.close()
    assert len(receiver.requests) == 3
    for message_id in messages:
        assert (
            await pool.fetchval("SELECT status FROM messages WHERE message_id = $1", message_id)
            == "sent"
        )
