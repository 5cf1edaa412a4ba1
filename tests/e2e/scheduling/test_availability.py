"""Availability through the API on the real stack: a member uploads a class timetable as
iCalendar or as weekly busy slots, declares unavailability, gets leave; every bad input
is a 4xx naming the field and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import asyncpg
import httpx
import pytest

from services.scheduling.domain.class_timetables import MAX_ICS_BYTES
from shared.events.recruitment import MembershipStarted
from tests.e2e.scheduling.test_members_pool import produce
from tests.support.auth import bearer
from tests.support.kafka import wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

OFFICER = bearer("cs-officer", "officer", "cs")


def next_monday() -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=7 - today.weekday())


def ics(monday: date) -> bytes:
    first = monday.strftime("%Y%m%d")
    skipped = (monday + timedelta(days=7)).strftime("%Y%m%d")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//campus//timetable//ZH\r\n"
        "BEGIN:VEVENT\r\nUID:os@campus\r\nSUMMARY:操作系统\r\n"
        f"DTSTART;TZID=Asia/Shanghai:{first}T080000\r\n"
        f"DTEND;TZID=Asia/Shanghai:{first}T093500\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=8;BYDAY=MO,TH\r\n"
        f"EXDATE;TZID=Asia/Shanghai:{skipped}T080000\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


async def new_member(
    services: dict[str, str], stack: StackEndpoints, organisation: str = "office"
) -> tuple[str, str]:
    """A fresh member of `organisation` in the pool (from a MembershipStarted event);
    (base, person)."""
    base = f"{services['scheduling']}/api/scheduling/colleges/cs"
    person = f"a-{uuid4().hex[:8]}"
    event = MembershipStarted(
        college="cs",
        membership_id=uuid4(),
        person_id=person,
        organisation_kind="department",
        organisation_id=organisation,
        how="admitted",
        started_at=datetime.now(UTC),
    )
    await produce(stack.kafka_bootstrap, (event, uuid4()))
    async with httpx.AsyncClient(timeout=10) as client:

        async def arrived() -> bool:
            response = await client.get(f"{base}/members/{person}", headers=OFFICER)
            return response.status_code == 200

        await wait_until(arrived, timeout_s=30, what=f"member {person} in the pool")
    return base, person


async def busy_of(client: httpx.AsyncClient, base: str, person: str, first: date) -> list[dict]:
    response = await client.get(
        f"{base}/members/{person}/availability",
        params={"from": first.isoformat(), "to": (first + timedelta(days=13)).isoformat()},
        headers=OFFICER,
    )
    assert response.status_code == 200, response.text
    busy: list[dict] = response.json()["busy"]
    return busy


def problem_of(response: httpx.Response) -> tuple[str, str]:
    error = response.json()["errors"][0]
    return error["field"], error["rule"]


async def test_a_member_uploads_an_ics_timetable_and_then_weekly_slots(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base, person = await new_member(services, stack)
    monday = next_monday()
    own = bearer(person, "student", "cs")
    async with httpx.AsyncClient(timeout=10) as client:
        uploaded = await client.put(
            f"{base}/members/{person}/timetable",
            files={"file": ("课表.ics", ics(monday), "text/calendar")},
            headers=own,
        )
        assert uploaded.status_code == 200, uploaded.text
        summary = uploaded.json()
        assert (summary["source"], summary["file_name"], summary["classes"]) == (
            "ics",
            "课表.ics",
            7,
        )
        busy = await busy_of(client, base, person, monday)
        # Mon, Thu, (next Mon skipped by EXDATE), Thu: 08:00-09:35 campus time.
        days = [(datetime.fromisoformat(b["starts_at"]) + timedelta(hours=8)).date() for b in busy]
        assert days == [monday, monday + timedelta(days=3), monday + timedelta(days=10)]
        assert {(b["why"], b["label"]) for b in busy} == {("class", "操作系统")}

        slots = {"slots": [{"weekday": 1, "start": "14:00", "end": "15:35"}]}
        typed = await client.put(f"{base}/members/{person}/timetable", json=slots, headers=OFFICER)
        assert typed.status_code == 200, typed.text
        assert (typed.json()["source"], typed.json()["weekly_slots"]) == ("weekly", 1)
        busy = await busy_of(client, base, person, monday)
        assert [(b["why"], b["starts_at"]) for b in busy] == [
            ("weekly", f"{monday + timedelta(days=1)}T06:00:00Z"),
            ("weekly", f"{monday + timedelta(days=8)}T06:00:00Z"),
        ]


async def test_unavailability_and_granted_leave_make_a_member_busy(
    services: dict[str, str], stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    base, person = await new_member(services, stack)
    monday = next_monday()
    own = bearer(person, "student", "cs")
    period = {
        "starts_at": f"{monday}T10:00:00+08:00",
        "ends_at": f"{monday + timedelta(days=1)}T10:00:00+08:00",
        "reason": "参加比赛",
    }
    # Leave granted by the department head (meetings' table, as the meetings API writes it).
    connection = await asyncpg.connect(service_dsns["scheduling"])
    try:
        await connection.execute(
            "INSERT INTO scheduling.leave_requests (college, leave_id, person_id,"
            " organisation_kind, organisation_id, starts_at, ends_at, reason, retroactive,"
            " status, requested_at) VALUES ('cs', $1, $2, 'department', 'office', $3, $4,"
            " '家中有事', false, $5, now())",
            uuid4(),
            person,
            datetime.fromisoformat(f"{monday + timedelta(days=3)}T08:00:00+08:00"),
            datetime.fromisoformat(f"{monday + timedelta(days=3)}T18:00:00+08:00"),
            "granted",
        )
        await connection.execute(
            "INSERT INTO scheduling.leave_requests (college, leave_id, person_id,"
            " organisation_kind, organisation_id, starts_at, ends_at, reason, retroactive,"
            " status, requested_at) VALUES ('cs', $1, $2, 'department', 'office', $3, $4,"
            " '被拒绝', false, 'refused', now())",
            uuid4(),
            person,
            datetime.fromisoformat(f"{monday + timedelta(days=4)}T08:00:00+08:00"),
            datetime.fromisoformat(f"{monday + timedelta(days=4)}T18:00:00+08:00"),
        )
    finally:
        await connection.close()
    async with httpx.AsyncClient(timeout=10) as client:
        declared = await client.post(
            f"{base}/members/{person}/unavailability", json=period, headers=own
        )
        assert declared.status_code == 201, declared.text
        unavailability_id = declared.json()["unavailability_id"]
        busy = await busy_of(client, base, person, monday)
        assert [(b["why"], b["label"]) for b in busy] == [
            ("unavailable", "参加比赛"),
            ("leave", "家中有事"),
        ]
        assert busy[0]["ref"] == unavailability_id
        url = f"{base}/members/{person}/unavailability/{unavailability_id}"
        assert (await client.delete(url, headers=bearer("x", "student", "cs"))).status_code == 403
        assert (await client.delete(url, headers=own)).status_code == 204
        assert (await client.delete(url, headers=own)).status_code == 404
        assert [b["why"] for b in await busy_of(client, base, person, monday)] == ["leave"]


async def test_bad_timetables_and_periods_are_refused_naming_the_field(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base, person = await new_member(services, stack)
    url = f"{base}/members/{person}/timetable"
    own = bearer(person, "student", "cs")
    monday = next_monday()
    async with httpx.AsyncClient(timeout=10) as client:
        good = {"slots": [{"weekday": 0, "start": "08:00", "end": "09:35"}]}
        assert (await client.put(url, json=good, headers=own)).status_code == 200

        def upload(data: bytes) -> dict:
            return {"files": {"file": ("t.ics", data, "text/calendar")}, "headers": own}

        cases = [
            (upload(b"\x89PNG\r\n\x1a\n\x00\x00garbage"), ("file", "ics_unreadable")),
            (
                upload(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"),
                ("file", "ics_no_events"),
            ),
            (upload(b"BEGIN:VCALENDAR\r\n" + b"X" * MAX_ICS_BYTES), ("file", "ics_too_large")),
            ({"data": {"other": "x"}, "files": {"not_file": ("a", b"a")}, "headers": own}, None),
            (
                {
                    "json": {"slots": [{"weekday": 0, "start": "10:00", "end": "09:00"}]},
                    "headers": own,
                },
                ("slots.0.end", "busy_slot_ends_before_start"),
            ),
            (
                {"json": {"slots": [{"weekday": 9, "start": "8:00", "end": "x"}]}, "headers": own},
                ("slots.0.weekday", "less_than_equal"),
            ),
            (
                {"content": b"{not json", "headers": {**own, "content-type": "application/json"}},
                None,
            ),
        ]
        for request, expected in cases:
            response = await client.put(url, **request)
            assert response.status_code == 422, (request.get("json"), response.text)
            if expected is not None:
                assert problem_of(response) == expected, response.text
        text = await client.put(
            url, content=b"hello", headers={**own, "content-type": "text/plain"}
        )
        assert text.status_code == 415
        huge = await client.put(url, **upload(b"X" * (2 * 1024 * 1024)))
        assert huge.status_code == 413
        # Nothing changed: still the one weekly slot.
        member = (await client.get(f"{base}/members/{person}", headers=own)).json()
        assert (member["timetable"]["source"], member["timetable"]["weekly_slots"]) == ("weekly", 1)

        backwards = {"starts_at": f"{monday}T10:00:00+08:00", "ends_at": f"{monday}T09:00:00+08:00"}
        response = await client.post(
            f"{base}/members/{person}/unavailability", json=backwards, headers=own
        )
        assert response.status_code == 422
        assert problem_of(response) == ("ends_at", "period_ends_before_start")
        naive = {"starts_at": f"{monday}T10:00:00", "ends_at": f"{monday}T11:00:00"}
        response = await client.post(
            f"{base}/members/{person}/unavailability", json=naive, headers=own
        )
        assert response.status_code == 422
        assert problem_of(response)[0] == "starts_at"
        response = await client.get(
            f"{base}/members/{person}/availability",
            params={"from": monday.isoformat(), "to": (monday - timedelta(days=1)).isoformat()},
            headers=own,
        )
        assert (response.status_code, problem_of(response)) == (
            422,
            ("to", "range_ends_before_start"),
        )
        assert (await busy_of(client, base, person, monday))[0]["why"] == "weekly"


async def test_only_the_member_or_an_officer_of_the_college_may_touch_a_timetable(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base, person = await new_member(services, stack)
    slots = {"slots": [{"weekday": 0, "start": "08:00", "end": "09:35"}]}
    async with httpx.AsyncClient(timeout=10) as client:
        classmate = bearer("cs-classmate", "student", "cs")
        response = await client.put(
            f"{base}/members/{person}/timetable", json=slots, headers=classmate
        )
        assert response.status_code == 403
        other_college = bearer("fl-officer", "officer", "fl")
        response = await client.put(
            f"{base}/members/{person}/timetable", json=slots, headers=other_college
        )
        assert response.status_code == 403
        unknown = f"nobody-{uuid4().hex[:6]}"
        response = await client.put(
            f"{base}/members/{unknown}/timetable", json=slots, headers=OFFICER
        )
        assert response.status_code == 404
        response = await client.put(
            f"{base}/members/{unknown}/timetable",
            files={"file": ("t.ics", ics(next_monday()), "text/calendar")},
            headers=bearer(unknown, "student", "cs"),
        )
        assert response.status_code == 404
        response = await client.get(
            f"{base}/members/{person}/availability",
            params={"from": "2026-09-07", "to": "2026-09-08"},
            headers=classmate,
        )
        assert response.status_code == 404
        assert (await client.get(f"{base}/members/{person}", headers=OFFICER)).json()[
            "timetable"
        ] is None


async def test_the_office_problem_rules_out_what_each_member_cannot_do_and_solves(
    services: dict[str, str], stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    """Four members of a fresh office, each busy one way: an .ics class on Monday morning,
    a weekly slot on Tuesday afternoon, a declared day away on Wednesday, granted leave on
    Thursday. The problem marks exactly those cells; its solved rota respects them."""
    office = f"office-{uuid4().hex[:6]}"
    people = [(await new_member(services, stack, office))[1] for _ in range(4)]
    base = f"{services['scheduling']}/api/scheduling/colleges/cs"
    monday = next_monday()
    by_ics, by_slot, by_period, by_leave = people
    async with httpx.AsyncClient(timeout=10) as client:
        uploaded = await client.put(
            f"{base}/members/{by_ics}/timetable",
            files={"file": ("t.ics", ics(monday), "text/calendar")},
            headers=OFFICER,
        )
        assert uploaded.status_code == 200, uploaded.text
        slots = {"slots": [{"weekday": 1, "start": "15:00", "end": "16:35"}]}
        typed = await client.put(f"{base}/members/{by_slot}/timetable", json=slots, headers=OFFICER)
        assert typed.status_code == 200, typed.text
        away = {
            "starts_at": f"{monday + timedelta(days=2)}T00:00:00+08:00",
            "ends_at": f"{monday + timedelta(days=3)}T00:00:00+08:00",
        }
        declared = await client.post(
            f"{base}/members/{by_period}/unavailability", json=away, headers=OFFICER
        )
        assert declared.status_code == 201, declared.text
        connection = await asyncpg.connect(service_dsns["scheduling"])
        try:
            await connection.execute(
                "INSERT INTO scheduling.leave_requests (college, leave_id, person_id,"
                " organisation_kind, organisation_id, starts_at, ends_at, reason, retroactive,"
                " status, requested_at) VALUES ('cs', $1, $2, 'department', $3, $4, $5,"
                " '回家', false, 'granted', now())",
                uuid4(),
                by_leave,
                office,
                datetime.fromisoformat(f"{monday + timedelta(days=3)}T07:00:00+08:00"),
                datetime.fromisoformat(f"{monday + timedelta(days=3)}T19:00:00+08:00"),
            )
        finally:
            await connection.close()

        form = {
            "organisation_id": office,
            "name": "办公室值班",
            "start": monday.isoformat(),
            "weeks": 1,
            "rule": "weekly_duty",
        }
        built = await client.post(f"{base}/rota-problems/office", json=form, headers=OFFICER)
        assert built.status_code == 200, built.text
        body = built.json()
        assert sorted(body["members"]) == sorted(people)
        cells = {
            staff["id"]: {(c["day"], c["shift_type"]) for c in staff.get("unavailable", [])}
            for staff in body["problem"]["staff"]
        }
        assert cells == {
            by_ics: {(0, "day"), (3, "day")},  # Mon and Thu 08:00-09:35 (the .ics rule)
            by_slot: {(1, "evening")},
            by_period: {(2, "day"), (2, "evening")},
            by_leave: {(3, "day"), (3, "evening")},
        }
        assert body["unavailable"] == {person: len(cells[person]) for person in people}

        job = await client.post(
            f"{base}/solve-jobs",
            json={"kind": "rota", "problem": body["problem"], "time_limit_s": 20},
            headers=OFFICER,
        )
        assert job.status_code == 202, job.text
        url = f"{base}/solve-jobs/{job.json()['job_id']}"

        async def solved() -> bool:
            return (await client.get(url, headers=OFFICER)).json()["status"] == "done"

        await wait_until(solved, timeout_s=90, what="the office rota")
        result = (await client.get(url, headers=OFFICER)).json()["result"]
        assert result["publishable"] is True, result
        for assignment in result["assignments"]:
            cell = (assignment["day"], assignment["shift_type"])
            assert cell not in cells[assignment["staff"]], assignment

        bad = await client.post(
            f"{base}/rota-problems/office",
            json={**form, "posts": [{"id": "day", "start": "12:00", "end": "08:00"}]},
            headers=OFFICER,
        )
        assert bad.status_code == 422
        assert problem_of(bad)[0] == "posts[0].end"
        nobody = await client.post(
            f"{base}/rota-problems/office",
            json={**form, "organisation_id": f"empty-{uuid4().hex[:6]}"},
            headers=OFFICER,
        )
        assert (nobody.status_code, problem_of(nobody)) == (
            409,
            ("organisation_id", "no_current_members"),
        )
        student = await client.post(
            f"{base}/rota-problems/office", json=form, headers=bearer(by_ics, "student", "cs")
        )
        assert student.status_code == 403
