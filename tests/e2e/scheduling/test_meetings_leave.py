"""Leave on the real stack: asked by the member before the meeting or within 48 h after it
(flagged retroactive), decided once by an officer (the department head); granted leave
excuses an absence already recorded; leave for more than a third of the term expels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import httpx
import pytest

from shared.events.scheduling import (
    AttendanceRecorded,
    AttendanceSanctionImposed,
    LeaveDecided,
    LeaveRequested,
)
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
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def ask(client: httpx.AsyncClient, base: str, person: str, **form: object) -> httpx.Response:
    return await client.post(
        f"{base}/leave", json={"reason": "家中有事", **form}, headers=student(person)
    )


async def test_leave_is_asked_before_or_right_after_and_decided_once_by_an_officer(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    department, term, person = unique("dept"), unique("t"), unique("s")
    await join(service_dsns, person, department=department)
    now = datetime.now(UTC)
    async with httpx.AsyncClient(timeout=15) as client:
        # The term's meetings are scheduled up front: ten ahead, so one leave is not a third.
        ahead = [
            await meeting(
                client, base, department=department, term=term, starts_at=now + timedelta(days=d)
            )
            for d in range(1, 11)
        ]
        upcoming = ahead[0]["meeting_id"]
        asked = await ask(client, base, person, meeting_id=upcoming)
        assert asked.status_code == 201, asked.text
        leave = asked.json()
        assert (leave["retroactive"], leave["status"], leave["person_id"]) == (
            False,
            "requested",
            person,
        )
        assert problem(await ask(client, base, person, meeting_id=upcoming)) == (
            409,
            "meeting_id",
            "leave_already_requested",
        )
        assert problem(await ask(client, base, unique("stranger"), meeting_id=upcoming)) == (
            422,
            "person_id",
            "unknown_member",
        )
        assert problem(await ask(client, base, person)) == (422, "meeting_id", "meeting_or_period")
        no_reason = await client.post(
            f"{base}/leave", json={"meeting_id": upcoming}, headers=student(person)
        )
        assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
        elsewhere = await client.post(
            f"{api(services, 'fl')}/leave",
            json={"meeting_id": upcoming, "reason": "x"},
            headers=student(person, "fl"),
        )
        assert elsewhere.status_code == 404  # a meeting of another college

        decision = f"{base}/leave/{leave['leave_id']}/decision"
        by_student = await client.post(
            decision, json={"decision": "granted"}, headers=student(person)
        )
        assert by_student.status_code == 403
        by_other_college = await client.post(
            decision, json={"decision": "granted"}, headers=FL_OFFICER
        )
        assert by_other_college.status_code == 403
        maybe = await client.post(decision, json={"decision": "maybe"}, headers=OFFICER)
        assert maybe.status_code == 422
        granted = await client.post(
            decision, json={"decision": "granted", "note": "同意"}, headers=OFFICER
        )
        assert granted.status_code == 200, granted.text
        assert (granted.json()["leave"]["status"], granted.json()["leave"]["decided_by"]) == (
            "granted",
            "cs-officer",
        )
        twice = await client.post(decision, json={"decision": "refused"}, headers=OFFICER)
        assert problem(twice) == (409, "leave_id", "leave_already_decided")

        mine = await client.get(f"{base}/leave", headers=student(person))
        assert [x["leave_id"] for x in mine.json()["items"]] == [leave["leave_id"]]
        assert (
            await client.get(f"{base}/leave/{leave['leave_id']}", headers=student("nosy"))
        ).status_code == 404
        read = await client.get(f"{base}/meetings/{upcoming}", headers=OFFICER)
        assert read.json()["people"][0]["leave_status"] == "granted"

        # Right after the meeting: retroactive; later than 48 h after its end: refused.
        just_held = await meeting(
            client, base, department=department, term=term, starts_at=now - timedelta(hours=2)
        )
        late = await ask(client, base, person, meeting_id=just_held["meeting_id"])
        assert late.status_code == 201 and late.json()["retroactive"] is True
        long_ago = await meeting(
            client, base, department=department, term=term, starts_at=now - timedelta(days=4)
        )
        too_late = await ask(client, base, person, meeting_id=long_ago["meeting_id"])
        assert problem(too_late) == (409, "meeting_id", "leave_too_late")
        assert "48 h" in too_late.json()["errors"][0]["message"]

    requested = await wait_for_events(
        stack.kafka_bootstrap, LeaveRequested.event_type, leave["leave_id"], 1
    )
    assert (requested[0]["meeting_id"], requested[0]["retroactive"]) == (upcoming, False)
    [decided] = await wait_for_events(
        stack.kafka_bootstrap, LeaveDecided.event_type, leave["leave_id"], 1
    )
    assert (decided["decision"], decided["decided_by"]) == ("granted", "cs-officer")


async def test_retroactive_leave_excuses_an_absence_and_too_much_leave_expels(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    department, term, person = unique("dept"), unique("t"), unique("s")
    await join(service_dsns, person, department=department)
    now = datetime.now(UTC)
    async with httpx.AsyncClient(timeout=15) as client:
        # Three meetings this term, all held within the last day (leave windows open).
        held = [
            await meeting(
                client, base, department=department, term=term, starts_at=now - timedelta(hours=h)
            )
            for h in (20, 12, 4)
        ]
        absent = await take(client, base, held[0]["meeting_id"], [(person, "unexcused")])
        assert absent.json()["sanctions"] == []  # the window is open: the absence is not final

        sudden = await ask(
            client, base, person, meeting_id=held[0]["meeting_id"], reason="突发急病，会后补假"
        )
        assert sudden.status_code == 201 and sudden.json()["retroactive"] is True
        granted = await client.post(
            f"{base}/leave/{sudden.json()['leave_id']}/decision",
            json={"decision": "granted"},
            headers=OFFICER,
        )
        assert granted.status_code == 200, granted.text
        [excused] = granted.json()["excused"]
        assert (excused["meeting_id"], excused["attendance"]) == (held[0]["meeting_id"], "excused")
        assert granted.json()["sanctions"] == []  # 1 of 3 is not more than a third

        # Leave for a period covering the second meeting: 2 of 3 is more than a third.
        period = await ask(
            client,
            base,
            person,
            organisation_kind="department",
            organisation_id=department,
            starts_at=(now - timedelta(hours=13)).isoformat(),
            ends_at=(now - timedelta(hours=10)).isoformat(),
        )
        assert period.status_code == 201, period.text
        assert period.json()["meeting_id"] is None and period.json()["retroactive"] is True
        granted = await client.post(
            f"{base}/leave/{period.json()['leave_id']}/decision",
            json={"decision": "granted"},
            headers=OFFICER,
        )
        assert granted.json()["excused"] == []  # no attendance taken there yet
        # An officer marking the covered absence "unexcused" records it excused.
        taken = await take(client, base, held[1]["meeting_id"], [(person, "unexcused")])
        assert taken.status_code == 200, taken.text
        assert taken.json()["records"][0]["attendance"] == "excused"
        assert [(s["rule"], s["sanction"]) for s in taken.json()["sanctions"]] == [
            ("leave_share", "expulsion")
        ]

    recorded = await wait_for_events(
        stack.kafka_bootstrap, AttendanceRecorded.event_type, held[0]["meeting_id"], 2
    )
    assert [e["attendance"] for e in recorded] == ["unexcused", "excused"]
    [expelled] = await wait_for_events(
        stack.kafka_bootstrap, AttendanceSanctionImposed.event_type, person, 1
    )
    assert expelled["sanction"] == "expulsion" and "三分之一" in expelled["reason"]


async def test_leave_for_the_terms_activities_counts_towards_a_third(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    department, term, person = unique("dept"), unique("t"), unique("s")
    await join(service_dsns, person, department=department)
    now = datetime.now(UTC)
    # Two of the department's activities in the term that the member is due at, one not.
    conn = await asyncpg.connect(service_dsns["scheduling"])
    try:
        for days, people in ((3, [person]), (10, [person]), (12, ["someone-else"])):
            starts = now + timedelta(days=days)
            await conn.execute(
                "INSERT INTO activities (college, activity_id, department_id, title,"
                " earliest_start, latest_end, duration_min, people, status, starts_at, ends_at,"
                " created_by, created_at, scheduled_at) VALUES ('cs', $1, $2, '社区服务', $3, $4,"
                " 120, $5, 'scheduled', $3, $4, 'cs-officer', $6, $6)",
                uuid4(),
                department,
                starts,
                starts + timedelta(hours=2),
                people,
                now,
            )
    finally:
        await conn.close()
    async with httpx.AsyncClient(timeout=15) as client:
        for days in (1, 8, 15):  # the term's meetings: 3, with the 2 activities 5 occasions
            await meeting(
                client, base, department=department, term=term, starts_at=now + timedelta(days=days)
            )
        sanctions = []
        for days in (3, 10):  # leave for one activity, then for the other
            asked = await ask(
                client,
                base,
                person,
                organisation_kind="department",
                organisation_id=department,
                starts_at=(now + timedelta(days=days, hours=-1)).isoformat(),
                ends_at=(now + timedelta(days=days, hours=3)).isoformat(),
            )
            assert asked.status_code == 201, asked.text
            decided = await client.post(
                f"{base}/leave/{asked.json()['leave_id']}/decision",
                json={"decision": "granted"},
                headers=OFFICER,
            )
            assert decided.status_code == 200, decided.text
            sanctions.append([s["sanction"] for s in decided.json()["sanctions"]])
        assert sanctions == [[], ["expulsion"]]  # 1 of 5 is not more than a third; 2 of 5 is
