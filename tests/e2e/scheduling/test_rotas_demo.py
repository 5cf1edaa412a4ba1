"""The demo's office rota loads through the API (a solve job, a draft, publishing), keeps
the office's rules, and loading it again changes nothing."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from tests.support.auth import bearer
from tools.demo.scheduling.rota import MEMBERS, rota_name, seed_rota, this_monday

pytestmark = pytest.mark.e2e


def _minutes(wall: str) -> int:
    hours, minutes = wall.split(":")
    return int(hours) * 60 + int(minutes)


async def test_the_demo_publishes_the_office_rota_once_and_nobody_is_on_duty_in_class(
    services: dict[str, str],
) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        first = await seed_rota(client, services, bearer)
        again = await seed_rota(client, services, bearer)
        assert "published" in first
        assert again.endswith("present (published)")
        root = f"{services['scheduling']}/api/scheduling/colleges/cs"
        officer = bearer("cs-officer", "officer", "cs")
        listed = await client.get(f"{root}/rotas", params={"limit": 200}, headers=officer)
        named = [r for r in listed.json()["items"] if r["name"] == rota_name(this_monday())]
        assert len(named) == 1 and named[0]["status"] == "published"
        detail = (await client.get(f"{root}/rotas/{named[0]['rota_id']}", headers=officer)).json()
    assert len(detail["shifts"]) == 20  # two posts, Monday to Friday, two weeks
    busy = {person: slots for person, _, slots in MEMBERS}
    holders: dict[tuple[str, int], set[str]] = {}
    for shift in detail["shifts"]:
        assert len(shift["holders"]) == 1, shift
        person = shift["holders"][0]
        day = shift["day"]
        weekday = date.fromisoformat(day).weekday()
        start = _minutes("08:00" if shift["shift_type"] == "day" else "14:00")
        for slot_day, slot_start, slot_end in busy[person]:
            clash = slot_day == weekday and _minutes(slot_start) < start + 240
            assert not (clash and start < _minutes(slot_end)), (person, shift)
        week = (date.fromisoformat(day) - date.fromisoformat(detail["starts_on"])).days // 7
        holders.setdefault((shift["shift_type"], week), set()).add(person)
    # A member holds a post for the week; posts rotate weekly.
    assert all(len(people) == 1 for people in holders.values()), holders
    for post in ("day", "evening"):
        assert holders[(post, 0)] != holders[(post, 1)]
