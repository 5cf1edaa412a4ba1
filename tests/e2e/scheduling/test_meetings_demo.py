"""The meetings demo loads through the APIs, ends one membership in recruitment by a
sanction, and is safe to load twice."""

from __future__ import annotations

import httpx
import pytest

from tests.support.auth import bearer
from tools.demo.scheduling.meetings import DEPARTMENT, SANCTIONED, seed_meetings
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def test_a_month_of_meetings_with_one_sanction_that_ends_a_membership(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    officer = bearer("cs-officer", "officer", "cs")
    async with httpx.AsyncClient(timeout=30) as client:
        first = await seed_meetings(client, services, bearer)
        assert first.startswith("meetings: "), first
        assert "NOT ended" not in first, first
        again = await seed_meetings(client, services, bearer)
        assert again.startswith("meetings: already loaded"), again

        recruitment = f"{services['recruitment']}/api/recruitment/colleges/cs"
        found = await client.get(
            f"{recruitment}/people/{SANCTIONED[0]}/memberships", headers=officer
        )
        ended = [
            m
            for m in found.json()["items"]
            if m["organisation_id"] == DEPARTMENT and m["how_ended"] == "compulsory_withdrawal"
        ]
        assert len(ended) == 1 and "迟到累计5次" in ended[0]["end_reason"]
        scheduling = f"{services['scheduling']}/api/scheduling/colleges/cs"
        sanctions = await client.get(
            f"{scheduling}/sanctions", params={"person_id": SANCTIONED[0]}, headers=officer
        )
        assert [s["rule"] for s in sanctions.json()["items"]] == ["late_arrivals"]
