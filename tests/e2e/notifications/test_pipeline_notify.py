"""notify() on the real PostgreSQL: one message per recipient, the in-app notice at once,
the first outside channel queued with its dedupe key, a replay that makes nothing, held /
dropped / digested messages, and bad input refused with nothing written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import pytest

from services.notifications.service.messages import make_messages
from tests.e2e.notifications.core_support import (
    HttpSender,
    Receiver,
    add_contact,
    dispatcher,
    outbox_types,
    own_schema,
    planner,
    render,
    rows,
    settings_for,
)
from tests.support.http_server import serve
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SHIFT = {
    "post": "图书馆值班",
    "place": "图书馆一楼",
    "starts_at": datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
    "ends_at": datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
}


@pytest.fixture(scope="module")
async def pool(stack: StackEndpoints, service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with own_schema(stack.postgres_admin_dsn, service_dsns["notifications"]) as made:
        yield made


async def _notify(
    pool: asyncpg.Pool,
    event_id,
    recipients,
    *,
    plan,
    kind="shift_assigned",
    fields=None,
    channels=None,
    now=NOW,
):  # type: ignore[no-untyped-def]
    async with pool.acquire() as conn, conn.transaction():
        return await make_messages(
            conn,
            college="cs",
            event_id=event_id,
            kind=kind,
            recipient_ids=recipients,
            fields=SHIFT if fields is None else fields,
            subject_id="shift-1",
            now=now,
            channels=channels,
            plan=plan,
            render=render,
        )


async def test_a_message_is_in_the_inbox_at_once_and_queued_outside(pool: asyncpg.Pool) -> None:
    event, people = uuid4(), [f"p-{uuid4().hex[:6]}" for _ in range(2)]
    ids = await _notify(pool, event, [*people, people[0]], plan=planner(["inapp", "email"]))
    assert len(ids) == 2  # a recipient named twice gets one message
    messages = await rows(pool, "SELECT * FROM messages WHERE message_id = ANY($1::uuid[])", ids)
    assert {m["status"] for m in messages} == {"queued"}
    assert {tuple(m["channels"]) for m in messages} == {("inapp", "email")}
    notices = await rows(pool, "SELECT * FROM notices WHERE message_id = ANY($1::uuid[])", ids)
    assert len(notices) == 2
    assert {n["kind"] for n in notices} == {"shift_assigned"}
    assert {n["subject_id"] for n in notices} == {"shift-1"}
    assert {n["category"] for n in notices} == {"duty"}
    assert all("图书馆值班" in n["body"] for n in notices)
    deliveries = await rows(
        pool,
        "SELECT channel, status, dedupe_key FROM deliveries WHERE message_id = ANY($1::uuid[])",
        ids,
    )
    by_channel = sorted((d["channel"], d["status"]) for d in deliveries)
    assert by_channel == [("email", "queued")] * 2 + [("inapp", "delivered")] * 2
    assert f"{event}:{people[0]}:email:0" in {d["dedupe_key"] for d in deliveries}

    # A replayed event returns the same ids and writes nothing.
    before = await pool.fetchval("SELECT count(*) FROM deliveries")
    events_before = await pool.fetchval("SELECT count(*) FROM outbox")
    again = await _notify(pool, event, people, plan=planner(["inapp", "email"]))
    assert again == ids
    assert await pool.fetchval("SELECT count(*) FROM deliveries") == before
    assert await pool.fetchval("SELECT count(*) FROM outbox") == events_before
    assert (
        await pool.fetchval("SELECT count(*) FROM notices WHERE message_id = ANY($1::uuid[])", ids)
        == 2
    )


async def test_missing_declared_fields_are_a_routing_bug(pool: asyncpg.Pool) -> None:
    event = uuid4()
    before = await pool.fetchval("SELECT count(*) FROM messages")
    with pytest.raises(ValueError, match="ends_at"):
        await _notify(
            pool,
            event,
            ["p1"],
            plan=planner(["inapp"]),
            fields={k: v for k, v in SHIFT.items() if k != "ends_at"},
        )
    with pytest.raises(ValueError, match="unknown notification kind"):
        await _notify(pool, event, ["p1"], plan=planner(["inapp"]), kind="no_such_kind")
    with pytest.raises(ValueError, match="unknown channel"):
        await _notify(pool, event, ["p1"], plan=planner(["inapp"]), channels=["fax"])
    assert await pool.fetchval("SELECT count(*) FROM messages") == before


async def test_held_messages_are_released_when_the_hold_ends(
    pool: asyncpg.Pool, stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    person = f"p-{uuid4().hex[:6]}"
    until = NOW + timedelta(hours=8)
    [held] = await _notify(pool, uuid4(), [person], plan=planner(["inapp", "email"], "hold", until))
    [message] = await rows(
        pool, "SELECT status, hold_until FROM messages WHERE message_id = $1", held
    )
    assert (message["status"], message["hold_until"]) == ("held", until)
    assert await pool.fetchval("SELECT count(*) FROM notices WHERE message_id = $1", held) == 0

    await add_contact(pool, "cs", person, "email", f"{person}@example.edu.cn")
    provider = Receiver()
    with serve(provider.app()) as (host, port):
        settings = settings_for(service_dsns["notifications"], stack.redis_url)
        d = dispatcher(pool, settings, {"email": HttpSender("email", f"http://{host}:{port}")})
        await d.round(now=until - timedelta(seconds=1))
        status = await pool.fetchval("SELECT status FROM messages WHERE message_id = $1", held)
        assert status == "held"
        # The hold ends: the dispatcher releases it (notice now) and sends the email.
        await d.round(now=until)
        await d.protection.close()
    status = await pool.fetchval("SELECT status FROM messages WHERE message_id = $1", held)
    assert status == "sent"
    assert await pool.fetchval("SELECT count(*) FROM notices WHERE message_id = $1", held) == 1
    assert [r["to"] for r in provider.requests] == [f"{person}@example.edu.cn"]


async def test_a_critical_kind_is_never_held(pool: asyncpg.Pool) -> None:
    fields = {
        "title": "学生走失",
        "summary": "集合时少一人",
        "place": "博物馆",
        "occurred_at": NOW,
        "step": 0,
        "role": "带队教师",
        "ack_url": "http://x/ack",
    }
    [message] = await _notify(
        pool,
        uuid4(),
        ["teacher-1"],
        kind="incident_alert",
        fields=fields,
        plan=planner(["inapp"], "hold", NOW + timedelta(hours=3)),
    )
    [row] = await rows(pool, "SELECT status, priority FROM messages WHERE message_id = $1", message)
    assert (row["status"], row["priority"]) == ("delivered", "critical")
    assert (
        await pool.fetchval("SELECT priority FROM notices WHERE message_id = $1", message)
        == "critical"
    )


async def test_dropped_and_digested_messages(pool: asyncpg.Pool) -> None:
    before = await outbox_types(pool)
    [dropped] = await _notify(pool, uuid4(), ["p-d"], plan=planner(["inapp"], "drop"))
    [digested] = await _notify(pool, uuid4(), ["p-g"], plan=planner(["inapp"], "digest"))
    statuses = {
        r["message_id"]: r["status"]
        for r in await rows(
            pool,
            "SELECT message_id, status FROM messages WHERE message_id = ANY($1::uuid[])",
            [dropped, digested],
        )
    }
    assert statuses == {dropped: "dropped", digested: "digested"}
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM notices WHERE message_id = ANY($1::uuid[])", [dropped, digested]
        )
        == 0
    )
    after = await outbox_types(pool)
    assert (
        after.count("campusflow.notifications.message.dropped.v1")
        == before.count("campusflow.notifications.message.dropped.v1") + 1
    )


async def test_the_contact_point_is_not_needed_to_queue(pool: asyncpg.Pool) -> None:
    """Queued now; the dispatcher looks the contact point up when it sends."""
    await add_contact(pool, "cs", "p-c", "email", "pc@example.edu.cn")
    [message] = await _notify(pool, uuid4(), ["p-c", "p-none"][:1], plan=planner(["email"]))
    assert (
        await pool.fetchval("SELECT status FROM messages WHERE message_id = $1", message)
        == "queued"
    )
    assert await pool.fetchval("SELECT count(*) FROM notices WHERE message_id = $1", message) == 0
