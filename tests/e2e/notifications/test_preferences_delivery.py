"""Preferences deciding real messages on the real PostgreSQL (a schema of the test's own,
the pipeline's notify() with the real plan_delivery and render_message, time injected):
quiet hours hold until the window ends (DST-correct) or drop, critical kinds bypass them
on every channel, switched-off categories drop, hooks validate addresses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from services.notifications.domain.kinds import Category
from services.notifications.domain.preferences import CategoryPreference, Channel, QuietHandling
from services.notifications.service import preferences as prefs
from shared.rules import RuleBroken
from tests.e2e.notifications.core_support import outbox_types, own_schema
from tests.e2e.notifications.prefs_support import (
    COLLEGE,
    INCIDENT_FIELDS,
    message,
    new_person,
    send,
    use_case,
)
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

AT_23_SHANGHAI = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)
NEXT_0700_SHANGHAI = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
async def pool(stack: StackEndpoints, service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with own_schema(stack.postgres_admin_dsn, service_dsns["notifications"]) as made:
        yield made


async def reachable_person(pool: asyncpg.Pool, now: datetime, *channels: str) -> str:
    person = new_person()
    addresses = {"email": "li.ming@example.edu.cn", "sms": "13812345678", "im": "feishu://tok"}
    async with pool.acquire() as conn, conn.transaction():
        await prefs.ensure_person(
            conn, college=COLLEGE, person_id=person, display_name="李明", now=now
        )
        for channel in channels:
            await prefs.set_contact_point(
                conn,
                college=COLLEGE,
                person_id=person,
                channel=channel,
                address=addresses[channel],
                now=now,
            )
    return person


async def inbox(pool: asyncpg.Pool, person: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT kind, title FROM notices WHERE college = $1 AND recipient_id = $2",
        COLLEGE,
        person,
    )


async def test_quiet_hours_hold_a_message_until_the_window_ends(pool: asyncpg.Pool) -> None:
    person = await reachable_person(pool, AT_23_SHANGHAI, "email")
    await use_case(
        pool, "set_quiet_hours", person, starts="22:00", ends="07:00", now=AT_23_SHANGHAI
    )
    [held] = await send(pool, person, now=AT_23_SHANGHAI)
    row = await message(pool, held)
    assert row["status"] == "held" and row["hold_until"] == NEXT_0700_SHANGHAI
    assert row["channels"] == ["inapp", "email"] and row["locale"] == "zh-CN"
    assert await inbox(pool, person) == []  # nothing at 23:00
    # At noon the same person hears at once.
    [sent] = await send(pool, person, now=datetime(2026, 11, 30, 4, 0, tzinfo=UTC))
    assert (await message(pool, sent))["status"] != "held"
    assert len(await inbox(pool, person)) == 1


async def test_quiet_hours_drop_what_the_person_chose_to_drop(pool: asyncpg.Pool) -> None:
    person = await reachable_person(pool, AT_23_SHANGHAI)
    await use_case(
        pool, "set_quiet_hours", person, starts="22:00", ends="07:00", now=AT_23_SHANGHAI
    )
    async with pool.acquire() as conn, conn.transaction():
        drop_duty = CategoryPreference(Category.DUTY, (Channel.INAPP,), quiet=QuietHandling.DROP)
        await prefs.choose(
            conn, college=COLLEGE, person_id=person, choices=[drop_duty], now=AT_23_SHANGHAI
        )
    dropped_before = sum("dropped" in t.lower() for t in await outbox_types(pool))
    [dropped] = await send(pool, person, now=AT_23_SHANGHAI)
    assert (await message(pool, dropped))["status"] == "dropped"
    assert sum("dropped" in t.lower() for t in await outbox_types(pool)) == dropped_before + 1
    # A meeting notice (another category) is held, not dropped.
    meeting = {
        "title": "例会",
        "agenda": "值班安排",
        "place": "学生活动中心",
        "starts_at": "2026-12-01T10:00:00+00:00",
        "ends_at": "2026-12-01T11:00:00+00:00",
    }
    [held] = await send(pool, person, kind="meeting_scheduled", fields=meeting, now=AT_23_SHANGHAI)
    assert (await message(pool, held))["status"] == "held"


async def test_critical_kinds_bypass_quiet_hours_on_every_channel_sms_first(
    pool: asyncpg.Pool,
) -> None:
    person = await reachable_person(pool, AT_23_SHANGHAI, "email", "sms")
    await use_case(
        pool, "set_quiet_hours", person, starts="22:00", ends="07:00", now=AT_23_SHANGHAI
    )
    [urgent] = await send(
        pool, person, kind="incident_alert", fields=INCIDENT_FIELDS, now=AT_23_SHANGHAI
    )
    row = await message(pool, urgent)
    assert row["status"] not in ("held", "dropped", "digested") and row["hold_until"] is None
    assert row["channels"] == ["sms", "email", "inapp"]
    assert [r["kind"] for r in await inbox(pool, person)] == ["incident_alert"]
    queued = await pool.fetch("SELECT channel FROM deliveries WHERE message_id = $1", urgent)
    assert "sms" in [r["channel"] for r in queued]


async def test_a_switched_off_category_drops_and_the_critical_one_cannot_be(
    pool: asyncpg.Pool,
) -> None:
    person = await reachable_person(pool, AT_23_SHANGHAI, "email")
    async with pool.acquire() as conn, conn.transaction():
        off = CategoryPreference(Category.DUTY, (Channel.EMAIL,), enabled=False)
        await prefs.choose(
            conn, college=COLLEGE, person_id=person, choices=[off], now=AT_23_SHANGHAI
        )
    [dropped] = await send(pool, person, now=datetime(2026, 11, 30, 4, 0, tzinfo=UTC))
    assert (await message(pool, dropped))["status"] == "dropped"
    payload = await pool.fetchval(
        "SELECT convert_from(payload, 'UTF8') FROM outbox WHERE convert_from(payload, 'UTF8')"
        " LIKE '%' || $1 || '%'",
        str(dropped),
    )
    assert payload is not None and "switched_off" in payload
    with pytest.raises(RuleBroken) as refused:
        CategoryPreference(Category.SAFETY, (Channel.SMS,), enabled=False)
    assert refused.value.rule == "critical_cannot_be_switched_off"
    # The database refuses it too, should anything try.
    with pytest.raises(asyncpg.CheckViolationError):
        await pool.execute(
            "INSERT INTO preferences VALUES ($1, $2, 'safety', '{sms}', false, 'hold', false,"
            " now())",
            COLLEGE,
            person,
        )


async def test_quiet_hours_follow_the_persons_zone_over_spring_forward(pool: asyncpg.Pool) -> None:
    person = await reachable_person(pool, AT_23_SHANGHAI)
    jump_day = datetime(2026, 3, 8, 6, 45, tzinfo=UTC)  # 01:45 EST, 15 min before the jump
    await use_case(pool, "set_locale_and_zone", person, time_zone="America/New_York", now=jump_day)
    await use_case(pool, "set_quiet_hours", person, starts="01:30", ends="03:00", now=jump_day)
    [held] = await send(pool, person, now=jump_day)
    row = await message(pool, held)
    assert row["status"] == "held"
    assert row["hold_until"] == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT


async def test_the_hooks_validate_and_answer_contact_points(pool: asyncpg.Pool) -> None:
    person = await reachable_person(pool, AT_23_SHANGHAI, "sms", "im")
    async with pool.acquire() as conn:
        assert (
            await prefs.contact_address(conn, college=COLLEGE, person_id=person, channel="sms")
            == "+8613812345678"
        )
        assert (
            await prefs.contact_address(conn, college=COLLEGE, person_id=person, channel="email")
            is None
        )
        for channel, address, field in [
            ("email", "nope", "address"),
            ("sms", "+1 202 555 0123", "address"),
            ("im", "https://example.com", "address"),
            ("fax", "0101234", "channel"),
        ]:
            with pytest.raises(RuleBroken) as refused:
                await prefs.set_contact_point(
                    conn,
                    college=COLLEGE,
                    person_id=person,
                    channel=channel,
                    address=address,
                    now=AT_23_SHANGHAI,
                )
            assert refused.value.field == field
        # ensure_person keeps a known name when called without one.
        await prefs.ensure_person(
            conn, college=COLLEGE, person_id=person, display_name=None, now=AT_23_SHANGHAI
        )
        name = await conn.fetchval(
            "SELECT display_name FROM people WHERE college = $1 AND person_id = $2",
            COLLEGE,
            person,
        )
        assert name == "李明"
