"""Drafting a rota from a done solve job and publishing it, on the real stack: the seats,
the events on Kafka keyed by shift, each member's shifts, and every refusal."""

from __future__ import annotations

import copy
from datetime import date, datetime, time
from uuid import UUID, uuid4

import httpx
import pytest

from services.scheduling.domain.calendar_time import CAMPUS_TZ
from tests.e2e.scheduling.rotas_support import (
    COLLEGE,
    OFFICER,
    PLAN,
    ROOT,
    connect,
    desk_rota,
    insert_job,
    member,
    monday_ahead,
    new_crew,
    publish,
    seats,
    solved,
)
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

ASSIGNED = "campusflow.scheduling.shift.assigned.v1"
PUBLISHED = "campusflow.scheduling.rota.published.v1"


async def test_a_published_rota_has_its_pinned_seats_and_one_event_per_seat_keyed_by_shift(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    crew = new_crew()
    start = monday_ahead()
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:
        document = desk_rota(crew, start=start)
        job_id = await insert_job(service_dsns["scheduling"], document, result=solved(document))
        drafted = await client.post(
            f"{ROOT}/rotas", json={"job_id": str(job_id), "name": "办公室值班表"}, headers=OFFICER
        )
        assert drafted.status_code == 201, drafted.text
        draft = drafted.json()
        assert draft["status"] == "draft"
        assert seats(draft, crew) == PLAN
        rota_id = draft["rota_id"]
        # A student sees no draft; staff see it in the listing.
        hidden = await client.get(f"{ROOT}/rotas/{rota_id}", headers=member(crew("k1")))
        assert hidden.status_code == 404
        listing = await client.get(f"{ROOT}/rotas", headers=OFFICER, params={"limit": 200})
        assert rota_id in [r["rota_id"] for r in listing.json()["items"]]

        published = await client.post(f"{ROOT}/rotas/{rota_id}/publish", headers=OFFICER)
        assert published.status_code == 200, published.text
        detail = published.json()
        assert detail["status"] == "published"
        assert seats(detail, crew) == PLAN
        # The same dated shifts, with the ids the draft showed.
        assert [s["shift_id"] for s in detail["shifts"]] == [s["shift_id"] for s in draft["shifts"]]
        monday_day = next(s for s in detail["shifts"] if s["day"] == start.isoformat())
        assert datetime.fromisoformat(monday_day["starts_at"]) == datetime.combine(
            start, time(8), tzinfo=CAMPUS_TZ
        )
        per_member = {m["person_id"]: m for m in detail["members"]}
        assert per_member[crew("k1")]["minutes"] == 480
        assert len(per_member[crew("n1")]["shifts"]) == 2

        conn = await connect(service_dsns["scheduling"])
        try:
            pinned = await conn.fetch(
                "SELECT ss.pinned FROM shift_seats ss JOIN shifts s USING (shift_id)"
                " WHERE s.rota_id = $1",
                UUID(rota_id),
            )
            timers = await conn.fetchval(
                "SELECT count(*) FROM due_actions WHERE kind = 'desk.no_show' AND key LIKE $1",
                f"{COLLEGE}/%",
            )
        finally:
            await conn.close()
        assert len(pinned) == 10 and all(row["pinned"] for row in pinned)
        assert timers >= 10

        # A student reads their own shifts, not someone else's.
        own = await client.get(f"{ROOT}/members/{crew('k2')}/shifts", headers=member(crew("k2")))
        assert own.status_code == 200
        assert [s["shift_type"] for s in own.json()["items"]] == ["day", "day"]
        other = await client.get(f"{ROOT}/members/{crew('k2')}/shifts", headers=member(crew("k1")))
        assert other.status_code == 403
        seen = await client.get(f"{ROOT}/rotas/{rota_id}", headers=member(crew("k1")))
        assert seen.status_code == 200

        again = await client.post(f"{ROOT}/rotas/{rota_id}/publish", headers=OFFICER)
        assert again.status_code == 409
        assert again.json()["errors"][0]["rule"] == "rota_draft"

    bootstrap = stack.kafka_bootstrap
    rota_events: list[dict[str, object]] = []

    async def rota_published() -> bool:
        rota_events[:] = await events_keyed(bootstrap, PUBLISHED, rota_id)
        return len(rota_events) == 1

    await wait_until(rota_published, timeout_s=30, what="RotaPublished on Kafka")
    assert rota_events[0]["shifts"] == 10 and rota_events[0]["assignments"] == 10
    for shift in detail["shifts"]:
        keyed = await events_keyed(bootstrap, ASSIGNED, str(shift["shift_id"]))
        assert [e["person_id"] for e in keyed] == shift["holders"], shift
        assert keyed[0]["post"] == "desk" and keyed[0]["place"] == "office 101"


async def test_a_draft_is_refused_for_a_job_that_is_unknown_unfinished_not_a_rota_or_unsound(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    dsn = service_dsns["scheduling"]
    crew = new_crew()
    document = desk_rota(crew, start=monday_ahead())
    result = solved(document)
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:

        async def draft(job_id: object, headers: dict[str, str] = OFFICER) -> httpx.Response:
            return await client.post(
                f"{ROOT}/rotas", json={"job_id": str(job_id), "name": "值班表"}, headers=headers
            )

        unknown = await draft(uuid4())
        assert unknown.status_code == 404

        running = await draft(await insert_job(dsn, document, result=None, status="running"))
        assert running.status_code == 409
        assert running.json()["errors"][0] | {"message": ""} == {
            "field": "job_id",
            "rule": "job_done",
            "message": "",
        }

        timetable = await draft(await insert_job(dsn, document, result=result, kind="timetable"))
        assert timetable.status_code == 409
        assert timetable.json()["errors"][0]["rule"] == "rota_job"

        # The stored result claims "optimal", but a day shift was left without anyone:
        # the independent checker, not the stored result, decides.
        tampered = copy.deepcopy(result)
        tampered["assignments"] = [
            a for a in tampered["assignments"] if (a["shift_type"], a["day"]) != ("day", 2)
        ]
        unsound = await draft(await insert_job(dsn, document, result=tampered))
        assert unsound.status_code == 409
        assert unsound.json()["errors"][0]["rule"] == "cover"
        assert unsound.json()["errors"][0]["field"] == "job_id"

        # A key-less member on a day shift breaks the skill rule.
        swapped = copy.deepcopy(result)
        for a in swapped["assignments"]:
            if (a["shift_type"], a["day"]) == ("day", 0):
                a["staff"] = crew("n3")
        unskilled = await draft(await insert_job(dsn, document, result=swapped))
        assert unskilled.status_code == 409
        assert unskilled.json()["errors"][0]["rule"] == "skill"

        other_college = await draft(await insert_job(dsn, document, result=result, college="fl"))
        assert other_college.status_code == 404

        good = await insert_job(dsn, document, result=result)
        student = await draft(good, headers=member(crew("k1")))
        assert student.status_code == 403
        foreign_officer = await draft(good, headers=bearer("officer-fl", "officer", "fl"))
        assert foreign_officer.status_code == 403
        bad_name = await client.post(
            f"{ROOT}/rotas", json={"job_id": str(good), "name": ""}, headers=OFFICER
        )
        assert bad_name.status_code == 422
        assert bad_name.json()["errors"][0]["field"] == "name"
        first = await draft(good)
        assert first.status_code == 201
        second = await draft(good)
        assert second.status_code == 409
        assert second.json()["errors"][0]["rule"] == "one_rota_per_job"

        conn = await connect(dsn)
        try:
            drafts = await conn.fetchval(
                "SELECT count(*) FROM rotas WHERE name = '值班表' AND problem->>'name' = $1",
                document["name"],
            )
        finally:
            await conn.close()
        assert drafts == 1


async def test_publishing_a_rota_in_the_past_expects_nobody_and_its_seats_cannot_change(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    crew = new_crew()
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:
        detail = await publish(client, service_dsns["scheduling"], crew, start=monday_ahead(-2))
        assert date.fromisoformat(detail["ends_on"]) < date.today()
        day0 = next(s for s in detail["shifts"] if s["holders"] == [crew("k1")])
        offer = await client.post(
            f"{ROOT}/shifts/{day0['shift_id']}/offer", headers=member(crew("k1"))
        )
        assert offer.status_code == 409
        assert offer.json()["errors"][0] | {"message": ""} == {
            "field": "shift_id",
            "rule": "upcoming_shift",
            "message": "",
        }
        repaired = await client.post(
            f"{ROOT}/rotas/{detail['rota_id']}/repair",
            json={"person_id": crew("k1"), "reason": "退出", "from": "2020-01-01T00:00:00Z"},
            headers=OFFICER,
        )
        assert repaired.status_code == 200, repaired.text
        assert repaired.json()["freed"] == 0 and repaired.json()["changes"] == []
