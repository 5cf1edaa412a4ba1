"""The batched pipeline on the real PostgreSQL (issue 10, "Benchmarks"): one event to
many people is planned for each exactly as alone (the real plan_delivery and
render_message), written in a number of queries that does not grow with the recipients,
and replayed without a second message; the dispatcher records a batch in groups, in a
bounded number of queries, and a group whose claim lapsed for one delivery records the
others only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from services.notifications.channels import Outgoing, SendOutcome, SendResult
from services.notifications.domain.kinds import Category
from services.notifications.domain.preferences import CategoryPreference, Channel
from services.notifications.repository import deliveries as delivery_rows
from services.notifications.service import preferences as prefs
from services.notifications.service.dispatch import Dispatcher, limits_of
from services.notifications.service.dispatch_record import (
    Attempted,
    AttemptResult,
    record_attempts,
)
from services.notifications.service.messages import notify
from services.notifications.service.preferences import contact_address
from services.notifications.service.protection import Protection
from services.notifications.service.templates import render_message
from tests.e2e.notifications.core_support import (
    outbox_types,
    own_schema,
    rows,
    schema_of,
    settings_for,
)
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

COLLEGE = "cs"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
SHIFT = {
    "post": "图书馆值班",
    "place": "图书馆一楼",
    "starts_at": datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
    "ends_at": datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
}
DELIVERED = "campusflow.notifications.message.delivered.v1"
DROPPED = "campusflow.notifications.message.dropped.v1"
SENT = "campusflow.notifications.message.sent.v1"


@pytest.fixture(scope="module")
async def pool(stack: StackEndpoints, service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with own_schema(stack.postgres_admin_dsn, service_dsns["notifications"]) as made:
        yield made


@contextmanager
def counted(conn: asyncpg.Connection) -> Iterator[list[str]]:
    """The queries `conn` runs within the block."""
    seen: list[str] = []

    def log(record: Any) -> None:
        seen.append(record.query)

    conn.add_query_logger(log)
    try:
        yield seen
    finally:
        conn.remove_query_logger(log)


async def _notify(conn: asyncpg.Connection, event_id: UUID, people: list[str]) -> list[UUID]:
    async with conn.transaction():
        return await notify(
            conn,
            college=COLLEGE,
            event_id=event_id,
            kind="shift_assigned",
            recipient_ids=people,
            fields=SHIFT,
            subject_id="shift-1",
            now=NOW,
        )


async def _people_with_email(conn: asyncpg.Connection, count: int, prefix: str) -> list[str]:
    people = [f"{prefix}-{uuid4().hex[:8]}" for _ in range(count)]
    for person in people:
        await prefs.set_contact_point(
            conn,
            college=COLLEGE,
            person_id=person,
            channel="email",
            address=f"{person}@campus.edu.cn",
            now=NOW,
        )
    return people


async def _mixed_people(conn: asyncpg.Connection) -> dict[str, str]:
    """One person per way of planning: name -> person id."""
    who = {name: f"{name}-{uuid4().hex[:8]}" for name in (
        "mail", "mail2", "quiet", "off", "digest", "english", "london", "unknown", "inapp",
    )}  # fmt: skip
    for name in ("mail", "mail2", "quiet", "off", "digest", "english", "london"):
        await prefs.set_contact_point(
            conn,
            college=COLLEGE,
            person_id=who[name],
            channel="email",
            address=f"{who[name]}@campus.edu.cn",
            now=NOW,
        )
    await prefs.set_quiet_hours(
        conn, college=COLLEGE, person_id=who["quiet"], starts="17:00", ends="23:00", now=NOW
    )
    await prefs.choose(
        conn,
        college=COLLEGE,
        person_id=who["off"],
        choices=[CategoryPreference(Category.DUTY, (Channel.INAPP,), enabled=False)],
        now=NOW,
    )
    await prefs.choose(
        conn,
        college=COLLEGE,
        person_id=who["digest"],
        choices=[CategoryPreference(Category.DUTY, (Channel.INAPP,), digest=True)],
        now=NOW,
    )
    await prefs.set_locale_and_zone(
        conn, college=COLLEGE, person_id=who["english"], locale="en", now=NOW
    )
    await prefs.set_locale_and_zone(
        conn, college=COLLEGE, person_id=who["london"], time_zone="Europe/London", now=NOW
    )
    await prefs.ensure_person(
        conn, college=COLLEGE, person_id=who["inapp"], display_name="只在站内", now=NOW
    )
    return who


async def test_one_event_to_many_people_plans_each_as_alone_and_writes_each_once(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        who = await _mixed_people(conn)
        people = list(who.values())
        # Each person's plan and wording as the pipeline makes them one at a time, in a
        # transaction rolled back.
        expected = {}
        alone = conn.transaction()
        await alone.start()
        for person in people:
            plan = await prefs.plan_delivery(
                conn, college=COLLEGE, recipient_id=person, kind="shift_assigned", now=NOW
            )
            worded = await render_message(
                conn,
                college=COLLEGE,
                kind="shift_assigned",
                locale=plan.locale,
                fields={k: v.isoformat() if isinstance(v, datetime) else v
                        for k, v in SHIFT.items()},
                time_zone=plan.time_zone,
            )  # fmt: skip
            expected[person] = (plan, worded)
        await alone.rollback()
        before = await outbox_types(pool)
        event = uuid4()
        ids = await _notify(conn, event, [*people, people[0]])  # a repeat counts once

    assert len(ids) == len(set(ids)) == len(people)
    messages = {
        r["recipient_id"]: r
        for r in await rows(pool, "SELECT * FROM messages WHERE event_id = $1", event)
    }
    assert set(messages) == set(people)
    for person in people:
        plan, worded = expected[person]
        found = messages[person]
        assert (found["locale"], found["time_zone"]) == (plan.locale, plan.time_zone), person
        assert tuple(found["channels"]) == (plan.channels or ("inapp",)), person
    status = {name: messages[person]["status"] for name, person in who.items()}
    assert status == {
        "mail": "queued", "mail2": "queued", "quiet": "held", "off": "dropped",
        "digest": "digested", "english": "queued", "london": "queued",
        "unknown": "delivered", "inapp": "delivered",
    }  # fmt: skip
    assert messages[who["quiet"]]["hold_until"] == expected[who["quiet"]][0].hold_until

    notices = {
        r["recipient_id"]: r
        for r in await rows(pool, "SELECT * FROM notices WHERE message_id = ANY($1)", ids)
    }
    sent_now = {who[n] for n in ("mail", "mail2", "english", "london", "unknown", "inapp")}
    assert set(notices) == sent_now
    for person in sent_now:
        _, worded = expected[person]
        assert (notices[person]["title"], notices[person]["body"]) == (worded.title, worded.body)
    assert notices[who["english"]]["title"] != notices[who["mail"]]["title"]  # en vs zh-CN
    assert notices[who["london"]]["body"] != notices[who["mail"]]["body"]  # its own zone

    deliveries = await rows(
        pool,
        "SELECT d.*, m.recipient_id FROM deliveries d JOIN messages m USING (message_id)"
        " WHERE m.event_id = $1",
        event,
    )
    by_channel = {(d["recipient_id"], d["channel"]): d for d in deliveries}
    emailed = {who[n] for n in ("mail", "mail2", "english", "london")}
    assert {p for p, c in by_channel if c == "email"} == emailed
    assert {p for p, c in by_channel if c == "inapp"} == sent_now
    for (person, channel), d in by_channel.items():
        assert d["status"] == ("queued" if channel == "email" else "delivered")
        assert d["dedupe_key"] == f"{event}:{person}:{channel}:{d['template_version']}"
    finished = await rows(
        pool,
        "SELECT a.outcome FROM delivery_attempts a JOIN deliveries d USING (delivery_id)"
        " WHERE d.message_id = ANY($1) AND d.channel = 'inapp'",
        ids,
    )
    assert [a["outcome"] for a in finished] == ["delivered"] * len(sent_now)
    new_events = (await outbox_types(pool))[len(before) :]
    assert sorted(new_events) == sorted([DELIVERED] * len(sent_now) + [DROPPED])
    timers = await pool.fetchval(
        "SELECT count(*) FROM due_actions WHERE kind = 'notifications.digest'"
        " AND payload->>'person_id' = $1",
        who["digest"],
    )
    assert timers == 1  # armed once, by the pipeline (the reference run was rolled back)

    # A replay makes nothing and tells nothing.
    async with pool.acquire() as conn:
        again = await _notify(conn, event, people)
    assert again == ids[: len(people)]
    assert await pool.fetchval(
        "SELECT count(*) FROM deliveries d JOIN messages m USING (message_id)"
        " WHERE m.event_id = $1",
        event,
    ) == len(deliveries)
    assert (await outbox_types(pool))[len(before) :] == new_events


async def test_the_queries_of_an_event_do_not_grow_with_its_recipients(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        few = await _people_with_email(conn, 3, "few")
        many = await _people_with_email(conn, 40, "many")
        await _notify(conn, uuid4(), await _people_with_email(conn, 2, "warm"))
        with counted(conn) as for_few:
            await _notify(conn, uuid4(), few)
        with counted(conn) as for_many:
            made = await _notify(conn, uuid4(), many)
    assert len(for_many) == len(for_few) <= 12, for_many
    assert await pool.fetchval(
        "SELECT count(*) FROM deliveries WHERE message_id = ANY($1)", made
    ) == 2 * len(many)


class Recording:
    """A channel sender that takes every message (a provider double)."""

    channel = "email"
    honours_idempotency_key = False

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, outgoing: Outgoing) -> SendResult:
        self.sent.append(outgoing)
        return SendResult(SendOutcome.SENT, provider_message_id=f"p-{outgoing.delivery_id}")


async def test_a_dispatcher_round_records_its_batch_in_bounded_queries(
    stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    async with own_schema(stack.postgres_admin_dsn, service_dsns["notifications"]) as pool:
        await _a_round_of(24, pool, stack, service_dsns["notifications"])


async def _a_round_of(count: int, pool: asyncpg.Pool, stack: StackEndpoints, dsn: str) -> None:
    async with pool.acquire() as conn:
        people = await _people_with_email(conn, count, "round")
        made = await _notify(conn, uuid4(), people)
    sender = Recording()
    queries: list[str] = []

    async def logged(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(lambda record: queries.append(record.query))

    # The dispatcher on a pool of its own whose every connection counts its queries.
    counting = await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=4,
        server_settings={"search_path": schema_of(pool)},
        init=logged,
    )
    assert counting is not None
    before = (await outbox_types(pool)).count(SENT)
    try:
        settings = settings_for(dsn, stack.redis_url)
        d = Dispatcher(
            counting,
            settings,
            senders={"email": sender},
            protection=Protection.from_url(
                stack.redis_url, limits_of(settings), namespace=f"t{uuid4().hex}"
            ),
            render=render_message,
            address=contact_address,
        )
        await d.round(now=datetime.now(UTC))
    finally:
        await counting.close()
    assert sorted(o.address for o in sender.sent) == sorted(f"{p}@campus.edu.cn" for p in people)
    # One by one it took 13 a delivery; in groups at most 6 a group (were each alone),
    # the batch's addresses and wording a few queries for all.
    assert len(queries) <= 6 * count + 15, len(queries)
    assert sum("contact_points" in q for q in queries) == 1
    assert sum("template_versions" in q for q in queries) == 1
    statuses = await rows(pool, "SELECT status FROM messages WHERE message_id = ANY($1)", made)
    assert [r["status"] for r in statuses] == ["sent"] * count
    attempts = await rows(
        pool,
        "SELECT a.outcome, a.finished_at FROM delivery_attempts a JOIN deliveries d"
        " USING (delivery_id) WHERE d.message_id = ANY($1) AND d.channel = 'email'",
        made,
    )
    assert len(attempts) == count and all(
        a["outcome"] == "sent" and a["finished_at"] for a in attempts
    )
    assert (await outbox_types(pool)).count(SENT) - before == count


async def test_a_group_records_the_claims_still_held_and_skips_the_lapsed_one(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        people = await _people_with_email(conn, 3, "group")
        made = await _notify(conn, uuid4(), people)
        async with conn.transaction():
            claimed = [
                c
                for c in await delivery_rows.claim_due(
                    conn, claimer="me", now=datetime.now(UTC), claim_for_s=60, limit=500
                )
                if c.message_id in made
            ]
            # Others' deliveries this claim took go back as they were.
            await conn.execute(
                "UPDATE deliveries SET status = 'queued', claimed_by = NULL"
                " WHERE claimed_by = 'me' AND NOT (message_id = ANY($1))",
                made,
            )
        assert len(claimed) == 3
        lapsed = claimed[1]
        await conn.execute(
            "UPDATE deliveries SET claimed_by = 'another' WHERE delivery_id = $1",
            lapsed.delivery_id,
        )
        async with conn.transaction():
            decisions = await record_attempts(
                conn,
                [Attempted(c, AttemptResult("sent", "", f"p-{i}"), None, 0.0)
                 for i, c in enumerate(claimed)],
                claimer="me",
                max_attempts=5,
                now=datetime.now(UTC),
            )  # fmt: skip
    assert [d is None for d in decisions] == [False, True, False]
    found = {
        r["delivery_id"]: r
        for r in await rows(
            pool,
            "SELECT d.delivery_id, d.status, d.provider_message_id, m.status AS message_status"
            " FROM deliveries d JOIN messages m USING (message_id)"
            " WHERE d.delivery_id = ANY($1)",
            [c.delivery_id for c in claimed],
        )
    }
    for index, claim in enumerate(claimed):
        row = found[claim.delivery_id]
        if claim is lapsed:
            assert (row["status"], row["message_status"]) == ("sending", "queued")
            assert row["provider_message_id"] is None
        else:
            assert (row["status"], row["message_status"]) == ("sent", "sent")
            assert row["provider_message_id"] == f"p-{index}"
