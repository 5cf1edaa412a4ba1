"""Repairing a published rota on the real stack: a withdrawal or leave frees the member's
upcoming seats, each passes to a member who may take it or is cancelled, every other seat
stays as it was; the events, the duty-desk timers and the audit follow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest

from services.scheduling.domain.calendar_time import at_campus
from services.scheduling.service import rotas as service
from tests.e2e.scheduling.rotas_support import (
    COLLEGE,
    OFFICER,
    PLAN,
    ROOT,
    connect,
    member,
    monday_ahead,
    new_crew,
    publish,
    read_rota,
    seats,
    shift_id,
)
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

CHANGED = "campusflow.scheduling.shift.changed.v1"
CANCELLED = "campusflow.scheduling.shift.cancelled.v1"


async def no_show_timers(dsn: str, shift: str) -> set[str]:
    conn = await connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT key FROM due_actions WHERE kind = 'desk.no_show' AND key LIKE $1",
            f"{COLLEGE}/{shift}/%",
        )
    finally:
        await conn.close()
    return {row["key"].rsplit("/", 1)[1] for row in rows}


async def test_a_withdrawal_gives_each_freed_seat_to_a_key_holder_and_keeps_every_other_seat(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    dsn = service_dsns["scheduling"]
    crew = new_crew()
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:
        detail = await publish(client, dsn, crew, start=monday_ahead())
        rota_id = detail["rota_id"]
        repaired = await client.post(
            f"{ROOT}/rotas/{rota_id}/repair",
            json={"person_id": crew("k2"), "reason": "退出办公室", "from": "2020-01-01T00:00:00Z"},
            headers=OFFICER,
        )
        assert repaired.status_code == 200, repaired.text
        report = repaired.json()
        assert report["freed"] == 2 and report["reassigned"] == 2 and report["cancelled"] == 0
        after = seats(await read_rota(client, rota_id), crew)
        changed = {cell for cell in PLAN if after[cell] != PLAN[cell]}
        assert changed == {("day", 1), ("day", 4)}  # only the freed seats changed
        assert {after[cell] for cell in changed} <= {"k1", "k3", "s1"}  # key holders
        assert "k2" not in after.values()

        # The withdrawn member is no longer expected at the desk; the new holders are.
        for kind, day in sorted(changed):
            assert await no_show_timers(dsn, shift_id(detail, kind, day)) == {
                crew(after[(kind, day)])
            }

        audit = await client.get(f"{ROOT}/rotas/{rota_id}/audit", headers=OFFICER)
        actions = [entry["action"] for entry in audit.json()["items"]]
        assert actions == [
            "drafted",
            "published",
            "seat_changed:repair",
            "seat_changed:repair",
            "repaired:withdrawal",
        ]

    for kind, day in sorted(changed):
        key = shift_id(detail, kind, day)
        found: list[dict[str, object]] = []

        async def seen(key: str = key, found: list[dict[str, object]] = found) -> bool:
            found[:] = await events_keyed(stack.kafka_bootstrap, CHANGED, key)
            return len(found) == 1

        await wait_until(seen, timeout_s=30, what=f"ShiftChanged of {key}")
        assert found[0]["from_person_id"] == crew("k2")
        assert found[0]["to_person_id"] == crew(after[(kind, day)])
        assert found[0]["why"] == "repair"


async def test_leave_frees_only_the_seats_it_covers_and_cancels_the_one_nobody_may_take(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    """Without the spare key holder, only k3 may take a day shift (k1 holds two already):
    k2's leave on Tuesday and Friday gives Tuesday to k3 and cancels Friday."""
    dsn = service_dsns["scheduling"]
    crew = new_crew()
    start = monday_ahead()
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:
        detail = await publish(client, dsn, crew, start=start, spare=False)
        rota_id = detail["rota_id"]
        # Leave from Tuesday morning to Friday noon: Tuesday's and Friday's day shifts.
        leave = {
            "person_id": crew("k2"),
            "reason": "请假：家中有事",
            "from": at_campus(start + timedelta(days=1), datetime.min.time()).isoformat(),
            "until": at_campus(
                start + timedelta(days=4), datetime.min.time().replace(hour=12)
            ).isoformat(),
        }
        repaired = await client.post(f"{ROOT}/rotas/{rota_id}/repair", json=leave, headers=OFFICER)
        assert repaired.status_code == 200, repaired.text
        report = repaired.json()
        assert report["kind"] == "leave"
        assert (report["freed"], report["reassigned"], report["cancelled"]) == (2, 1, 1)
        after = seats(await read_rota(client, rota_id), crew)
        assert after[("day", 1)] == "k3"
        assert ("day", 4) not in after  # cancelled: nobody holds it
        assert {cell: who for cell, who in after.items() if cell != ("day", 1)} == {
            cell: who for cell, who in PLAN.items() if cell not in (("day", 1), ("day", 4))
        }
        friday = shift_id(detail, "day", 4)
        assert await no_show_timers(dsn, friday) == set()

        # Bad input changes nothing.
        for body, field in (
            ({**leave, "person_id": "nobody-here"}, "person_id"),
            ({**leave, "until": leave["from"]}, "until"),
            ({**leave, "from": "2026-01-01T00:00:00"}, "from"),
            ({key: value for key, value in leave.items() if key != "reason"}, "reason"),
        ):
            refused = await client.post(
                f"{ROOT}/rotas/{rota_id}/repair", json=body, headers=OFFICER
            )
            assert refused.status_code == 422, (body, refused.text)
            assert refused.json()["errors"][0]["field"] == field, refused.json()
        student = await client.post(
            f"{ROOT}/rotas/{rota_id}/repair", json=leave, headers=member(crew("k1"))
        )
        assert student.status_code == 403
        again = await client.post(f"{ROOT}/rotas/{rota_id}/repair", json=leave, headers=OFFICER)
        assert again.status_code == 200  # the same leave again: nothing left to free
        assert again.json()["freed"] == 0
        assert seats(await read_rota(client, rota_id), crew) == after

    cancelled: list[dict[str, object]] = []

    async def seen() -> bool:
        cancelled[:] = await events_keyed(stack.kafka_bootstrap, CANCELLED, friday)
        return len(cancelled) == 1

    await wait_until(seen, timeout_s=30, what="ShiftCancelled of Friday's day shift")
    assert cancelled[0]["person_id"] == crew("k2")


