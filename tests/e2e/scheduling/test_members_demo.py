"""The demo's office members load through the APIs (a recruitment intake, the pool fed by
its events, timetables as .ics and as weekly slots, a day away), and loading them again
changes nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.support.auth import bearer
from tools.demo.scheduling.members import (
    AWAY_MEMBER,
    AWAY_REASON,
    ICS_MEMBER,
    TERM_WEEKS,
    seed_members,
)
from tools.demo.scheduling.rota import MEMBERS, this_monday

pytestmark = pytest.mark.e2e


async def test_the_demo_puts_the_office_and_its_timetables_in_the_pool_once(
    services: dict[str, str],
) -> None:
    root = f"{services['scheduling']}/api/scheduling/colleges/cs"
    officer = bearer("cs-officer", "officer", "cs")
    async with httpx.AsyncClient(timeout=60) as client:
        first = await seed_members(client, services, bearer)
        again = await seed_members(client, services, bearer)
        assert first == again, (first, again)
        assert first.startswith(f"members: {len(MEMBERS)} office members")
        for person, _, classes in MEMBERS:
            member = (await client.get(f"{root}/members/{person}", headers=officer)).json()
            assert "office" in {m["organisation_id"] for m in member["memberships"] if m["current"]}
            timetable = member["timetable"]
            if person == ICS_MEMBER:
                assert timetable["source"] == "ics"
                assert len(classes) * (TERM_WEEKS - 1) <= timetable["classes"]
                assert timetable["classes"] <= len(classes) * TERM_WEEKS
            else:
                assert (timetable["source"], timetable["weekly_slots"]) == ("weekly", len(classes))
        away_day = this_monday() + timedelta(days=9)
        busy = (
            await client.get(
                f"{root}/members/{AWAY_MEMBER}/availability",
                params={"from": away_day.isoformat(), "to": away_day.isoformat()},
                headers=officer,
            )
        ).json()["busy"]
        assert [b["label"] for b in busy if b["why"] == "unavailable"] == [AWAY_REASON]
