"""What the meetings e2e tests share: the API's base, tokens, members in the pool, and
meetings at chosen times (in the past too: attendance is taken once a meeting started)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import httpx

from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until

OFFICER = bearer("cs-officer", "officer", "cs")
FL_OFFICER = bearer("fl-officer", "officer", "fl")


def api(services: dict[str, str], college: str = "cs") -> str:
    return f"{services['scheduling']}/api/scheduling/colleges/{college}"


def student(person: str, college: str = "cs") -> dict[str, str]:
    return bearer(person, "student", college)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


async def join(
    service_dsns: dict[str, str],
    *people: str,
    department: str,
    college: str = "cs",
) -> None:
    """Members in scheduling's pool, as recruitment's MembershipStarted puts them there
    (tests that are not about that flow seed the read model directly)."""
    conn = await asyncpg.connect(service_dsns["scheduling"])
    try:
        await conn.executemany(
            "INSERT INTO memberships (college, membership_id, person_id, organisation_kind,"
            " organisation_id, role, started_at) VALUES ($1, $2, $3, 'department', $4,"
            " 'member', $5)",
            [
                (college, uuid4(), person, department, datetime.now(UTC) - timedelta(days=365))
                for person in people
            ],
        )
    finally:
        await conn.close()


async def meeting(
    client: httpx.AsyncClient,
    base: str,
    *,
    department: str,
    term: str,
    starts_at: datetime,
    minutes: int = 60,
    headers: dict[str, str] = OFFICER,
    title: str = "部门例会",
) -> dict[str, Any]:
    response = await client.post(
        f"{base}/meetings",
        json={
            "organisation_kind": "department",
            "organisation_id": department,
            "title": title,
            "agenda": "总结上阶段工作，布置下阶段任务",
            "place": "学生活动中心 201",
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(minutes=minutes)).isoformat(),
            "term": term,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def take(
    client: httpx.AsyncClient, base: str, meeting_id: str, sheet: list[tuple[str, str]]
) -> httpx.Response:
    return await client.post(
        f"{base}/meetings/{meeting_id}/attendance",
        json=[{"person_id": p, "attendance": a} for p, a in sheet],
        headers=OFFICER,
    )


def problem(response: httpx.Response) -> tuple[int, str, str]:
    """(status, first error's field, its rule)."""
    error = response.json()["errors"][0]
    return response.status_code, error["field"], error["rule"]


async def wait_for_events(
    bootstrap: str, event_type: str, key: str, count: int, *, timeout_s: float = 30
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        found[:] = await events_keyed(bootstrap, event_type, key)
        return len(found) >= count

    await wait_until(arrived, timeout_s=timeout_s, what=f"{count} x {event_type} keyed {key}")
    return found
