"""Application deadlines when a membership's events come out of order (its start
redelivered from the dead letters after its end), on the real database: the membership
is over, so its owner is not in the volunteer pool and is not reminded."""

from __future__ import annotations

import asyncpg
import pytest

from services.notifications.service import application_deadlines as deadlines
from tests.e2e.notifications.deadline_support import pending_reminders
from tests.e2e.notifications.remesc_support import DAY, now_s
from tests.e2e.notifications.routing_support import run_id

pytestmark = pytest.mark.e2e

LEADS = (2 * DAY, DAY)


async def test_a_membership_started_after_its_end_reminds_nobody(
    service_dsns: dict[str, str],
) -> None:
    dsn, run = service_dsns["notifications"], run_id()
    college, campaign, member, former = f"ro{run}", f"c-{run}", f"a-{run}", f"f-{run}"
    conn = await asyncpg.connect(dsn, server_settings={"search_path": "notifications"})
    try:

        async def join(person: str, membership: str) -> None:
            await deadlines.joined_pool(
                conn,
                college=college,
                person_id=person,
                source=deadlines.MEMBERSHIP,
                source_id=membership,
                since=now_s() - DAY,
                now=now_s(),
                leads=LEADS,
            )

        await join(member, f"m-{member}")
        await deadlines.campaign_opened(
            conn,
            college=college,
            campaign_id=campaign,
            title="社区服务志愿者招募",
            closes_at=now_s() + 5 * DAY,
            now=now_s(),
            leads=LEADS,
        )
        await deadlines.left_pool(
            conn,
            college=college,
            person_id=former,
            source=deadlines.MEMBERSHIP,
            source_id=f"m-{former}",
            ended_at=now_s(),
            now=now_s(),
        )
        await join(former, f"m-{former}")  # the start, redelivered late
        assert await pending_reminders(dsn, college, campaign) == {member: 2}

        await join(former, f"m2-{former}")  # a new membership: in the pool again
        assert await pending_reminders(dsn, college, campaign) == {member: 2, former: 2}
    finally:
        await conn.close()
