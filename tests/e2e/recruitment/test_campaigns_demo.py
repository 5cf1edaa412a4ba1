"""The demo seed opens its campaigns through the API before applying, and loads twice."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.recruitment.test_campaigns_flow import bearer
from tools.demo.seed import APPLICANTS, CAMPAIGNS, seed_demo

pytestmark = pytest.mark.e2e


async def test_the_demo_opens_its_campaigns_and_can_be_loaded_twice(
    services: dict[str, str],
) -> None:
    first = await seed_demo(services)
    again = await seed_demo(services)
    assert first.created + first.already_there == len(APPLICANTS)
    assert again.created == 0 and again.already_there == len(APPLICANTS)
    assert again.campaigns == "campaigns: 0 opened, 6 already open"
    async with httpx.AsyncClient(timeout=10) as client:
        listed = await client.get(
            f"{services['recruitment']}/api/recruitment/colleges/fl/campaigns?limit=200",
            headers=bearer("fl-officer", "officer", "fl"),
        )
    titles = {c["id"]: c["title"] for c in listed.json()["items"]}
    assert {k: titles[k] for k in CAMPAIGNS} == CAMPAIGNS
