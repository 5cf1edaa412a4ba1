"""Digests on the real PostgreSQL with the kernel's durable-timer round (`fire_due`) and
injected time: messages of digest categories wait, go out once at the person's digest
time grouped by kind (also with two replicas firing at once), are marked, and a moved
window moves the digest."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from services.notifications.domain.kinds import Category
from services.notifications.domain.preferences import CategoryPreference, Channel
from services.notifications.service.digests import DIGEST_DUE_ACTIONS, send_digest
from services.notifications.service.preferences import DIGEST_ACTION
from shared.timers.loop import fire_due
from tests.e2e.notifications.core_support import own_schema
from tests.e2e.notifications.prefs_support import COLLEGE, message, new_person, send, use_case
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

MORNING = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
EVENING_20 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
MEETING = {
    "title": "部门例会",
    "agenda": "下周值班安排",
    "place": "学生活动中心 201",
    "starts_at": "2026-12-03T10:00:00+00:00",
    "ends_at": "2026-12-03T11:00:00+00:00",
}


@pytest.fixture(scope="module")
async def pool(stack: StackEndpoints, service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with own_schema(stack.postgres_admin_dsn, service_dsns["notifications"]) as made:
        yield made


async def digesting_person(pool: asyncpg.Pool) -> str:
    person = new_person("digest")
    choices = [
        CategoryPreference(Category.DUTY, (Channel.INAPP,), digest=True),
        CategoryPreference(Category.MEETINGS, (Channel.INAPP,), digest=True),
    ]
    await use_case(pool, "choose", person, choices=choices, now=MORNING)
    return person


async def timers(pool: asyncpg.Pool, person: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT due_at, fired_at FROM due_actions WHERE kind = $1 AND key LIKE $2 ORDER BY due_at",
        DIGEST_ACTION,
        f"{COLLEGE}:{person}:%",
    )


async def digests_of(pool: asyncpg.Pool, person: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT message_id, fields, status FROM messages"
        " WHERE college = $1 AND recipient_id = $2 AND kind = 'digest'",
        COLLEGE,
        person,
    )


async def test_digested_messages_go_out_once_grouped_by_kind(pool: asyncpg.Pool) -> None:
    person = await digesting_person(pool)
    made = await send(pool, person, kind="meeting_scheduled", fields=MEETING, now=MORNING)
    for hour in range(1, 4):
        made += await send(pool, person, now=MORNING + timedelta(hours=hour))
    assert {(await message(pool, m))["status"] for m in made} == {"digested"}
    assert [r["due_at"] for r in await timers(pool, person)] == [EVENING_20]
    # Not yet: nothing fires before 20:00.
    await fire_due(pool, actions=DIGEST_DUE_ACTIONS, now=EVENING_20 - timedelta(seconds=1))
    assert await digests_of(pool, person) == []
    # Two replicas fire at 20:00 at once: one digest.
    await asyncio.gather(
        *(fire_due(pool, actions=DIGEST_DUE_ACTIONS, now=EVENING_20) for _ in range(2))
    )
    [digest] = await digests_of(pool, person)
    fields = json.loads(digest["fields"])
    assert fields["period"] == "2026-12-01 10:00 – 2026-12-01 20:00"
    kinds = [(item["kind"], item["count"]) for item in fields["items"]]
    assert kinds == [("meeting_scheduled", 1), ("shift_assigned", 3)]
    assert fields["items"][1]["title"] == "排班通知" and len(fields["items"][1]["titles"]) == 3
    assert fields["items"][0]["entries"][0]["title"] == "部门例会"
    notice = await pool.fetchrow(
        "SELECT kind, title, body FROM notices WHERE message_id = $1", digest["message_id"]
    )
    assert notice is not None and notice["kind"] == "digest"
    assert "消息汇总" in notice["title"] and "排班通知" in notice["body"]
    marked = await pool.fetch(
        "SELECT message_id FROM digest_entries WHERE digest_message_id = $1",
        digest["message_id"],
    )
    assert {r["message_id"] for r in marked} == set(made)
    # Running the same period again sends nothing more.
    async with pool.acquire() as conn, conn.transaction():
        again = await send_digest(
            conn, college=COLLEGE, person_id=person, period_end=EVENING_20, now=EVENING_20
        )
    assert again is None and len(await digests_of(pool, person)) == 1


async def test_a_message_after_the_digest_waits_for_the_next_one(pool: asyncpg.Pool) -> None:
    person = await digesting_person(pool)
    await send(pool, person, now=MORNING)
    await fire_due(pool, actions=DIGEST_DUE_ACTIONS, now=EVENING_20)
    later = await send(pool, person, now=EVENING_20 + timedelta(minutes=5))
    assert (await message(pool, later[0]))["status"] == "digested"
    tomorrow = EVENING_20 + timedelta(days=1)
    assert [r["due_at"] for r in await timers(pool, person)] == [EVENING_20, tomorrow]
    await fire_due(pool, actions=DIGEST_DUE_ACTIONS, now=tomorrow)
    digests = await digests_of(pool, person)
    assert len(digests) == 2
    second = max(digests, key=lambda d: json.loads(d["fields"])["period"])
    assert json.loads(second["fields"])["period"] == "2026-12-01 20:00 – 2026-12-02 20:00"


async def test_a_moved_window_moves_the_digest(pool: asyncpg.Pool) -> None:
    person = await digesting_person(pool)
    await send(pool, person, now=MORNING)
    await use_case(pool, "set_digest_window", person, window="weekly fri 08:00", now=MORNING)
    friday_8 = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)  # Friday 08:00 in Shanghai
    assert [r["due_at"] for r in await timers(pool, person)] == [EVENING_20, friday_8]
    await fire_due(pool, actions=DIGEST_DUE_ACTIONS, now=EVENING_20)
    assert await digests_of(pool, person) == []  # the old time passes without a digest
    await fire_due(pool, actions=DIGEST_DUE_ACTIONS, now=friday_8)
    assert len(await digests_of(pool, person)) == 1


async def test_the_digest_itself_is_never_digested_and_a_critical_kind_never(
    pool: asyncpg.Pool,
) -> None:
    person = new_person("digest")
    everything = [
        CategoryPreference(Category.REMINDERS, (Channel.INAPP,), digest=True),
        CategoryPreference(Category.DUTY, (Channel.INAPP,), digest=True),
    ]
    await use_case(pool, "choose", person, choices=everything, now=MORNING)
    await send(pool, person, now=MORNING)
    await fire_due(pool, actions=DIGEST_DUE_ACTIONS, now=EVENING_20)
    [digest] = await digests_of(pool, person)
    assert digest["status"] != "digested"
