"""A critical message is sent at once to a person who leaves their messages for the digest,
and arms no digest timer (the kernel's durable timers, `due_actions`), on the real
PostgreSQL with the pipeline's real hooks and injected time.

The timer follows the action the pipeline settles (domain/delivery.settled_action), not
the plan: a planner that leaves a critical message for the digest is overruled and arms
nothing, while the same planner's ordinary message waits for the digest and arms it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg
import pytest

from services.notifications.domain.kinds import Category, kind_named
from services.notifications.domain.preferences import CategoryPreference, Channel
from services.notifications.service.messages import make_messages
from services.notifications.service.preferences import DIGEST_ACTION
from services.notifications.service.templates import render_message
from tests.e2e.notifications.core_support import own_schema, planner
from tests.e2e.notifications.prefs_support import (
    COLLEGE,
    INCIDENT_FIELDS,
    SHIFT_FIELDS,
    message,
    new_person,
    send,
    use_case,
)
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

MORNING = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
EVENING_20 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai


@pytest.fixture(scope="module")
async def pool(stack: StackEndpoints, service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with own_schema(stack.postgres_admin_dsn, service_dsns["notifications"]) as made:
        yield made


async def digest_timers(pool: asyncpg.Pool, person: str) -> list[datetime]:
    found = await pool.fetch(
        "SELECT due_at FROM due_actions WHERE kind = $1 AND key LIKE $2 ORDER BY due_at",
        DIGEST_ACTION,
        f"{COLLEGE}:{person}:%",
    )
    return [row["due_at"] for row in found]


async def notices_of(pool: asyncpg.Pool, message_id: UUID) -> int:
    return int(
        await pool.fetchval("SELECT count(*) FROM notices WHERE message_id = $1", message_id)
    )


async def a_person_who_digests_everything_they_may(pool: asyncpg.Pool) -> str:
    """Every category but safety (critical: refused) waits for their digest at 20:00."""
    person = new_person("critical")
    choices = [
        CategoryPreference(category, (Channel.INAPP,), digest=True)
        for category in Category
        if category is not Category.SAFETY
    ]
    await use_case(pool, "choose", person, choices=choices, now=MORNING)
    await use_case(pool, "set_digest_window", person, window="daily 20:00", now=MORNING)
    return person


async def test_a_critical_message_is_sent_at_once_and_arms_no_digest_timer(
    pool: asyncpg.Pool,
) -> None:
    person = await a_person_who_digests_everything_they_may(pool)
    [alert] = await send(pool, person, kind="incident_alert", fields=INCIDENT_FIELDS, now=MORNING)
    found = await message(pool, alert)
    assert found["status"] == "delivered"  # in the inbox now: no outside channel to reach
    assert found["hold_until"] is None
    assert await notices_of(pool, alert) == 1
    assert await digest_timers(pool, person) == []
    # Their ordinary messages do wait for the digest, and arm its timer.
    [shift] = await send(pool, person, kind="shift_assigned", fields=SHIFT_FIELDS, now=MORNING)
    assert (await message(pool, shift))["status"] == "digested"
    assert await notices_of(pool, shift) == 0
    assert await digest_timers(pool, person) == [EVENING_20]


async def _planned_for_the_digest(pool: asyncpg.Pool, person: str, kind: str) -> UUID:
    """One message of `kind` whose planner leaves it for the digest, whatever the kind."""
    fields = INCIDENT_FIELDS if kind_named(kind).critical else SHIFT_FIELDS
    async with pool.acquire() as conn, conn.transaction():
        [made] = await make_messages(
            conn,
            college=COLLEGE,
            event_id=uuid4(),
            kind=kind,
            recipient_ids=[person],
            fields=fields,
            subject_id="",
            now=MORNING,
            channels=None,
            plan=planner(["inapp"], action="digest"),
            render=render_message,
        )
    return made


async def test_a_critical_message_planned_for_the_digest_is_sent_and_arms_no_timer(
    pool: asyncpg.Pool,
) -> None:
    person = new_person("critical")
    alert = await _planned_for_the_digest(pool, person, "incident_alert")
    assert (await message(pool, alert))["status"] == "delivered"
    assert await notices_of(pool, alert) == 1
    assert await digest_timers(pool, person) == []
    # The same planner's ordinary message is left for the digest: the timer is armed.
    shift = await _planned_for_the_digest(pool, person, "shift_assigned")
    assert (await message(pool, shift))["status"] == "digested"
    assert await digest_timers(pool, person) == [EVENING_20]
