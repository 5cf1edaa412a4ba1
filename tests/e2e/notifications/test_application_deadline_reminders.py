"""Application-deadline reminders on the real stack, from recruitment's events on Kafka:
a campaign's deadline reminds the college's volunteer pool (current members, enrolled
volunteers) who have not applied — not those who did, even when their application came
first, nor anyone outside the pool; applying, leaving the pool or the campaign closing
cancels; joining while it is open adds; opened again with a later closing time moves them;
a campaign about to close reminds at once, once; one announced before its window opens
reminds nobody before it; and the same through recruitment's API."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from uuid import uuid4

import httpx
import pytest

from shared.events.recruitment import (
    ApplicationSubmitted,
    CampaignClosed,
    CampaignOpened,
    CampaignPosition,
    MembershipEnded,
    VolunteerEnrolled,
)
from tests.e2e.notifications.deadline_support import joined, step, wait_published
from tests.e2e.notifications.remesc_support import (
    DAY,
    H,
    consumed,
    my_reminders,
    notices_of_kind,
    now_s,
    times,
    wait_notice,
)
from tests.e2e.notifications.routing_support import produce, run_id
from tests.support.auth import bearer
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


def _opened(
    college: str, campaign: str, closes: datetime, opens: datetime | None = None
) -> CampaignOpened:
    return CampaignOpened(
        college=college,
        campaign_id=campaign,
        title="暑期一帮一支教志愿者招募",
        place="十二里河小学",
        starts_on=date(2027, 7, 8),
        ends_on=date(2027, 8, 11),
        applications_open_at=opens,
        applications_close_at=closes,
        positions=[CampaignPosition(position_id="teacher", title="支教志愿者", headcount=20)],
    )


def _applied(college: str, campaign: str, person: str) -> ApplicationSubmitted:
    return ApplicationSubmitted(
        college=college,
        application_id=uuid4(),
        campaign_id=campaign,
        applicant_id=person,
        applicant_name="张三",
        submitted_at=now_s(),
    )


async def test_a_campaign_reminds_the_pool_who_have_not_applied(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    run = run_id()
    college, campaign = f"c{run}", f"summer-{run}"
    stays, applies_first, applies_later, leaves, volunteer, outsider, late = (
        f"{name}-{run}" for name in ("stay", "early", "later", "leave", "vol", "out", "late")
    )
    bootstrap = stack.kafka_bootstrap
    leaving = joined(college, leaves)
    closes = now_s() + 5 * DAY
    async with httpx.AsyncClient(timeout=10) as client:

        async def reminded(person: str) -> list[datetime]:
            return times(await my_reminders(client, services, college, person), campaign)

        await step(
            bootstrap,
            [
                *(joined(college, p) for p in (stays, applies_first, applies_later)),
                joined(f"x{run}", stays),
                leaving,
                VolunteerEnrolled(
                    college=college,
                    volunteer_id=volunteer,
                    campaign_id=f"spring-{run}",
                    application_id=uuid4(),
                    availability_ref="timetable-1",
                    enrolled_at=now_s(),
                ),
                # Applied before the reminders consumer saw the campaign open.
                _applied(college, campaign, applies_first),
            ],
        )
        opened = await step(bootstrap, [_opened(college, campaign, closes)])
        for person in (stays, applies_later, leaves, volunteer):
            assert await reminded(person) == [closes - 2 * DAY, closes - DAY], person
        found = await my_reminders(client, services, college, stays)
        assert {r["kind"] for r in found} == {"deadline_reminder"}
        assert found[0]["fields"]["what"] == "application"
        assert found[0]["fields"]["title"] == "暑期一帮一支教志愿者招募"
        for person in (applies_first, outsider):
            assert await my_reminders(client, services, college, person) == [], person
        # The same person as a member of another college hears nothing of it there.
        assert await my_reminders(client, services, f"x{run}", stays) == []

        await step(
            bootstrap,
            [
                _applied(college, campaign, applies_later),
                MembershipEnded(
                    college=college,
                    membership_id=leaving.membership_id,
                    person_id=leaves,
                    organisation_kind="department",
                    organisation_id="volunteers",
                    how="withdrawn",
                    reason="个人原因",
                    ended_at=now_s(),
                ),
                joined(college, late),
            ],
        )
        assert (await reminded(applies_later), await reminded(leaves)) == ([], [])
        assert await reminded(late) == [closes - 2 * DAY, closes - DAY]
        assert await reminded(stays) == [closes - 2 * DAY, closes - DAY]

        # The opening redelivered: nobody who applied or left is put back.
        await produce(bootstrap, opened)
        await consumed(bootstrap, opened)
        assert (await reminded(applies_first), await reminded(applies_later)) == ([], [])
        assert await reminded(leaves) == []

        # Opened again with a later closing time: the reminders move, the applicants and
        # the leaver stay off.
        extended = closes + 2 * DAY
        await step(bootstrap, [_opened(college, campaign, extended)])
        for person in (stays, volunteer, late):
            assert await reminded(person) == [extended - 2 * DAY, extended - DAY], person
        for person in (applies_first, applies_later, leaves):
            assert await reminded(person) == [], person

        await step(
            bootstrap,
            [
                CampaignClosed(
                    college=college, campaign_id=campaign, closed_at=now_s(), reason="名额已满"
                )
            ],
        )
        for person in (stays, volunteer, late):
            assert await reminded(person) == [], person
        # Joining after the campaign closed reminds of nothing.
        await step(bootstrap, [joined(college, f"after-{run}")])
        assert await my_reminders(client, services, college, f"after-{run}") == []


async def test_a_campaign_announced_before_its_window_reminds_nobody_before_it_opens(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    run = run_id()
    college, campaign = f"o{run}", f"autumn-{run}"
    member, newcomer = f"m-{run}", f"n-{run}"
    closes = now_s() + 5 * DAY
    opens = closes - 30 * H  # T-48 h would come 18 h before anyone can apply
    async with httpx.AsyncClient(timeout=10) as client:
        await step(stack.kafka_bootstrap, [joined(college, member)])
        await step(stack.kafka_bootstrap, [_opened(college, campaign, closes, opens)])
        found = await my_reminders(client, services, college, member)
        assert times(found, campaign) == [closes - DAY]
        await step(stack.kafka_bootstrap, [joined(college, newcomer)])
        found = await my_reminders(client, services, college, newcomer)
        assert times(found, campaign) == [closes - DAY]


async def test_a_campaign_about_to_close_reminds_at_once_once(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    run = run_id()
    college, campaign = f"d{run}", f"blood-{run}"
    member, applicant = f"m-{run}", f"a-{run}"
    closes = now_s() + 10 * H  # every lead (48 h, 24 h) has passed
    async with httpx.AsyncClient(timeout=10) as client:
        await step(
            stack.kafka_bootstrap,
            [joined(college, member), joined(college, applicant)],
        )
        await step(stack.kafka_bootstrap, [_applied(college, campaign, applicant)])
        await step(stack.kafka_bootstrap, [_opened(college, campaign, closes)])
        told = await wait_notice(client, services, college, member, "deadline_reminder")
        assert told["title"] == "报名截止提醒"
        assert "暑期一帮一支教志愿者招募" in told["body"]
        await asyncio.sleep(3)  # a second one would have come by now
        assert (
            len(await notices_of_kind(client, services, college, member, "deadline_reminder")) == 1
        )
        assert (
            await notices_of_kind(client, services, college, applicant, "deadline_reminder") == []
        )


async def test_a_campaign_opened_and_applied_to_through_recruitment_reminds_who_has_not_applied(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    run = run_id()
    college, campaign = f"e{run}", f"community-{run}"
    member, applicant = f"m-{run}", f"a-{run}"
    bootstrap = stack.kafka_bootstrap
    root = f"{services['recruitment']}/api/recruitment/colleges/{college}"
    officer = bearer(f"{college}-officer", "officer", college)
    closes = now_s() + 3 * DAY
    async with httpx.AsyncClient(timeout=30) as client:
        await step(bootstrap, [joined(college, member), joined(college, applicant)])
        opened = await client.post(
            f"{root}/campaigns",
            json={
                "id": campaign,
                "title": "五月下旬社区服务活动",
                "place": "学府路社区",
                "starts_on": "2027-05-23",
                "ends_on": "2027-05-31",
                "opens_at": (now_s() - H).isoformat(),
                "closes_at": closes.isoformat(),
                "positions": [{"id": "helpers", "title": "社区服务志愿者", "headcount": 20}],
            },
            headers=officer,
        )
        assert opened.status_code == 201, opened.text
        announced = await wait_published(bootstrap, CampaignOpened, [campaign])
        await consumed(bootstrap, list(announced.values()))
        for person in (member, applicant):
            found = await my_reminders(client, services, college, person)
            assert times(found, campaign) == [closes - 2 * DAY, closes - DAY], person

        # Bad input: an application to a campaign that does not exist changes nothing.
        form = {
            "applicant_name": "李四",
            "motivation": "想为社区出一份力",
            "position_id": "helpers",
        }
        unknown = await client.post(
            f"{root}/applications",
            json={**form, "campaign_id": f"nothing-{run}"},
            headers=bearer(applicant, "student", college),
        )
        assert 400 <= unknown.status_code < 500, unknown.text
        applied = await client.post(
            f"{root}/applications",
            json={**form, "campaign_id": campaign},
            headers=bearer(applicant, "student", college),
        )
        assert applied.status_code == 201, applied.text
        [application] = (
            await wait_published(bootstrap, ApplicationSubmitted, [applied.json()["id"]])
        ).values()
        await consumed(bootstrap, [application])
        assert await my_reminders(client, services, college, applicant) == []
        assert len(await my_reminders(client, services, college, member)) == 2

        closed = await client.post(
            f"{root}/campaigns/{campaign}/closing", json={"reason": "名额已满"}, headers=officer
        )
        assert closed.status_code == 200, closed.text
        await consumed(
            bootstrap, list((await wait_published(bootstrap, CampaignClosed, [campaign])).values())
        )
        assert await my_reminders(client, services, college, member) == []
