"""Solve jobs on the real stack: queued by the API, claimed by the running scheduling
service's solve-job loop, solved in its worker processes.

A finished rota is judged again here by the independent checker; a running job shows
its progress and can be cancelled; a bad problem is refused before anything is stored;
a job left by a dead replica (a stale heartbeat) is taken over, and given up after too
many claims; while a long solve runs, the health checks and a check-in answer fast.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from services.scheduling.domain.roster_checker import check_rota
from services.scheduling.domain.solve_jobs import MAX_ATTEMPTS
from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.domain.timetable_checker import check_timetable
from services.scheduling.schemas.rostering import assignments_of_document, parse_rota_problem
from services.scheduling.schemas.timetabling import lessons_from_document, parse_timetable_problem
from tests.e2e.scheduling.desk_support import current_code, member, new_person, publish_shift
from tests.support.auth import bearer
from tests.support.kafka import wait_until
from tests.support.replica import start_replica as start_service_replica
from tools.stack import StackEndpoints
from tools.stack.processes import process_record, stop_record

pytestmark = pytest.mark.e2e

OFFICER = bearer("cs-officer", "officer", "cs")
# A blocked event loop would stall an answer for seconds (the solve's whole time); on two
# cores shared with the solve, a health check sometimes takes a quarter of a second.
FAST_ENOUGH_S = 0.5
SHORT_CLAIM_TIMEOUT_S = 3


def office(members: int, weeks: int, rule: str = "weekly_post") -> dict[str, Any]:
    """An office rota problem: `members` with one weekly class each."""
    return {
        "template": "office",
        "name": "办公室值班",
        "start": "2026-09-07",
        "weeks": weeks,
        "rule": rule,
        "members": [
            {
                "id": f"cs-{n:04d}",
                "busy": [{"weekday": (n * 3) % 7, "start": "14:00", "end": "15:35"}],
            }
            for n in range(members)
        ],
    }


def round_the_clock(staff: int, days: int) -> dict[str, Any]:
    """Three shifts a day, soft cover, members' wishes and fairness: a rota CP-SAT improves
    for a long while without proving it optimal (it runs its whole time limit)."""
    wishes = random.Random(7)
    kinds = ("early", "late", "night")
    return {
        "name": "全天值班",
        "start": "2026-09-07",
        "days": days,
        "min_rest_minutes": 600,
        "shift_types": [
            {"id": "early", "post": "hall", "start": "06:00", "length_minutes": 480},
            {"id": "late", "post": "hall", "start": "14:00", "length_minutes": 480},
            {
                "id": "night",
                "post": "hall",
                "start": "22:00",
                "length_minutes": 480,
                "forbidden_next": ["early", "late"],
            },
        ],
        "staff": [
            {
                "id": f"cs-{n:04d}",
                "max_consecutive_days": 5,
                "min_total_minutes": 480 * (days // 3),
                "max_total_minutes": 480 * (days // 2 + 1),
            }
            for n in range(staff)
        ],
        "cover": [
            {"shift_type": kind, "required": staff // 5, "under_weight": 100, "over_weight": 5}
            for kind in kinds
        ],
        "requests": [
            {
                "staff": f"cs-{wishes.randrange(staff):04d}",
                "day": wishes.randrange(days),
                "shift_type": wishes.choice([*kinds, None]),
                "kind": wishes.choice(["on", "off"]),
                "weight": wishes.randint(1, 5),
            }
            for _ in range(staff * days // 3)
        ],
        "fairness": {"weight": 1},
    }


SMALL = office(8, 2)  # proven optimal in well under a second
LARGE = round_the_clock(60, 28)


def jobs_url(services: dict[str, str], college: str = "cs") -> str:
    return f"{services['scheduling']}/api/scheduling/colleges/{college}/solve-jobs"


async def job_of(client: httpx.AsyncClient, url: str, job_id: str) -> dict[str, Any]:
    response = await client.get(f"{url}/{job_id}", headers=OFFICER)
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


async def wait_for(
    client: httpx.AsyncClient,
    url: str,
    job_id: str,
    ready: Callable[[dict[str, Any]], bool],
    *,
    timeout_s: float,
    what: str,
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def check() -> bool:
        seen.update(await job_of(client, url, job_id))
        return ready(seen)

    try:
        await wait_until(check, timeout_s=timeout_s, what=what, every_s=0.3)
    except AssertionError as error:  # say where the job stood
        last = {key: seen.get(key) for key in ("status", "cancel_requested", "progress", "error")}
        raise AssertionError(f"{error}; the job last: {last}") from None
    return seen


def solving_at(attempt: int) -> Callable[[dict[str, Any]], bool]:
    """Solving on its `attempt`-th claim, with a first solution found."""
    return lambda job: job["attempts"] == attempt and job["progress"]["objective"] is not None


def _solving(job: dict[str, Any]) -> bool:
    """Running, with a first solution found (its progress has an objective)."""
    return bool(job["status"] == "running" and job["progress"]["objective"] is not None)


async def submit(
    client: httpx.AsyncClient, url: str, problem: dict[str, Any], time_limit_s: float
) -> str:
    response = await client.post(
        url,
        json={"kind": "rota", "problem": problem, "time_limit_s": time_limit_s},
        headers=OFFICER,
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    job_id: str = response.json()["job_id"]
    return job_id


async def test_a_rota_job_completes_and_its_result_passes_the_independent_checker(
    services: dict[str, str],
) -> None:
    url = jobs_url(services)
    async with httpx.AsyncClient(timeout=10) as client:
        job_id = await submit(client, url, SMALL, 20)
        job = await wait_for(
            client, url, job_id, lambda j: j["status"] == "done", timeout_s=90, what="done"
        )
    result = job["result"]
    assert result["status"] == "optimal"
    assert job["attempts"] == 1 and job["claimed_by"] and job["finished_at"]
    problem = parse_rota_problem(SMALL, ProblemLimits())
    judgement = check_rota(problem, assignments_of_document(result))
    assert judgement.violations == ()
    assert judgement.objective == pytest.approx(result["objective"])
    assert result["hard_violations"] == [] and result["publishable"] is True
    assert len(result["assignments"]) == 2 * 2 * 5  # two posts, two weeks of Mon-Fri
    assert job["progress"]["objective"] == pytest.approx(result["objective"])


TIMETABLE = {
    "name": "希望小学周课表",
    "starts_on": "2026-07-06",
    "weeks": 1,
    "periods": [
        {"id": f"{day}-{index}", "day": n, "index": index, "starts": starts, "ends": ends}
        for n, day in enumerate(["mon", "tue", "wed"])
        for index, (starts, ends) in enumerate([("08:30", "09:15"), ("09:30", "10:15")])
    ],
    "schools": [{"id": "s1", "name": "希望小学"}],
    "classes": [{"id": "s1-g3", "school": "s1", "pupils": 18}],
    "rooms": [{"id": "s1-r1", "school": "s1", "capacity": 20}],
    "teachers": [{"id": "v1", "name": "李明"}, {"id": "v2", "name": "王芳"}],
    "courses": [
        {
            "id": "english",
            "subject": "english",
            "classes": ["s1-g3"],
            "teacher": "v1",
            "lessons": 3,
            "min_days": 3,
            "week": 1,
        },
        {
            "id": "stories",
            "subject": "story",
            "classes": ["s1-g3"],
            "teacher": "v2",
            "lessons": 2,
            "min_days": 2,
            "week": 1,
        },
    ],
}


async def test_a_timetable_job_completes_and_its_result_passes_the_independent_checker(
    services: dict[str, str],
) -> None:
    url = jobs_url(services)
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            url,
            json={"kind": "timetable", "problem": TIMETABLE, "time_limit_s": 10},
            headers=OFFICER,
        )
        assert response.status_code == 202, response.text
        job = await wait_for(
            client,
            url,
            response.json()["job_id"],
            lambda j: j["status"] == "done",
            timeout_s=90,
            what="the timetable",
        )
    result = job["result"]
    assert result["kind"] == "timetable" and result["hard_violations"] == []
    problem = parse_timetable_problem(TIMETABLE, ProblemLimits())
    judgement = check_timetable(problem, lessons_from_document(result))
    assert judgement.hard_violations == ()
    assert judgement.objective == pytest.approx(result["objective"])
    assert len(result["lessons"]) == 5


async def test_a_bad_problem_or_time_limit_is_refused_and_nothing_is_stored(
    services: dict[str, str],
) -> None:
    url = jobs_url(services)
    bad_member = {**SMALL, "members": [*SMALL["members"], {"id": "x", "busy": "often"}]}
    general = {
        "start": "2026-09-07",
        "days": 7,
        "shift_types": [{"id": "day", "post": "office", "start": "08:00", "length_minutes": 240}],
        "staff": [{"id": "a"}],
        "cover": [{"shift_type": "night", "required": 1}],
    }
    async with httpx.AsyncClient(timeout=10) as client:
        before = (await client.get(url, params={"limit": 200}, headers=OFFICER)).json()["items"]
        cases: list[tuple[dict[str, Any], str]] = [
            ({"kind": "rota", "problem": bad_member}, "members[8].busy"),
            ({"kind": "rota", "problem": general}, "cover[0].shift_type"),
            ({"kind": "rota", "problem": office(8, 40)}, "weeks"),
            ({"kind": "rota", "problem": SMALL, "time_limit_s": 100_000}, "time_limit_s"),
            ({"kind": "rota", "problem": SMALL, "time_limit_s": 301}, "time_limit_s"),
            ({"kind": "rota", "problem": SMALL, "time_limit_s": 0}, "time_limit_s"),
            ({"kind": "roster", "problem": SMALL}, "kind"),
            ({"kind": "timetable", "problem": {"weeks": 1}}, ""),
        ]
        for body, field in cases:
            response = await client.post(url, json=body, headers=OFFICER)
            assert response.status_code == 422, (body.get("time_limit_s"), response.text)
            if field:
                assert response.json()["errors"][0]["field"] == field, response.text
        after = (await client.get(url, params={"limit": 200}, headers=OFFICER)).json()["items"]
        assert [j["job_id"] for j in after] == [j["job_id"] for j in before]


async def test_solve_jobs_are_for_the_officers_of_their_college(services: dict[str, str]) -> None:
    url = jobs_url(services)
    body = {"kind": "rota", "problem": SMALL, "time_limit_s": 5}
    async with httpx.AsyncClient(timeout=10) as client:
        student = bearer("cs-2024001", "student", "cs")
        assert (await client.post(url, json=body, headers=student)).status_code == 403
        assert (await client.get(url, headers=student)).status_code == 403
        other = bearer("fl-officer", "officer", "fl")
        assert (await client.post(url, json=body, headers=other)).status_code == 403
        job_id = await submit(client, url, SMALL, 5)
        assert (await client.get(f"{url}/{job_id}", headers=other)).status_code == 403
        fl_url = jobs_url(services, "fl")
        seen_from_fl = await client.get(f"{fl_url}/{job_id}", headers=other)
        assert seen_from_fl.status_code == 404  # the job is cs's: fl's officers cannot see it
        cancel = await client.post(f"{fl_url}/{job_id}/cancel", headers=other)
        assert cancel.status_code == 404
        await wait_for(
            client, url, job_id, lambda j: j["status"] == "done", timeout_s=90, what="done"
        )
        again = await client.post(f"{url}/{job_id}/cancel", headers=OFFICER)
        assert again.status_code == 409
        assert again.json()["errors"][0]["rule"] == "job_finished"


async def timed(call: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await call
    return response, time.perf_counter() - started


async def test_a_long_solve_shows_progress_keeps_the_service_responsive_and_can_be_cancelled(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    url = jobs_url(services)
    base = services["scheduling"]
    holder = new_person()
    shift = await publish_shift(
        service_dsns["scheduling"],
        post=f"desk-solve-{uuid4().hex[:6]}",
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
        holders=(holder,),
    )
    check_ins = f"{base}/api/scheduling/colleges/cs/check-ins"
    async with httpx.AsyncClient(timeout=10) as client:
        job_id = await submit(client, url, LARGE, 30)
        job = await wait_for(
            client,
            url,
            job_id,
            _solving,
            timeout_s=60,
            what="progress of the running solve",
        )
        assert job["progress"]["bound"] is not None
        assert job["progress"]["bound"] <= job["progress"]["objective"]
        code = await current_code(client, base, shift.post)
        slow: list[tuple[str, float]] = []
        for round_ in range(15):
            for name, call in (
                ("healthz", client.get(f"{base}/healthz")),
                ("readyz", client.get(f"{base}/readyz")),
                (
                    "check-in",
                    client.post(check_ins, json={"code": code}, headers=member(holder)),
                ),
            ):
                response, seconds = await timed(call)
                assert response.status_code in (200, 201), (name, response.text)
                if seconds > FAST_ENOUGH_S:
                    slow.append((name, round(seconds, 3)))
            assert (await job_of(client, url, job_id))["status"] == "running", round_
            await asyncio.sleep(0.3)
        assert slow == [], f"answered slower than {FAST_ENOUGH_S}s while solving: {slow}"
        later = await job_of(client, url, job_id)
        assert later["progress"]["elapsed_s"] > job["progress"]["elapsed_s"]

        cancelled = await client.post(f"{url}/{job_id}/cancel", headers=OFFICER)
        assert cancelled.status_code == 200
        assert cancelled.json()["cancel_requested"] is True
        asked_at = time.monotonic()
        job = await wait_for(
            client, url, job_id, lambda j: j["status"] == "cancelled", timeout_s=20, what="cancel"
        )
        assert time.monotonic() - asked_at < 10
        assert job["result"] is not None  # the best answer found before the cancel
        judged = check_rota(
            parse_rota_problem(LARGE, ProblemLimits()), assignments_of_document(job["result"])
        )
        assert judged.objective == pytest.approx(job["result"]["objective"])


async def insert_abandoned(
    conn: asyncpg.Connection, *, attempts: int, cancel_requested: bool = False
) -> UUID:
    """A job a replica claimed an hour ago and then stopped heartbeating (it died)."""
    job_id = uuid4()
    await conn.execute(
        "INSERT INTO scheduling.solve_jobs (college, job_id, kind, problem, time_limit_s, status,"
        " cancel_requested, claimed_by, heartbeat_at, attempts, created_by, created_at,"
        " started_at) VALUES ('cs', $1, 'rota', $2::jsonb, 10, 'running', $3, 'dead-replica',"
        " now() - interval '1 hour', $4, 'cs-officer', now() - interval '2 hours',"
        " now() - interval '1 hour')",
        job_id,
        json.dumps(SMALL),
        cancel_requested,
        attempts,
    )
    return job_id


async def test_a_job_whose_replica_died_is_taken_over_and_given_up_after_too_many_claims(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    url = jobs_url(services)
    conn = await asyncpg.connect(service_dsns["scheduling"])
    try:
        taken_over = await insert_abandoned(conn, attempts=1)
        hopeless = await insert_abandoned(conn, attempts=MAX_ATTEMPTS)
        unwanted = await insert_abandoned(conn, attempts=1, cancel_requested=True)
    finally:
        await conn.close()
    async with httpx.AsyncClient(timeout=10) as client:
        job = await wait_for(
            client,
            url,
            str(taken_over),
            lambda j: j["status"] == "done",
            timeout_s=90,
            what="takeover",
        )
        assert job["attempts"] == 2
        assert job["claimed_by"] != "dead-replica"
        assert (
            check_rota(
                parse_rota_problem(SMALL, ProblemLimits()), assignments_of_document(job["result"])
            ).violations
            == ()
        )
        given_up = await job_of(client, url, str(hopeless))
        assert given_up["status"] == "failed"
        assert "given up" in given_up["error"]
        assert given_up["result"] is None
        cancelled = await job_of(client, url, str(unwanted))
        assert cancelled["status"] == "cancelled"


async def main_service_busy(client: httpx.AsyncClient, url: str) -> str:
    """A long job the main service is solving (so a replica started now gets the next)."""
    busy = await submit(client, url, LARGE, 200)
    await wait_for(client, url, busy, lambda j: j["status"] == "running", timeout_s=60, what="busy")
    return busy


async def a_job_on_a_replica(
    client: httpx.AsyncClient,
    url: str,
    replicas: list[subprocess.Popen[bytes]],
    submitted: list[str],
) -> tuple[str, dict[str, Any], subprocess.Popen[bytes]]:
    """A long job that one of `replicas` is solving, while the main service is busy with a
    long job of its own: the job, as last seen, and its replica. The main service may have
    finished its long job while the replicas started (a quick machine) and take the next
    itself: then it is busy with that one, and the job after it goes to a replica. Every
    job submitted is added to `submitted`, for the test to cancel."""
    for _ in range(3):
        job_id = await submit(client, url, LARGE, 120)
        submitted.append(job_id)
        job = await wait_for(client, url, job_id, _solving, timeout_s=90, what="a replica solving")
        claimer = int(job["claimed_by"].split(":")[1])
        for process in replicas:
            if process.pid == claimer:
                return job_id, job, process
    pytest.fail("the main service took every job: no replica was solving")


async def cancel_jobs(client: httpx.AsyncClient, url: str, job_ids: list[str]) -> None:
    """Cancel each job (one proven optimal meanwhile is done: nothing to stop), and wait
    until each has ended."""
    for job_id in job_ids:
        response = await client.post(f"{url}/{job_id}/cancel", headers=OFFICER)
        if response.status_code == 409:
            assert (await job_of(client, url, job_id))["status"] == "done"
        else:
            assert response.status_code == 200, response.text
    for job_id in job_ids:
        await wait_for(
            client,
            url,
            job_id,
            lambda j: j["status"] in ("cancelled", "done"),
            timeout_s=30,
            what="cancelled",
        )


def start_replica(
    stack: StackEndpoints, dsn: str, name: str
) -> tuple[subprocess.Popen[bytes], str]:
    """Another scheduling replica on the same schema, quick to take over stale claims."""
    return start_service_replica(
        "scheduling",
        stack,
        dsn,
        name=name,
        settings={"SCHEDULING_SOLVE_CLAIM_TIMEOUT_S": str(SHORT_CLAIM_TIMEOUT_S)},
        ready_s=90,
    )


def alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if Path(f"/proc/{pid}").exists()}


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def children_of(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


async def test_a_replica_or_a_worker_killed_mid_solve_leaves_the_job_to_be_solved_again(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    url = jobs_url(services)
    dsn = service_dsns["scheduling"]
    async with httpx.AsyncClient(timeout=10) as client:
        busy = await main_service_busy(client, url)
        replicas = [start_replica(stack, dsn, name) for name in ("a", "b")]
        submitted = [busy]
        try:
            victim_job, job, victim = await a_job_on_a_replica(
                client, url, [p for p, _ in replicas], submitted
            )
            assert job["attempts"] == 1
            [survivor] = [p for p, _ in replicas if p is not victim]
            orphans = children_of(victim.pid)
            assert orphans, "the replica solves in child processes"
            os.kill(victim.pid, signal.SIGKILL)  # the process only: no graceful shutdown
            victim.wait(timeout=10)
            taken = await wait_for(
                client,
                url,
                victim_job,
                solving_at(2),
                timeout_s=60,
                what="the takeover",
            )
            assert int(taken["claimed_by"].split(":")[1]) == survivor.pid

            async def no_orphans() -> bool:
                return not alive(orphans)

            await wait_until(no_orphans, timeout_s=10, what="the dead replica's workers to die")

            # The survivor's solver process dies under the solve (out of memory, say): the
            # job is queued again, the claim counted, and solved again in a fresh worker.
            [worker] = [pid for pid in children_of(survivor.pid) if niceness(pid) > 0]
            os.kill(worker, signal.SIGKILL)
            again = await wait_for(
                client,
                url,
                victim_job,
                solving_at(3),
                timeout_s=90,
                what="the solve to run again after its worker died",
            )
            assert int(again["claimed_by"].split(":")[1]) == survivor.pid
            await cancel_jobs(client, url, submitted)
        finally:
            for process, _ in replicas:
                stop_record(process_record(process))