async def test_a_membership_ending_repairs_every_published_rota_the_member_has_seats_on(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    """The use case the member-pool consumer calls when a membership ends."""
    dsn = service_dsns["scheduling"]
    crew = new_crew()
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:
        first = await publish(client, dsn, crew, start=monday_ahead(1))
        second = await publish(client, dsn, crew, start=monday_ahead(2))
        conn = await connect(dsn)
        try:
            async with conn.transaction():
                reports = await service.repair_after_withdrawal(
                    conn,
                    college=COLLEGE,
                    person_id=crew("n1"),
                    reason="membership ended",
                    now=datetime.now(UTC),
                )
            leave_reports = []
            async with conn.transaction():
                # Leave on a week without rotas of this member repairs nothing.
                leave_reports = await service.repair_after_leave(
                    conn,
                    college=COLLEGE,
                    person_id=crew("n2"),
                    starts_at=datetime.now(UTC) + timedelta(weeks=8),
                    ends_at=datetime.now(UTC) + timedelta(weeks=9),
                    reason="请假",
                    now=datetime.now(UTC),
                )
        finally:
            await conn.close()
        assert sorted(r.rota_id for r in reports) == sorted(
            UUID(d["rota_id"]) for d in (first, second)
        )
        assert all(r.freed == 2 and len(r.changes) == 2 for r in reports)
        assert leave_reports == []
        for detail in (first, second):
            after = seats(await read_rota(client, detail["rota_id"]), crew)
            assert "n1" not in after.values()
            assert len(after) == 10  # every evening found someone
