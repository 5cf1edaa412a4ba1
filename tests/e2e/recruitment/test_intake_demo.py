"""The intake and corps demo seeds load through the API, and loading twice is safe."""

from __future__ import annotations

import httpx
import pytest

from tests.support.auth import bearer as token
from tools.demo.recruitment.corps import seed_corps
from tools.demo.recruitment.intake import seed_intake

pytestmark = pytest.mark.e2e


async def test_the_intake_and_corps_demo_load_twice(services: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=20) as client:
        first = [
            await seed_intake(client, services, token),
            await seed_corps(client, services, token),
        ]
        again = [
            await seed_intake(client, services, token),
            await seed_corps(client, services, token),
        ]
        assert first == again
        assert first[0] == "intake: 2 intakes published, 8 candidates admitted"
        history = await client.get(
            f"{services['recruitment']}/api/recruitment/colleges/cs/people/cs-2024002/memberships",
            headers=token("cs-officer", "officer", "cs"),
        )
        # The corps move of the demo; the whole demo (loaded by other tests of the session)
        # also admits cs-2024002 to the office department for the duty rota.
        corps = [m for m in history.json()["items"] if m["organisation_kind"] != "department"]
        assert [(m["how_started"], m["active"]) for m in corps] == [
            ("transferred", True),
            ("admitted", False),
        ]
