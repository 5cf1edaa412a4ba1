"""The demo's summer timetables load through the API (a solve job, publishing), the cs
teams rotate weekly between the two schools, a volunteer reads their own lessons, and
loading again changes nothing."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from services.scheduling.domain.calendar_time import CAMPUS_TZ
from tests.support.auth import bearer
from tools.demo.scheduling.timetable import programme_year, seed_timetable, timetable_name

pytestmark = pytest.mark.e2e


async def test_the_demo_publishes_the_summer_timetables_once(services: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        first = await seed_timetable(client, services, bearer)
        again = await seed_timetable(client, services, bearer)
        assert first.startswith("timetables: ")
        assert again == "timetables: cs present; fl present"
        root = f"{services['scheduling']}/api/scheduling/colleges/cs"
        officer = bearer("cs-officer", "officer", "cs")
        name = timetable_name("cs", programme_year(datetime.now(CAMPUS_TZ).date()))
        listed = (await client.get(f"{root}/timetables", headers=officer)).json()["items"]
        (timetable,) = [t for t in listed if t["name"] == name]
        detail = (
            await client.get(f"{root}/timetables/{timetable['timetable_id']}", headers=officer)
        ).json()
        rotation = [
            {t["team"]: t["school"] for t in week["teams"]} for week in detail["notes"]["rotation"]
        ]
        assert rotation[0] == {"岳西一队": "xiangchang", "岳西二队": "changpu"}
        assert rotation[1] == {"岳西一队": "changpu", "岳西二队": "xiangchang"}
        assert timetable["lesson_count"] == 5 * 2 * (3 * 31 + 3)
        own = await client.get(
            f"{root}/timetables/{timetable['timetable_id']}/lessons",
            params={"limit": 200},
            headers=bearer("cs-2024001", "student", "cs"),
        )
        lessons = own.json()["items"]
    assert lessons and {x["volunteer_id"] for x in lessons} == {"cs-2024001"}
    # Week 1 at 响肠小学, week 2 at 菖蒲小学: the team moves on Sunday.
    assert {x["school"] for x in lessons if x["week"] == 1} == {"xiangchang"}
    assert {x["school"] for x in lessons if x["week"] == 2} == {"changpu"}
    assert "english" in {x["subject"] for x in lessons}
