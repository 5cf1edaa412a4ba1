"""Attendance on the real stack: refusals that change nothing, idempotent retaking, and
the sanction rules firing AttendanceSanctionImposed on Kafka (warning once per term,
withdrawal after more than 3 unexcused absences or 5 late arrivals; an unexcused absence
counts when its 48 h leave window closes, fired by the durable timer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.events.scheduling import AttendanceRecorded, AttendanceSanctionImposed
from tests.e2e.scheduling.meetings_support import (
    FL_OFFICER,
    OFFICER,
    api,
    join,
    meeting,
    problem,
    student,
    take,
    unique,
    wait_for_events,
)
from tests.support.kafka import wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def test_bad_attendance_is_refused_naming_the_row_and_records_nothing(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    department, term = unique("dept"), unique("t")
    ann, bo = unique("ann"), unique("bo")
    await join(service_dsns, ann, bo, department=department)
    async with httpx.AsyncClient(timeout=15) as client:
        held = await meeting(
            client,
            base,
            department=department,
            term=term,
            starts_at=datetime.now(UTC) - timedelta(days=6),
        )
        meeting_id = held["meeting_id"]
        stranger = await take(client, base, meeting_id, [(ann, "present"), ("nobody-here", "late")])
        assert problem(stranger) == (422, "1.person_id", "unknown_member")
        assert "nobody-here" in stranger.json()["errors"][0]["message"]
        no_leave = await take(client, base, meeting_id, [(ann, "present"), (bo, "excused")])
        assert problem(no_leave) == (409, "1.attendance", "excused_without_leave")
        twice = await take(client, base, meeting_id, [(ann, "present"), (ann, "late")])
        assert problem(twice) == (422, "1.person_id", "person_listed_twice")
        for sheet, field in (
            ([], "body"),
            ([{"person_id": ann, "attendance": "asleep"}], "0.attendance"),
            ([{"person_id": ann}], "0.attendance"),
            ({"person_id": ann, "attendance": "present"}, "body"),
        ):
            bad = await client.post(
                f"{base}/meetings/{meeting_id}/attendance", json=sheet, headers=OFFICER
            )
            assert bad.status_code == 422, (sheet, bad.text)
            assert field in {e["field"] for e in bad.json()["errors"]}, bad.text
        url = f"{base}/meetings/{meeting_id}/attendance"
        sheet = [{"person_id": ann, "attendance": "present"}]
        assert (await client.post(url, json=sheet, headers=student(ann))).status_code == 403
        assert (await client.post(url, json=sheet, headers=FL_OFFICER)).status_code == 403

        read = await client.get(f"{base}/meetings/{meeting_id}", headers=OFFICER)
        assert {p["attendance"] for p in read.json()["people"]} == {None}

        first = await take(client, base, meeting_id, [(ann, "present"), (bo, "late")])
        assert first.status_code == 200, first.text
        assert (first.json()["changed"], first.json()["sanctions"]) == (2, [])
        again = await take(client, base, meeting_id, [(ann, "present"), (bo, "late")])
        assert (again.status_code, again.json()["changed"]) == (200, 0)  # idempotent
        corrected = await take(client, base, meeting_id, [(bo, "present")])
        assert corrected.json()["changed"] == 1
        read = await client.get(f"{base}/meetings/{meeting_id}", headers=OFFICER)
        assert {p["person_id"]: p["attendance"] for p in read.json()["people"]} == {
            ann: "present",
            bo: "present",
        }
        cancel = await client.post(
            f"{base}/meetings/{meeting_id}/cancel", json={"reason": "x"}, headers=OFFICER
        )
        assert problem(cancel) == (409, "meeting_id", "attendance_taken")

    recorded = await wait_for_events(
        stack.kafka_bootstrap, AttendanceRecorded.event_type, meeting_id, 3
    )
    assert [(e["person_id"], e["attendance"]) for e in recorded] == [
        (ann, "present"),
        (bo, "late"),
        (bo, "present"),
    ]
    assert all(e["term"] == term for e in recorded)


async def test_sanctions_follow_the_rules_once_per_term_and_reach_kafka(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    department, term = unique("dept"), unique("t")
    absent, latecomer, steady = unique("absent"), unique("late"), unique("steady")
    await join(service_dsns, absent, latecomer, steady, department=department)
    start = datetime.now(UTC) - timedelta(days=40)  # every leave window long closed
    async with httpx.AsyncClient(timeout=15) as client:
        meetings = [
            await meeting(
                client, base, department=department, term=term, starts_at=start + timedelta(weeks=w)
            )
            for w in range(5)
        ]
        imposed: list[list[tuple[str, str, str]]] = []
        for n, held in enumerate(meetings):
            sheet = [
                (absent, "unexcused" if n < 4 else "present"),
                (latecomer, "late"),
                (steady, "present"),
            ]
            taken = await take(client, base, held["meeting_id"], sheet)
            assert taken.status_code == 200, taken.text
            imposed.append(
                [(s["person_id"], s["rule"], s["sanction"]) for s in taken.json()["sanctions"]]
            )
        assert imposed == [
            [(absent, "unexcused_absence", "verbal_warning")],
            [],  # the second and third absences bring no second warning
            [],
            [(absent, "unexcused_absences", "compulsory_withdrawal")],  # more than 3
            [(latecomer, "late_arrivals", "compulsory_withdrawal")],  # the fifth late arrival
        ]
        # Taking the last meeting again imposes nothing twice.
        again = await take(client, base, meetings[4]["meeting_id"], [(latecomer, "late")])
        assert again.json()["sanctions"] == []
        listed = await client.get(f"{base}/sanctions", params={"term": term}, headers=OFFICER)
        assert listed.status_code == 200
        assert sorted((s["person_id"], s["sanction"]) for s in listed.json()["items"]) == sorted(
            [
                (absent, "verbal_warning"),
                (absent, "compulsory_withdrawal"),
                (latecomer, "compulsory_withdrawal"),
            ]
        )
        assert (await client.get(f"{base}/sanctions", headers=student(absent))).status_code == 403

    to_absent = await wait_for_events(
        stack.kafka_bootstrap, AttendanceSanctionImposed.event_type, absent, 2
    )
    assert [
        (e["sanction"], e["organisation_kind"], e["organisation_id"], e["term"]) for e in to_absent
    ] == [
        ("verbal_warning", "department", department, term),
        ("compulsory_withdrawal", "department", department, term),
    ]
    [to_latecomer] = await wait_for_events(
        stack.kafka_bootstrap, AttendanceSanctionImposed.event_type, latecomer, 1
    )
    assert "迟到累计5次" in to_latecomer["reason"]


async def test_an_absence_counts_when_its_leave_window_closes_fired_by_the_timer(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    department, term, person = unique("dept"), unique("t"), unique("s")
    await join(service_dsns, person, department=department)
    # The meeting ended 48 h minus 8 s ago: its retroactive-leave window closes in 8 s.
    starts = datetime.now(UTC) - timedelta(hours=49) + timedelta(seconds=8)
    async with httpx.AsyncClient(timeout=15) as client:
        held = await meeting(client, base, department=department, term=term, starts_at=starts)
        taken = await take(client, base, held["meeting_id"], [(person, "unexcused")])
        assert taken.status_code == 200, taken.text
        assert taken.json()["sanctions"] == []  # the member may still ask leave

        async def warned() -> bool:
            found = await client.get(
                f"{base}/sanctions", params={"person_id": person}, headers=OFFICER
            )
            return [s["sanction"] for s in found.json()["items"]] == ["verbal_warning"]

        await wait_until(warned, timeout_s=60, what="the timer to impose the warning")
    [event] = await wait_for_events(
        stack.kafka_bootstrap, AttendanceSanctionImposed.event_type, person, 1
    )
    assert event["sanction"] == "verbal_warning"
