"""A campaign closes by itself when its application window ends (a durable timer in the
real recruitment service), and CampaignClosed is published once; closed by hand first,
the timer is cancelled and nothing closes it twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from services.recruitment.service.campaigns import WINDOW_OVER
from shared.events.recruitment import CampaignClosed, CampaignOpened
from tests.e2e.recruitment.test_campaigns_flow import OFFICER, campaign_form
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e
WINDOW = timedelta(seconds=3)


def closing_soon(campaign_id: str) -> dict[str, object]:
    return campaign_form(campaign_id, closes_at=(datetime.now(UTC) + WINDOW).isoformat())


async def test_a_campaign_closes_itself_when_its_window_ends(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    campaign_id = f"timer-{uuid4().hex[:8]}"
    root = f"{services['recruitment']}/api/recruitment/colleges/cs"
    async with httpx.AsyncClient(timeout=10) as client:
        opened = await client.post(
            f"{root}/campaigns", json=closing_soon(campaign_id), headers=OFFICER
        )
        assert opened.status_code == 201, opened.text
        assert opened.json()["status"] == "open"

        async def closed_by_itself() -> bool:
            read = await client.get(f"{root}/campaigns/{campaign_id}", headers=OFFICER)
            return bool(read.json()["status"] == "closed")

        await wait_until(closed_by_itself, timeout_s=30, what="the campaign closing itself")
        by_hand = await client.post(
            f"{root}/campaigns/{campaign_id}/closing", json={}, headers=OFFICER
        )
        assert by_hand.status_code == 409
        assert by_hand.json()["errors"][0]["rule"] == "campaign_already_closed"

    bootstrap = stack.kafka_bootstrap

    async def closed_published() -> bool:
        return bool(await events_keyed(bootstrap, CampaignClosed.event_type, campaign_id))

    await wait_until(closed_published, timeout_s=30, what="CampaignClosed")
    await asyncio.sleep(2)  # anything published twice would have followed by now
    closed = await events_keyed(bootstrap, CampaignClosed.event_type, campaign_id)
    assert [event["reason"] for event in closed] == [WINDOW_OVER]
    assert len(await events_keyed(bootstrap, CampaignOpened.event_type, campaign_id)) == 1


async def test_a_campaign_closed_by_hand_is_not_closed_again_by_its_timer(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    campaign_id = f"timer-{uuid4().hex[:8]}"
    root = f"{services['recruitment']}/api/recruitment/colleges/cs"
    async with httpx.AsyncClient(timeout=10) as client:
        opened = await client.post(
            f"{root}/campaigns", json=closing_soon(campaign_id), headers=OFFICER
        )
        assert opened.status_code == 201, opened.text
        by_hand = await client.post(
            f"{root}/campaigns/{campaign_id}/closing", json={}, headers=OFFICER
        )
        assert by_hand.status_code == 200, by_hand.text
    await asyncio.sleep(WINDOW.total_seconds() + 3)  # past the window and the loop's poll
    bootstrap = stack.kafka_bootstrap

    async def closed_published() -> bool:
        return bool(await events_keyed(bootstrap, CampaignClosed.event_type, campaign_id))

    await wait_until(closed_published, timeout_s=30, what="CampaignClosed")
    closed = await events_keyed(bootstrap, CampaignClosed.event_type, campaign_id)
    assert [event["reason"] for event in closed] == ["closed by an officer"]
