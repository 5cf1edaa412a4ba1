"""Publishing a summer timetable from a done solve job on the real stack: the lessons and
their views per school, class and volunteer, TimetablePublished on Kafka, and every refusal
(a stored answer with a hard violation, a job not done, bad input, the wrong college or
role) changing nothing."""

from __future__ import annotations

import copy
import json
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.schemas.timetabling import (
    parse_timetable_problem,
    timetable_result_document,
)
from services.scheduling.solver.timetabling import solve_timetable
from tests.e2e.scheduling.rotas_support import connect, insert_job
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

COLLEGE = "cs"
ROOT = f"/api/scheduling/colleges/{COLLEGE}"
OFFICER = bearer("officer-timetables", "officer", COLLEGE)
PUBLISHED = "campusflow.scheduling.timetable.published.v1"
LESSONS_A_WEEK = 3 * 31 + 3  # three classes of 31 day lessons, and the shared film


def summer(tag: str) -> dict[str, Any]:
    return {
        "template": "summer",
        "name": f"暑期课表 {tag}",
        "year": 2026,
        "schools": [{"id": f"{tag}-xc", "name": "响肠小学", "pupils": 45}],
        "teams": [
            {
                "id": f"{tag}-team",
                "volunteers": [{"id": f"{tag}-v{n}", "name": f"志愿者{n}"} for n in range(5)],
                "teaches": {"english": f"{tag}-v0"},
            }
        ],
    }


def solved(document: dict[str, Any]) -> dict[str, Any]:
    problem = parse_timetable_problem(document, ProblemLimits())
    return timetable_result_document(solve_timetable(problem, time_limit_s=10, workers=1))


async def timetables_of_job(dsn: str, job_id: UUID) -> tuple[int, int]:
    conn = await connect(dsn)
    try:
        made = await conn.fetchval("SELECT count(*) FROM timetables WHERE job_id = $1", job_id)
        lessons = await conn.fetchval(
            "SELECT count(*) FROM lessons JOIN timetables USING (timetable_id)"
            " WHERE timetables.job_id = $1",
            job_id,
        )
    finally:
        await conn.close()
    return made, lessons


