"""Granted leave repairs the member's duty rota in the same transaction: their seats within
the leave pass to members who may take them, or are cancelled; the rest stay pinned."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from services.scheduling.domain.calendar_time import at_campus
from tests.e2e.scheduling.meetings_support import OFFICER, api, join, student, unique
from tests.e2e.scheduling.rotas_support import (
    PLAN,
    monday_ahead,
    new_crew,
    publish,
    read_rota,
    seats,
)
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def test_granted_leave_repairs_the_members_published_rota(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    crew = new_crew()
    start = monday_ahead()
    department = unique("office")
    await join(service_dsns, crew("k1"), crew("k2"), department=department)
    base = api(services)
    async with httpx.AsyncClient(base_url=services["scheduling"], timeout=30) as client:
        # Without the spare key holder only k3 may take a day shift (k1 holds two already).
        detail = await publish(client, service_dsns["scheduling"], crew, start=start, spare=False)
        asked = await client.post(
            f"{base}/leave",
            json={
                "organisation_kind": "department",
                "organisation_id": department,
                "reason": "家中有事",
                "starts_at": at_campus(start + timedelta(days=1), datetime.min.time()).isoformat(),
                "ends_at": at_campus(
                    start + timedelta(days=4), datetime.min.time().replace(hour=12)
                ).isoformat(),
            },
            headers=student(crew("k2")),
        )
        assert asked.status_code == 201, asked.text
        untouched = seats(await read_rota(client, detail["rota_id"]), crew)
        assert untouched == PLAN  # asking changes nothing; granting does

        decided = await client.post(
            f"{base}/leave/{asked.json()['leave_id']}/decision",
            json={"decision": "granted"},
            headers=OFFICER,
        )
        assert decided.status_code == 200, decided.text
        [repaired] = decided.json()["rotas_repaired"]
        assert (repaired["rota_id"], repaired["freed"]) == (detail["rota_id"], 2)
        after = seats(await read_rota(client, detail["rota_id"]), crew)
        assert after[("day", 1)] == "k3"  # Tuesday to the one who may take it
        assert ("day", 4) not in after  # Friday: nobody may, cancelled
        assert {cell: who for cell, who in after.items() if cell != ("day", 1)} == {
            cell: who for cell, who in PLAN.items() if cell not in (("day", 1), ("day", 4))
        }

        refused_leave = await client.post(
            f"{base}/leave",
            json={
                "organisation_kind": "department",
                "organisation_id": department,
                "reason": "请假一天",
                "starts_at": at_campus(start + timedelta(days=2), datetime.min.time()).isoformat(),
                "ends_at": at_campus(start + timedelta(days=3), datetime.min.time()).isoformat(),
            },
            headers=student(crew("k1")),  # k1 holds Wednesday's day shift
        )
        assert refused_leave.status_code == 201, refused_leave.text
        refused = await client.post(
            f"{base}/leave/{refused_leave.json()['leave_id']}/decision",
            json={"decision": "refused"},
            headers=OFFICER,
        )
        assert refused.json()["rotas_repaired"] == []  # refused leave repairs nothing
        assert seats(await read_rota(client, detail["rota_id"]), crew) == after
