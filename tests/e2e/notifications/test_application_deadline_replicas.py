"""Application deadlines with several replicas, on the real database: two replicas of the
reminders consumer apply events of one college at the same moment (one a person joining
the pool or applying, the other the campaign opening or closing). Whichever commits
second sees what the first did — the first holds its transaction open here, so without
the per-college lock the second would read the pool or the campaign as they were before,
and remind someone who applied, or miss a newcomer, or reopen a closed campaign."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg
import pytest

from services.notifications.service import application_deadlines as deadlines
from tests.e2e.notifications.deadline_support import pending_reminders
from tests.e2e.notifications.remesc_support import DAY, now_s
from tests.e2e.notifications.routing_support import run_id

pytestmark = pytest.mark.e2e

LEADS = (2 * DAY, DAY)


@asynccontextmanager
async def _connection(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(dsn, server_settings={"search_path": "notifications"})
    try:
        yield conn
    finally:
        await conn.close()


async def _race(
    dsn: str,
    first: Callable[[asyncpg.Connection], Awaitable[None]],
    second: Callable[[asyncpg.Connection], Awaitable[None]],
) -> None:
    """`first` runs and keeps its transaction open while `second` starts on another
    connection; `second` must wait for it, and finishes once `first` commits."""
    async with _connection(dsn) as one, _connection(dsn) as two:
        held = one.transaction()
        await held.start()
        await first(one)

        async def run_second() -> None:
            async with two.transaction():
                await second(two)

        waiting = asyncio.create_task(run_second())
        await asyncio.sleep(1.0)
        assert not waiting.done(), "the second replica did not wait for the first"
        await held.commit()
        await asyncio.wait_for(waiting, timeout=10)


async def test_a_newcomer_joining_while_the_campaign_opens_is_reminded(
    service_dsns: dict[str, str],
) -> None:
    dsn, run = service_dsns["notifications"], run_id()
    college, campaign, newcomer = f"rp{run}", f"c-{run}", f"n-{run}"
    closes = now_s() + 5 * DAY

    async def join(conn: asyncpg.Connection) -> None:
        await deadlines.joined_pool(
            conn,
            college=college,
            person_id=newcomer,
            source=deadlines.MEMBERSHIP,
            source_id=f"m-{run}",
            since=now_s(),
            now=now_s(),
            leads=LEADS,
        )

    async def open_campaign(conn: asyncpg.Connection) -> None:
        await deadlines.campaign_opened(
            conn,
            college=college,
            campaign_id=campaign,
            title="社区服务志愿者招募",
            closes_at=closes,
            now=now_s(),
            leads=LEADS,
        )

    await _race(dsn, join, open_campaign)
    assert await pending_reminders(dsn, college, campaign) == {newcomer: 2}


async def test_an_application_while_the_campaign_opens_is_never_reminded(
    service_dsns: dict[str, str],
) -> None:
    dsn, run = service_dsns["notifications"], run_id()
    college, campaign, member, other = f"rq{run}", f"c-{run}", f"a-{run}", f"b-{run}"
    closes = now_s() + 5 * DAY
    async with _connection(dsn) as conn:
        for person in (member, other):
            await deadlines.joined_pool(
                conn,
                college=college,
                person_id=person,
                source=deadlines.MEMBERSHIP,
                source_id=f"m-{person}",
                since=now_s(),
                now=now_s(),
                leads=LEADS,
            )

    async def apply(conn: asyncpg.Connection) -> None:
        await deadlines.applied(
            conn,
            college=college,
            campaign_id=campaign,
            person_id=member,
            applied_at=now_s(),
            now=now_s(),
        )

    async def open_campaign(conn: asyncpg.Connection) -> None:
        await deadlines.campaign_opened(
            conn,
            college=college,
            campaign_id=campaign,
            title="社区服务志愿者招募",
            closes_at=closes,
            now=now_s(),
            leads=LEADS,
        )

    await _race(dsn, apply, open_campaign)
    assert await pending_reminders(dsn, college, campaign) == {other: 2}


async def test_a_campaign_closing_while_someone_joins_stays_closed(
    service_dsns: dict[str, str],
) -> None:
    dsn, run = service_dsns["notifications"], run_id()
    college, campaign, member, newcomer = f"rr{run}", f"c-{run}", f"a-{run}", f"n-{run}"
    async with _connection(dsn) as conn:
        await deadlines.joined_pool(
            conn,
            college=college,
            person_id=member,
            source=deadlines.VOLUNTEER,
            source_id=f"old-{run}",
            since=now_s(),
            now=now_s(),
            leads=LEADS,
        )
        await deadlines.campaign_opened(
            conn,
            college=college,
            campaign_id=campaign,
            title="社区服务志愿者招募",
            closes_at=now_s() + 5 * DAY,
            now=now_s(),
            leads=LEADS,
        )
    assert await pending_reminders(dsn, college, campaign) == {member: 2}

    async def close(conn: asyncpg.Connection) -> None:
        await deadlines.campaign_closed(conn, college=college, campaign_id=campaign, now=now_s())

    async def join(conn: asyncpg.Connection) -> None:
        await deadlines.joined_pool(
            conn,
            college=college,
            person_id=newcomer,
            source=deadlines.MEMBERSHIP,
            source_id=f"m-{run}",
            since=now_s(),
            now=now_s(),
            leads=LEADS,
        )

    await _race(dsn, close, join)
    assert await pending_reminders(dsn, college, campaign) == {}
    async with _connection(dsn) as conn:
        cancelled = await conn.fetchval(
            "SELECT cancelled FROM reminder_subjects WHERE college = $1"
            " AND subject_kind = 'application_deadline' AND subject_id = $2",
            college,
            campaign,
        )
    assert cancelled is True
