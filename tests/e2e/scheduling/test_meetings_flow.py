"""Meetings on the real stack: a term's series by rule, the monthly check, one meeting,
cancellation, listing, reading, and the refusals (another college, bad input)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.events.scheduling import MeetingCancelled, MeetingScheduled
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


def series_form(department: str, term: str, **overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "organisation_kind": "department",
        "organisation_id": department,
        "title": "部长例会",
        "agenda": "各部汇报工作，研究议程",
        "place": "学生会办公室",
        "term": term,
        "rule": "every_two_weeks",
        "weekday": 3,
        "at": "19:00",
        "duration_min": 90,
        "first_day": "2027-09-01",
        "last_day": "2027-12-31",
    }
    form.update(overrides)
    return form


async def test_a_terms_series_by_rule_meets_at_least_twice_a_month_and_is_announced(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    presidium, department, term = unique("presidium"), unique("dept"), unique("t")
    async with httpx.AsyncClient(timeout=15) as client:
        made = await client.post(
            f"{base}/meetings/series", json=series_form(presidium, term), headers=OFFICER
        )
        assert made.status_code == 201, made.text
        meetings = made.json()["meetings"]
        # Wednesdays from 1 Sep 2027 every 14 days: 1 Sep ... 29 Dec.
        assert [m["starts_at"][:10] for m in meetings][:3] == [
            "2027-09-01",
            "2027-09-15",
            "2027-09-29",
        ]
        assert len(meetings) == 9
        first = meetings[0]
        assert first["starts_at"] == "2027-09-01T11:00:00Z"  # 19:00 on campus
        assert first["status"] == "scheduled" and first["series_id"] == made.json()["series_id"]

        twice = await client.post(
            f"{base}/meetings/series",
            json=series_form(department, term, rule="twice_a_month", weekday=2),
            headers=OFFICER,
        )
        assert twice.status_code == 201
        assert len(twice.json()["meetings"]) == 8

        listed = await client.get(
            f"{base}/meetings",
            params={"series_id": made.json()["series_id"], "limit": 50},
            headers=student("cs-2025001"),
        )
        assert listed.status_code == 200
        assert [m["meeting_id"] for m in listed.json()["items"]] == [
            m["meeting_id"] for m in meetings
        ]
        by_term = await client.get(
            f"{base}/meetings",
            params={"term": term, "organisation_id": department, "limit": 50},
            headers=OFFICER,
        )
        assert len(by_term.json()["items"]) == 8

        coverage = await client.get(
            f"{base}/meetings/coverage",
            params={
                "organisation_kind": "department",
                "organisation_id": department,
                "first_day": "2027-09-01",
                "last_day": "2027-12-31",
            },
            headers=OFFICER,
        )
        assert coverage.status_code == 200, coverage.text
        assert coverage.json()["short_months"] == []
        assert [m["meetings"] for m in coverage.json()["months"]] == [2, 2, 2, 2]

        # One more department with a single meeting in October: October is short.
        lonely = unique("dept")
        await meeting(
            client,
            base,
            department=lonely,
            term=term,
            starts_at=datetime(2027, 10, 12, 11, tzinfo=UTC),
        )
        short = await client.get(
            f"{base}/meetings/coverage",
            params={
                "organisation_kind": "department",
                "organisation_id": lonely,
                "first_day": "2027-10-01",
                "last_day": "2027-11-30",
            },
            headers=OFFICER,
        )
        assert short.json()["short_months"] == ["2027-10", "2027-11"]

    [announced] = await wait_for_events(
        stack.kafka_bootstrap, MeetingScheduled.event_type, first["meeting_id"], 1
    )
    assert (announced["agenda"], announced["term"], announced["organisation_id"]) == (
        "各部汇报工作，研究议程",
        term,
        presidium,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"last_day": "2027-08-01"}, "last_day"),
        ({"last_day": "2028-09-01"}, "last_day"),
        ({"weekday": 8}, "weekday"),
        ({"weekday": "3"}, "weekday"),
        ({"rule": "monthly"}, "rule"),
        ({"at": "25:00"}, "at"),
        ({"duration_min": 0}, "duration_min"),
        ({"organisation_kind": "club"}, "organisation_kind"),
        ({"term": "a term with spaces"}, "term"),
        ({"title": ""}, "title"),
        ({"first_day": "2027-09-01", "last_day": "2027-09-03", "weekday": 7}, "weekday"),
    ],
)
async def test_a_bad_series_is_refused_naming_the_field_and_nothing_is_scheduled(
    services: dict[str, str], overrides: dict[str, object], field: str
) -> None:
    base = api(services)
    department, term = unique("dept"), unique("t")
    async with httpx.AsyncClient(timeout=15) as client:
        refused = await client.post(
            f"{base}/meetings/series",
            json={**series_form(department, term), **overrides},
            headers=OFFICER,
        )
        assert refused.status_code == 422, refused.text
        assert field in {e["field"] for e in refused.json()["errors"]}
        listed = await client.get(
            f"{base}/meetings", params={"organisation_id": department}, headers=OFFICER
        )
        assert listed.json()["items"] == []


async def test_one_meeting_is_checked_scheduled_read_and_cancelled_once(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    department, term = unique("dept"), unique("t")
    person = unique("s")
    await join(service_dsns, person, department=department)
    starts = datetime.now(UTC) + timedelta(days=3)
    async with httpx.AsyncClient(timeout=15) as client:
        for bad, field in (
            ({"ends_at": starts.isoformat()}, "ends_at"),
            ({"ends_at": (starts + timedelta(hours=13)).isoformat()}, "ends_at"),
            ({"starts_at": "2027-09-01T19:00:00"}, "starts_at"),  # no offset
        ):
            form = {
                "organisation_kind": "department",
                "organisation_id": department,
                "title": "部门例会",
                "term": term,
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=1)).isoformat(),
                **bad,
            }
            refused = await client.post(f"{base}/meetings", json=form, headers=OFFICER)
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["field"] == field
        form["starts_at"] = starts.isoformat()
        form["ends_at"] = (starts + timedelta(hours=1)).isoformat()
        assert (
            await client.post(f"{base}/meetings", json=form, headers=student(person))
        ).status_code == 403
        assert (
            await client.post(f"{base}/meetings", json=form, headers=FL_OFFICER)
        ).status_code == 403

        made = await meeting(client, base, department=department, term=term, starts_at=starts)
        url = f"{base}/meetings/{made['meeting_id']}"
        read = await client.get(url, headers=OFFICER)
        assert read.status_code == 200
        assert read.json()["people"] == [
            {
                "person_id": person,
                "member": True,
                "attendance": None,
                "leave_status": None,
                "leave_id": None,
            }
        ]
        own = await client.get(url, headers=student(person))
        assert [p["person_id"] for p in own.json()["people"]] == [person]
        other = await client.get(url, headers=student("someone-else"))
        assert other.status_code == 200 and other.json()["people"] == []

        not_yet = await take(client, base, made["meeting_id"], [(person, "present")])
        assert problem(not_yet) == (409, "meeting_id", "meeting_not_started")

        no_reason = await client.post(f"{url}/cancel", json={}, headers=OFFICER)
        assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
        by_student = await client.post(
            f"{url}/cancel", json={"reason": "改期"}, headers=student(person)
        )
        assert by_student.status_code == 403
        cancelled = await client.post(
            f"{url}/cancel", json={"reason": "与期中考试冲突，改期"}, headers=OFFICER
        )
        assert cancelled.status_code == 200, cancelled.text
        assert (cancelled.json()["status"], cancelled.json()["version"]) == ("cancelled", 1)
        again = await client.post(f"{url}/cancel", json={"reason": "again"}, headers=OFFICER)
        assert problem(again) == (409, "meeting_id", "meeting_cancelled")

        leave = await client.post(
            f"{base}/leave",
            json={"meeting_id": made["meeting_id"], "reason": "家中有事"},
            headers=student(person),
        )
        assert problem(leave) == (409, "meeting_id", "meeting_cancelled")
        listed = await client.get(
            f"{base}/meetings", params={"term": term, "status": "cancelled"}, headers=OFFICER
        )
        assert [m["meeting_id"] for m in listed.json()["items"]] == [made["meeting_id"]]

    [gone] = await wait_for_events(
        stack.kafka_bootstrap, MeetingCancelled.event_type, made["meeting_id"], 1
    )
    assert gone["reason"] == "与期中考试冲突，改期"


async def test_another_colleges_meeting_is_not_found_and_attendance_on_a_cancelled_one_refused(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    department, term, person = unique("dept"), unique("t"), unique("s")
    await join(service_dsns, person, department=department)
    await join(service_dsns, person, department=department, college="fl")
    held = datetime.now(UTC) - timedelta(days=5)
    async with httpx.AsyncClient(timeout=15) as client:
        theirs = await meeting(
            client,
            api(services, "fl"),
            department=department,
            term=term,
            starts_at=held,
            headers=FL_OFFICER,
        )
        base = api(services)
        for path in ("", "/cancel", "/attendance"):
            url = f"{base}/meetings/{theirs['meeting_id']}{path}"
            if path == "":
                response = await client.get(url, headers=OFFICER)
            elif path == "/cancel":
                response = await client.post(url, json={"reason": "x"}, headers=OFFICER)
            else:
                response = await take(client, base, theirs["meeting_id"], [(person, "present")])
            assert response.status_code == 404, (path, response.text)
        fl_read = await client.get(
            f"{api(services, 'fl')}/meetings/{theirs['meeting_id']}", headers=FL_OFFICER
        )
        assert fl_read.json()["people"][0]["attendance"] is None  # nothing was recorded

        ours = await meeting(
            client, base, department=department, term=term, starts_at=held + timedelta(days=1)
        )
        # Cancelled before anyone recorded attendance (held or not, a meeting may be called off).
        cancelled = await client.post(
            f"{base}/meetings/{ours['meeting_id']}/cancel", json={"reason": "取消"}, headers=OFFICER
        )
        assert cancelled.status_code == 200
        refused = await take(client, base, ours["meeting_id"], [(person, "present")])
        assert problem(refused) == (409, "meeting_id", "meeting_cancelled")
        unknown = await take(
            client, base, "00000000-0000-4000-8000-000000000000", [(person, "present")]
        )
        assert unknown.status_code == 404
