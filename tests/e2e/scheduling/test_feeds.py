"""Personal calendar feeds on the real stack: a secret URL issued, rotated and revoked;
the .ics parsed back with icalendar; a shift written as rota publishing writes it, a
lesson of a published timetable, a meeting of one's department and a planned activity
show up; a version bump raises SEQUENCE; a cancelled meeting, a lesson given to another
volunteer and a lost seat come back as STATUS:CANCELLED."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from icalendar import Calendar

from tests.e2e.scheduling.activities_support import College, campus, campus_day

pytestmark = pytest.mark.e2e


async def connect(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, server_settings={"search_path": "scheduling"})


async def publish_shift(dsn: str, college: str, person: str, starts_at: datetime) -> UUID:
    """A published rota with one shift whose seat `person` holds (as publishing writes it)."""
    rota_id, shift_id, now = uuid4(), uuid4(), datetime.now(UTC)
    conn = await connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO rotas (college, rota_id, name, starts_on, ends_on, problem, status,"
                " created_at, published_at) VALUES ($1,$2,'办公室值班表',$3,$3,$4::jsonb,"
                "'published',$5,$5)",
                college,
                rota_id,
                starts_at.date(),
                json.dumps({}),
                now,
            )
            await conn.execute(
                "INSERT INTO shifts (college, shift_id, rota_id, post, place, shift_type, day,"
                " starts_at, ends_at, seats) VALUES ($1,$2,$3,'办公室（上午）','学生活动中心 201',"
                "'day',$4,$5,$6,1)",
                college,
                shift_id,
                rota_id,
                starts_at.date(),
                starts_at,
                starts_at + timedelta(hours=4),
            )
            await conn.execute(
                "INSERT INTO shift_seats (college, shift_id, person_id, pinned, assigned_at)"
                " VALUES ($1,$2,$3,true,$4)",
                college,
                shift_id,
                person,
                now,
            )
    finally:
        await conn.close()
    return shift_id


async def teach_lesson(dsn: str, college: str, person: str, starts_at: datetime) -> UUID:
    """A published summer timetable with one lesson `person` teaches (as publishing writes it)."""
    timetable_id, lesson_id, now = uuid4(), uuid4(), datetime.now(UTC)
    conn = await connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO timetables (college, timetable_id, name, starts_on, ends_on, status,"
                " job_id, objective, lesson_count, schools, classes, published_by, published_at)"
                " VALUES ($1,$2,'一帮一暑期知识拓展班',$3,$3,'published',$4,0,1,$5::jsonb,"
                "$6::jsonb,'officer',$7)",
                college,
                timetable_id,
                starts_at.date(),
                uuid4(),
                json.dumps({"s1": "十二里河小学"}),
                json.dumps({"c3": {"name": "三年级一班", "school": "s1", "pupils": 40}}),
                now,
            )
            await conn.execute(
                "INSERT INTO lessons (college, lesson_id, timetable_id, school, class_id,"
                " class_ids, course, subject, course_name, volunteer_id, room, week, period,"
                " starts_at, ends_at) VALUES ($1,$2,$3,'s1','c3','{c3}','story','故事会',"
                "'故事会',$4,'教室 3',1,'p1',$5,$6)",
                college,
                lesson_id,
                timetable_id,
                person,
                starts_at,
                starts_at + timedelta(minutes=45),
            )
    finally:
        await conn.close()
    return lesson_id


async def department_meeting(dsn: str, college: str, person: str, starts_at: datetime) -> UUID:
    """A meeting of the volunteers department, of which `person` is a current member."""
    meeting_id, now = uuid4(), datetime.now(UTC)
    conn = await connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO memberships (college, membership_id, person_id, organisation_kind,"
                " organisation_id, started_at) VALUES ($1,$2,$3,'department','volunteers',$4)",
                college,
                uuid4(),
                person,
                now - timedelta(days=30),
            )
            await conn.execute(
                "INSERT INTO meetings (college, meeting_id, organisation_kind, organisation_id,"
                " title, agenda, place, starts_at, ends_at, term, status, version, scheduled_by,"
                " scheduled_at) VALUES ($1,$2,'department','volunteers','志愿者部例会',"
                "'1. 总结支教\n2. 献血活动分工','团委会议室',$3,$4,'2026-2027-2','scheduled',0,"
                "'officer',$5)",
                college,
                meeting_id,
                starts_at,
                starts_at + timedelta(hours=1),
                now,
            )
    finally:
        await conn.close()
    return meeting_id


async def run(dsn: str, sql: str, *args: Any) -> None:
    conn = await connect(dsn)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


async def fetch(client: httpx.AsyncClient, url: str) -> dict[str, dict[str, Any]]:
    answer = await client.get(url)  # no bearer token: the URL is the secret
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(answer.content)
    assert str(calendar["VERSION"]) == "2.0"
    found = {}
    for event in calendar.walk("VEVENT"):
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND"):
            assert required in event
        found[str(event["UID"])] = {
            "sequence": int(event["SEQUENCE"]),
            "status": str(event["STATUS"]),
            "summary": str(event["SUMMARY"]),
            "location": str(event.get("LOCATION", "")),
            "description": str(event.get("DESCRIPTION", "")),
            "start": event.decoded("DTSTART"),
        }
    return found


async def test_a_personal_feed_follows_shifts_meetings_and_activities(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    dsn = service_dsns["scheduling"]
    college = College(services["scheduling"])
    person = f"{college.code}-2024001"
    me = college.member(person)
    await college.enrol(dsn, person)
    feed_path = f"{college.root}/me/calendar-feed"
    async with httpx.AsyncClient(timeout=30) as client:
        issued = await client.post(feed_path, headers=me)
        assert issued.status_code == 201, issued.text
        url = issued.json()["url"]
        assert url.endswith(".ics") and issued.json()["webcal_url"].startswith("webcal://")
        again = await client.post(feed_path, headers=me)
        assert again.status_code == 409
        assert again.json()["errors"][0]["rule"] == "calendar_feed_exists"
        assert await fetch(client, url) == {}

        day = campus_day(3)
        shift_id = await publish_shift(
            dsn, college.code, person, datetime.fromisoformat(campus(day, 8))
        )
        lesson_id = await teach_lesson(
            dsn, college.code, person, datetime.fromisoformat(campus(day, 10, 30))
        )
        meeting_id = await department_meeting(
            dsn, college.code, person, datetime.fromisoformat(campus(day, 19))
        )
        activity = await college.draft(
            client,
            department_id="volunteers",
            title="义务献血",
            earliest_start=campus(day, 13),
            latest_end=campus(day, 17),
            duration_min=120,
            people=[person],
            tasks=[],
        )
        planned = await client.post(
            f"{college.root}/activities/plan",
            json={"from": day.isoformat(), "to": day.isoformat()},
            headers=college.officer,
        )
        assert planned.status_code == 200, planned.text

        shift_uid = f"shift-{shift_id}-{person}@campusflow"
        meeting_uid = f"meeting-{meeting_id}@campusflow"
        activity_uid = f"activity-{activity['activity_id']}@campusflow"
        lesson_uid = f"lesson-{lesson_id}@campusflow"
        first = await fetch(client, url)
        assert set(first) == {shift_uid, lesson_uid, meeting_uid, activity_uid}
        assert first[lesson_uid]["location"] == "十二里河小学 教室 3"
        assert "三年级一班" in first[lesson_uid]["description"]
        assert "故事会" in first[lesson_uid]["summary"]
        assert first[shift_uid]["location"] == "学生活动中心 201"
        assert "办公室（上午）" in first[shift_uid]["summary"]
        assert first[shift_uid]["start"] == datetime.fromisoformat(campus(day, 8))
        assert "献血活动分工" in first[meeting_uid]["description"]
        assert first[activity_uid]["sequence"] == 1  # scheduled: version 1
        assert {e["status"] for e in first.values()} == {"CONFIRMED"}
        assert await fetch(client, url) == first  # stable UIDs, nothing changed

        # The seat changed (a repair bumps its version), the meeting was cancelled, the
        # lesson went to another volunteer.
        await run(dsn, "UPDATE shift_seats SET version = 1 WHERE shift_id = $1", shift_id)
        await run(
            dsn,
            "UPDATE lessons SET volunteer_id = 'someone-else', version = 1 WHERE lesson_id = $1",
            lesson_id,
        )
        await run(
            dsn,
            "UPDATE meetings SET status = 'cancelled', version = 1 WHERE meeting_id = $1",
            meeting_id,
        )
        changed = await fetch(client, url)
        assert changed[shift_uid]["sequence"] == 1
        assert (changed[lesson_uid]["status"], changed[lesson_uid]["sequence"]) == ("CANCELLED", 1)
        assert (changed[meeting_uid]["status"], changed[meeting_uid]["sequence"]) == (
            "CANCELLED",
            1,
        )
        # The seat passed to someone else: served cancelled, one revision higher.
        await run(dsn, "DELETE FROM shift_seats WHERE shift_id = $1", shift_id)
        lost = await fetch(client, url)
        assert (lost[shift_uid]["status"], lost[shift_uid]["sequence"]) == ("CANCELLED", 2)

        # Rotate: the old URL is gone at once, the new one serves the same feed.
        rotated = await client.post(f"{feed_path}/rotate", headers=me)
        assert rotated.status_code == 200, rotated.text
        new_url = rotated.json()["url"]
        assert new_url != url
        assert (await client.get(url)).status_code == 404
        assert await fetch(client, new_url) == lost

        # Someone else's token, a made-up one: 404.
        assert (await client.get(url.rsplit("/", 1)[0] + "/not-a-token.ics")).status_code == 404

        revoked = await client.delete(feed_path, headers=me)
        assert revoked.status_code == 204
        assert (await client.get(new_url)).status_code == 404
        assert (await client.delete(feed_path, headers=me)).status_code == 404
        assert (await client.post(f"{feed_path}/rotate", headers=me)).status_code == 404
        anew = await client.post(feed_path, headers=me)
        assert anew.status_code == 201 and anew.json()["url"] not in (url, new_url)
        assert (await client.post(feed_path)).status_code == 401
