"""A project season's application deadline (暑期社会实践项目申报截止) on the real stack,
through recruitment's API: opening a season publishes ProjectSeasonOpened, and the
college's volunteer pool is reminded 48 h and 24 h before its window ends (midnight after
its last day, campus time) — except the students of a registered team (the leader and
every member), even one who joins the pool after registering; a newcomer to the pool is
reminded; the opening handled again puts nobody back. With events produced directly: a
team registered before its season's opening is seen (another partition) still keeps its
students off, and a window shorter than the leads reminds nobody before it opens."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest

from shared.events.recruitment import ProjectSeasonOpened, ProjectTeamRegistered
from tests.e2e.notifications.deadline_support import joined, step, wait_published
from tests.e2e.notifications.remesc_support import DAY, consumed, my_reminders, now_s, times
from tests.e2e.notifications.routing_support import run_id
from tests.support.auth import bearer
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

CAMPUS = ZoneInfo("Asia/Shanghai")


async def test_a_season_reminds_the_pool_but_not_the_students_of_a_registered_team(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    run = run_id()
    college, season = f"p{run}", f"2027-summer-{run}"
    subject = f"project-season/{season}"
    stays, leader, member, outsider, newcomer = (
        f"{name}-{run}" for name in ("stay", "lead", "mem", "out", "new")
    )
    bootstrap = stack.kafka_bootstrap
    root = f"{services['recruitment']}/api/recruitment/colleges/{college}"
    last_day = datetime.now(CAMPUS).date() + timedelta(days=4)
    closes = datetime.combine(last_day + timedelta(days=1), time(), CAMPUS)
    async with httpx.AsyncClient(timeout=30) as client:

        async def reminded(person: str) -> list[datetime]:
            return times(await my_reminders(client, services, college, person), subject)

        await step(bootstrap, [joined(college, p) for p in (stays, leader, member)])

        opened = await client.post(
            f"{root}/project-seasons",
            json={
                "season": season,
                "title": "2027年暑期社会实践项目申报",
                "opens_on": str(datetime.now(CAMPUS).date() - timedelta(days=1)),
                "closes_on": str(last_day),
            },
            headers=bearer(f"{college}-officer", "officer", college),
        )
        assert opened.status_code == 201, opened.text
        [announced] = (await wait_published(bootstrap, ProjectSeasonOpened, [season])).values()
        assert announced[0].applications_close_at == closes
        await consumed(bootstrap, [announced])
        for person in (stays, leader, member):
            assert await reminded(person) == [closes - 2 * DAY, closes - DAY], person
        [first, _] = await my_reminders(client, services, college, stays)
        assert first["kind"] == "deadline_reminder"
        assert (first["fields"]["what"], first["fields"]["title"]) == (
            "project",
            "2027年暑期社会实践项目申报",
        )

        # A team of the leader, a pool member and a student outside the pool registers.
        registered = await client.post(
            f"{root}/project-seasons/{season}/teams",
            json={
                "title": "乡村留守儿童阅读推广",
                "summary": "在三所村小开展暑期阅读与安全教育活动",
                "member_ids": [leader, member, outsider],
                "advisor_ids": [f"{college}-t-zhang"],
            },
            headers=bearer(leader, "student", college),
        )
        assert registered.status_code == 201, registered.text
        team_id = registered.json()["id"]
        [team] = (await wait_published(bootstrap, ProjectTeamRegistered, [team_id])).values()
        await consumed(bootstrap, [team])
        assert (await reminded(leader), await reminded(member)) == ([], [])
        assert await reminded(stays) == [closes - 2 * DAY, closes - DAY]

        # The outsider joins the pool after registering: not reminded; a newcomer is.
        await step(bootstrap, [joined(college, outsider), joined(college, newcomer)])
        assert await reminded(outsider) == []
        assert await reminded(newcomer) == [closes - 2 * DAY, closes - DAY]

        # The opening published again (a new event id: handled again, not deduplicated by
        # the inbox): nobody of the team is put back.
        await step(bootstrap, [announced[0]])
        for person in (leader, member, outsider):
            assert await reminded(person) == [], person
        for person in (stays, newcomer):
            assert await reminded(person) == [closes - 2 * DAY, closes - DAY], person


def _season(college: str, season: str, opens: datetime, closes: datetime) -> ProjectSeasonOpened:
    return ProjectSeasonOpened(
        college=college,
        season=season,
        title="2027年暑期社会实践项目申报",
        opens_on=opens.astimezone(CAMPUS).date(),
        closes_on=(closes - timedelta(days=1)).astimezone(CAMPUS).date(),
        applications_open_at=opens,
        applications_close_at=closes,
        opened_by=f"{college}-officer",
        opened_at=now_s(),
    )


async def test_a_team_seen_first_stays_off_and_a_short_window_reminds_only_once_open(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    run = run_id()
    college, season = f"q{run}", f"2027-summer-{run}"
    subject = f"project-season/{season}"
    stays, leader, member, newcomer = (f"{name}-{run}" for name in ("stay", "lead", "mem", "new"))
    bootstrap = stack.kafka_bootstrap
    # A one-day window three days ahead: its T-48 h would come before it opens.
    opens = datetime.combine(datetime.now(CAMPUS).date() + timedelta(days=3), time(), CAMPUS)
    closes = opens + DAY
    async with httpx.AsyncClient(timeout=30) as client:

        async def reminded(person: str) -> list[datetime]:
            return times(await my_reminders(client, services, college, person), subject)

        await step(
            bootstrap,
            [
                *(joined(college, p) for p in (stays, leader, member)),
                ProjectTeamRegistered(
                    college=college,
                    team_id=uuid4(),
                    season=season,
                    title="乡村留守儿童阅读推广",
                    leader_id=leader,
                    member_ids=[leader, member, f"out-{run}"],
                    advisor_id=f"{college}-t-zhang",
                    registered_at=now_s(),
                ),
            ],
        )
        await step(bootstrap, [_season(college, season, opens, closes)])
        assert (await reminded(leader), await reminded(member)) == ([], [])
        assert await reminded(stays) == [closes - DAY] == [opens]

        await step(bootstrap, [joined(college, newcomer)])
        assert await reminded(newcomer) == [opens]