async def test_a_published_summer_timetable_has_its_lessons_views_and_event(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    tag = f"tt{uuid4().hex[:6]}"
    document = summer(tag)
    result = solved(document)
    assert result["hard_violations"] == []
    job_id = await insert_job(service_dsns["scheduling"], document, result=result, kind="timetable")
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:
        made = await client.post(
            f"{ROOT}/timetables", json={"job_id": str(job_id), "name": "响肠小学暑期课表"},
            headers=OFFICER,
        )  # fmt: skip
        assert made.status_code == 201, made.text
        timetable = made.json()
        timetable_id = timetable["timetable_id"]
        assert timetable["lesson_count"] == 5 * LESSONS_A_WEEK
        assert (timetable["starts_on"], timetable["ends_on"]) == ("2026-07-06", "2026-08-09")
        assert timetable["schools"] == {f"{tag}-xc": "响肠小学"}
        assert set(timetable["classes"]) == {f"{tag}-xc-g{g}" for g in (3, 4, 5)}
        assert timetable["volunteers"][f"{tag}-v0"] == "志愿者0"
        assert timetable["notes"]["rotation"][1]["teams"] == [
            {"team": f"{tag}-team", "school": f"{tag}-xc"}
        ]
        assert timetable["objective"] == result["objective"]

        # The event, keyed by the timetable.
        events: list[dict[str, Any]] = []

        async def published() -> bool:
            events[:] = await events_keyed(stack.kafka_bootstrap, PUBLISHED, timetable_id)
            return bool(events)

        await wait_until(published, timeout_s=30, what="TimetablePublished on Kafka")
        assert [(e["lessons"], e["schools"], e["name"]) for e in events] == [
            (5 * LESSONS_A_WEEK, 1, "响肠小学暑期课表")
        ]

        # Views: a class's week (its own lessons and the shared film), a volunteer's, a school's.
        lessons = f"{ROOT}/timetables/{timetable_id}/lessons"
        week = await client.get(
            lessons,
            params={"class_id": f"{tag}-xc-g3", "week": 2, "limit": 200},
            headers=OFFICER,
        )
        assert week.status_code == 200, week.text
        items = week.json()["items"]
        assert len(items) == 31 + 3
        assert [x["starts_at"] for x in items] == sorted(x["starts_at"] for x in items)
        assert items[0]["starts_at"].startswith("2026-07-13T")
        films = [x for x in items if x["subject"] == "film"]
        assert len(films) == 3 and all(len(x["class_ids"]) == 3 for x in films)
        assert {x["course_name"] for x in films} == {"电影天堂"}
        english = await client.get(
            lessons, params={"volunteer": f"{tag}-v0", "limit": 200}, headers=OFFICER
        )
        assert {x["subject"] for x in english.json()["items"]} >= {"english"}
        school = await client.get(
            lessons, params={"school": f"{tag}-xc", "week": 5, "limit": 200}, headers=OFFICER
        )
        assert len(school.json()["items"]) == LESSONS_A_WEEK

        # A student reads their own lessons only.
        own = await client.get(lessons, params={"limit": 200}, headers=student(f"{tag}-v0"))
        assert own.status_code == 200
        assert own.json()["volunteer"] == f"{tag}-v0"
        assert own.json()["items"] == english.json()["items"][:200]
        other = await client.get(
            lessons, params={"volunteer": f"{tag}-v1"}, headers=student(f"{tag}-v0")
        )
        assert other.status_code == 403
        unknown = await client.get(lessons, params={"school": "nowhere"}, headers=OFFICER)
        assert unknown.status_code == 404

        # Listed for the college, not for another.
        listing = await client.get(f"{ROOT}/timetables", params={"limit": 200}, headers=OFFICER)
        assert timetable_id in [x["timetable_id"] for x in listing.json()["items"]]
        elsewhere = await client.get(
            f"/api/scheduling/colleges/fl/timetables/{timetable_id}",
            headers=bearer("officer-fl", "officer", "fl"),
        )
        assert elsewhere.status_code == 404

        # Publishing the same job twice is refused.
        again = await client.post(
            f"{ROOT}/timetables", json={"job_id": str(job_id), "name": "again"}, headers=OFFICER
        )
        assert again.status_code == 409
        assert again.json()["errors"][0]["rule"] == "one_timetable_per_job"
    assert await timetables_of_job(service_dsns["scheduling"], job_id) == (
        1,
        5 * LESSONS_A_WEEK,
    )


def student(person_id: str) -> dict[str, str]:
    return bearer(person_id, "student", COLLEGE)


async def test_a_stored_answer_with_a_hard_violation_is_refused_and_nothing_is_written(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    tag = f"tt{uuid4().hex[:6]}"
    document = summer(tag)
    result = solved(document)
    tampered = copy.deepcopy(result)
    # Two lessons of one class in one period: a class clash the stored status hides.
    first, second = tampered["lessons"][0], tampered["lessons"][1]
    second.update(week=first["week"], period=first["period"])
    job_id = await insert_job(
        service_dsns["scheduling"], document, result=tampered, kind="timetable"
    )
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:
        refused = await client.post(
            f"{ROOT}/timetables", json={"job_id": str(job_id), "name": "tampered"},
            headers=OFFICER,
        )  # fmt: skip
    assert refused.status_code == 409, refused.text
    error = refused.json()["errors"][0]
    assert (error["rule"], error["field"]) == ("hard_violations", "job_id")
    assert "has 2 lessons" in error["message"]
    assert await timetables_of_job(service_dsns["scheduling"], job_id) == (0, 0)


async def test_jobs_that_cannot_be_published_and_bad_input_are_refused(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    tag = f"tt{uuid4().hex[:6]}"
    document = summer(tag)
    dsn = service_dsns["scheduling"]
    # Not done, and never claimed by the service's solve-jobs loop while the test runs: a
    # 'queued' row was (the loop solved it, and the test's refusal became a publication).
    # 'running' without a heartbeat is neither claimable nor stale.
    unfinished = await insert_job(dsn, document, result=None, status="running", kind="timetable")
    infeasible = await insert_job(
        dsn, document, result={"status": "infeasible", "lessons": []}, kind="timetable"
    )
    rota = await insert_job(dsn, {"name": "a rota"}, result={"status": "optimal"}, kind="rota")
    async with httpx.AsyncClient(base_url=services["scheduling"]) as client:

        async def publish(body: object, headers: dict[str, str] = OFFICER) -> httpx.Response:
            return await client.post(f"{ROOT}/timetables", json=body, headers=headers)

        missing = await publish({"job_id": str(uuid4()), "name": "x"})
        assert missing.status_code == 404
        for job_id, rule in (
            (unfinished, "job_done"),
            (infeasible, "job_solved"),
            (rota, "timetable_job"),
        ):
            answer = await publish({"job_id": str(job_id), "name": "x"})
            assert answer.status_code == 409, answer.text
            error = answer.json()["errors"][0]
            assert (error["rule"], error["field"]) == (rule, "job_id")
        for body, field in (
            ({"job_id": str(unfinished)}, "name"),
            ({"job_id": str(unfinished), "name": ""}, "name"),
            ({"job_id": "not-a-uuid", "name": "x"}, "job_id"),
            ({"job_id": str(unfinished), "name": "x", "extra": 1}, "extra"),
        ):
            bad = await publish(body)
            assert bad.status_code == 422, bad.text
            assert field in json.dumps(bad.json())
        # Wrong role, wrong college.
        as_student = await publish({"job_id": str(unfinished), "name": "x"}, student(f"{tag}-v0"))
        assert as_student.status_code == 403
        other_college = await publish(
            {"job_id": str(unfinished), "name": "x"}, bearer("officer-fl", "officer", "fl")
        )
        assert other_college.status_code == 403
        # A job of another college is not found from this one.
        fl_job = await insert_job(
            dsn, document, result=solved(document), kind="timetable", college="fl"
        )
        hidden = await publish({"job_id": str(fl_job), "name": "x"})
        assert hidden.status_code == 404
    for job_id in (unfinished, infeasible, rota, fl_job):
        assert await timetables_of_job(dsn, job_id) == (0, 0)


async def test_a_timetable_solved_by_a_solve_job_is_published(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    tag = f"tt{uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=services["scheduling"], timeout=30) as client:
        bad = await client.post(
            f"{ROOT}/solve-jobs",
            json={"kind": "timetable", "problem": {**summer(tag), "schools": []}},
            headers=OFFICER,
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"].endswith("schools")
        submitted = await client.post(
            f"{ROOT}/solve-jobs",
            json={"kind": "timetable", "problem": summer(tag), "time_limit_s": 5},
            headers=OFFICER,
        )
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["job_id"]
        job: dict[str, Any] = {}

        async def done() -> bool:
            job.update((await client.get(f"{ROOT}/solve-jobs/{job_id}", headers=OFFICER)).json())
            return job["status"] in ("done", "failed", "cancelled")

        await wait_until(done, timeout_s=90, what="the timetable solve job to finish")
        assert job["status"] == "done", job
        assert job["result"]["hard_violations"] == []
        made = await client.post(
            f"{ROOT}/timetables", json={"job_id": job_id, "name": "作业求解的课表"}, headers=OFFICER
        )
        assert made.status_code == 201, made.text
        assert made.json()["lesson_count"] == 5 * LESSONS_A_WEEK
