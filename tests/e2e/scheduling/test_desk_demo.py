"""The desk demo loads through the API: sign-ins, a handover, a no-show on its way (the
timer set at publishing); loading it again changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from tests.e2e.scheduling.desk_support import connect
from tests.support.auth import bearer
from tools.demo.scheduling.desk import (
    HANDS_OVER,
    MISSES,
    NOTE,
    POST,
    SIGNS_IN,
    seed_desk,
)
from tools.demo.scheduling.rota import seed_rota

pytestmark = pytest.mark.e2e
OFFICER = bearer("cs-officer", "officer", "cs")


async def test_the_desk_demo_signs_in_hands_over_and_leaves_a_no_show_coming(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    root = f"{services['scheduling']}/api/scheduling/colleges/cs"
    async with httpx.AsyncClient(timeout=60) as client:
        await seed_rota(client, services, bearer)
        # The stack may hold today's demo already (a second load the same day).
        first = await seed_desk(client, services, bearer)
        again = await seed_desk(client, services, bearer)
        assert f"{SIGNS_IN} signed in at {POST} (late)" in first, first
        assert f"handover by {HANDS_OVER} recorded" in first or "present" in first, first
        assert f"{SIGNS_IN} signed in at {POST} (late)" in again, again
        assert f"handover by {HANDS_OVER} present" in again, again

        name = first.split(";")[0].removeprefix("desk: ")
        listed = await client.get(f"{root}/rotas", params={"limit": 200}, headers=OFFICER)
        rota = next(r for r in listed.json()["items"] if r["name"] == name)
        detail = (await client.get(f"{root}/rotas/{rota['rota_id']}", headers=OFFICER)).json()
        shifts = {s["shift_type"]: s for s in detail["shifts"]}
        assert shifts["earlier"]["holders"] == [HANDS_OVER]
        assert sorted(shifts["current"]["holders"]) == sorted([SIGNS_IN, MISSES])

        log = await client.get(f"{root}/posts/{POST}/log", headers=OFFICER)
        ours = {shifts["earlier"]["shift_id"], shifts["current"]["shift_id"]}
        entries = sorted(
            (e["kind"], e["person_id"]) for e in log.json()["items"] if e["shift_id"] in ours
        )
        assert ("checked_in", SIGNS_IN) in entries and ("handover", HANDS_OVER) in entries
        assert ("checked_in", MISSES) not in entries
        latest = await client.get(f"{root}/desk/{POST}/handover/latest", headers=OFFICER)
        assert latest.json()["notes"][-1]["unfinished_tasks"] == NOTE["unfinished_tasks"]
        page = await client.get(f"{root}/desk/{POST}", headers=OFFICER)
        assert SIGNS_IN in page.text and MISSES in page.text and NOTE["work_done"] in page.text

    conn = await connect(service_dsns["scheduling"])
    try:
        due_at = await conn.fetchval(
            "SELECT due_at FROM due_actions WHERE kind = 'desk.no_show' AND key = $1",
            f"cs/{shifts['current']['shift_id']}/{MISSES}",
        )
    finally:
        await conn.close()
    published = datetime.fromisoformat(detail["published_at"])
    # The seat was given after the shift's start: due at publishing plus the grace.
    assert published < due_at <= published + timedelta(minutes=10, seconds=5)
