"""What the rota end-to-end tests share: a small desk rota whose optimum is known, a done
solve job for it (solved in this process, as the job runner would), and a published rota
made from it through the API.

The rota: Monday to Friday of a week ahead, a day shift (08:00-12:00, needs a member with
the office key) and an evening shift (14:00-18:00), one seat each, at most one shift a day
per member and at most two day shifts per key holder. Shift-on requests weigh so much that
the optimum is exactly the rota below; `spare` adds a key holder and a member without a
key who hold nothing.

    day:      Mon k1   Tue k2   Wed k1   Thu k3   Fri k2
    evening:  Mon n1   Tue n2   Wed n3   Thu n1   Fri n2
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx

from services.scheduling.domain.calendar_time import CAMPUS_TZ
from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.schemas.rostering import parse_rota_problem, rota_result_document
from services.scheduling.solver.rostering import solve_rota
from tests.support.auth import bearer

COLLEGE = "cs"
ROOT = f"/api/scheduling/colleges/{COLLEGE}"
OFFICER = bearer("officer-rotas", "officer", COLLEGE)
PLAN = {
    ("day", 0): "k1",
    ("day", 1): "k2",
    ("day", 2): "k1",
    ("day", 3): "k3",
    ("day", 4): "k2",
    ("eve", 0): "n1",
    ("eve", 1): "n2",
    ("eve", 2): "n3",
    ("eve", 3): "n1",
    ("eve", 4): "n2",
}
KEY_HOLDERS = ("k1", "k2", "k3")


def member(person_id: str) -> dict[str, str]:
    return bearer(person_id, "student", COLLEGE)


def monday_ahead(weeks: int = 1) -> date:
    """The Monday of the campus week `weeks` ahead (negative: behind)."""
    today = datetime.now(CAMPUS_TZ).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)


@dataclass(frozen=True)
class Crew:
    """The test's members: short names (k1, n2, s1 ...) to unique person ids."""

    prefix: str

    def __call__(self, short: str) -> str:
        return f"{self.prefix}-{short}"

    def short(self, person_id: str) -> str:
        return person_id.removeprefix(f"{self.prefix}-")


def new_crew() -> Crew:
    return Crew(f"rt{uuid4().hex[:8]}")


def desk_rota(crew: Crew, *, start: date, spare: bool = True) -> dict[str, Any]:
    keys = [*KEY_HOLDERS, *(("s1",) if spare else ())]
    others = ["n1", "n2", "n3", *(("s2",) if spare else ())]
    staff = [{"id": crew(k), "skills": ["key"], "max_shifts": {"day": 2}} for k in keys] + [
        {"id": crew(n)} for n in others
    ]
    return {
        "name": f"desk rota {crew.prefix}",
        "start": start.isoformat(),
        "days": 5,
        "shift_types": [
            {
                "id": "day",
                "post": "desk",
                "place": "office 101",
                "start": "08:00",
                "length_minutes": 240,
            },
            {
                "id": "eve",
                "post": "desk",
                "place": "office 101",
                "start": "14:00",
                "length_minutes": 240,
            },
        ],
        "staff": staff,
        "cover": [{"shift_type": "day", "required": 1}, {"shift_type": "eve", "required": 1}],
        "skill_requirements": [{"shift_type": "day", "skill": "key"}],
        "requests": [
            {"staff": crew(who), "day": day, "shift_type": kind, "kind": "on", "weight": 100}
            for (kind, day), who in PLAN.items()
        ],
    }


async def connect(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, server_settings={"search_path": "scheduling"})


def solved(document: dict[str, Any]) -> dict[str, Any]:
    problem = parse_rota_problem(document, ProblemLimits())
    return rota_result_document(solve_rota(problem, time_limit_s=10, workers=1))


async def insert_job(
    dsn: str,
    document: dict[str, Any],
    *,
    result: dict[str, Any] | None,
    status: str = "done",
    kind: str = "rota",
    college: str = COLLEGE,
) -> UUID:
    """A solve job row as the job runner leaves it."""
    job_id = uuid4()
    now = datetime.now(UTC)
    conn = await connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO solve_jobs (college, job_id, kind, problem, time_limit_s, status,"
            " result, created_by, created_at, finished_at)"
            " VALUES ($1, $2, $3, $4::jsonb, 10, $5, $6::jsonb, 'officer-rotas', $7, $7)",
            college,
            job_id,
            kind,
            json.dumps(document),
            status,
            None if result is None else json.dumps(result),
            now,
        )
    finally:
        await conn.close()
    return job_id


async def publish(
    client: httpx.AsyncClient, dsn: str, crew: Crew, *, start: date, spare: bool = True
) -> dict[str, Any]:
    """A published desk rota (through the API, from a done solve job): its detail view."""
    document = desk_rota(crew, start=start, spare=spare)
    job_id = await insert_job(dsn, document, result=solved(document))
    drafted = await client.post(
        f"{ROOT}/rotas", json={"job_id": str(job_id), "name": "值班表"}, headers=OFFICER
    )
    assert drafted.status_code == 201, drafted.text
    published = await client.post(
        f"{ROOT}/rotas/{drafted.json()['rota_id']}/publish", headers=OFFICER
    )
    assert published.status_code == 200, published.text
    detail: dict[str, Any] = published.json()
    return detail


def seats(detail: dict[str, Any], crew: Crew) -> dict[tuple[str, int], str]:
    """(shift type, day index) -> the short name of the member holding its one seat."""
    start = date.fromisoformat(detail["starts_on"])
    return {
        (s["shift_type"], (date.fromisoformat(s["day"]) - start).days): crew.short(s["holders"][0])
        for s in detail["shifts"]
        if s["holders"]
    }


def shift_id(detail: dict[str, Any], kind: str, day: int) -> str:
    start = date.fromisoformat(detail["starts_on"])
    for s in detail["shifts"]:
        if s["shift_type"] == kind and date.fromisoformat(s["day"]) == start + timedelta(days=day):
            return str(s["shift_id"])
    raise KeyError((kind, day))


async def read_rota(client: httpx.AsyncClient, rota_id: str) -> dict[str, Any]:
    response = await client.get(f"{ROOT}/rotas/{rota_id}", headers=OFFICER)
    assert response.status_code == 200, response.text
    detail: dict[str, Any] = response.json()
    return detail
