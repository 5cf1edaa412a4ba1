"""The project-team demo seed loads through the API, and loading it twice changes nothing."""

from __future__ import annotations

import httpx
import pytest

from tests.support.auth import bearer as token
from tools.demo.recruitment.teams import TEAMS, seed_teams

pytestmark = pytest.mark.e2e


async def test_the_team_demo_loads_and_reloads_without_duplicates(services: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        first = await seed_teams(client, services, token)
        second = await seed_teams(client, services, token)
        assert first == second
        assert "2 approved, 1 rejected, 2 pending" in first
        season = first.split("season ")[1].split(" ")[0]
        response = await client.get(
            f"{services['recruitment']}/api/recruitment/colleges/cs/project-seasons/{season}/teams",
            headers=token("cs-reviewer", "reviewer", "cs"),
        )
        titles = sorted(t["title"] for t in response.json()["items"])
        assert titles == sorted(t.title for t in TEAMS if t.college == "cs")
