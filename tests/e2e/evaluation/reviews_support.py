"""What the committee-review e2e tests share: the API's base, tokens, and seasons and
submitted reports seeded straight into evaluation's tables (the reports' own flow is
tested elsewhere), a season set up for review through the API."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx

from tests.e2e.evaluation.college import COLLEGE
from tests.support.auth import bearer

RUBRIC: dict[str, Any] = {
    "criteria": [
        {"key": "method", "name": "调研方法", "weight": 0.4},
        {"key": "findings", "name": "调研发现", "weight": 0.4},
        {"key": "writing", "name": "文字表达", "weight": 0.2},
    ],
    "min_score": 0,
    "max_score": 100,
    "reviews_per_report": 2,
}


def api(services: dict[str, str], college: str = COLLEGE) -> str:
    return f"{services['evaluation']}/api/evaluation/colleges/{college}"


def chair(college: str = COLLEGE) -> dict[str, str]:
    return bearer(f"{college}-chair", "college_admin", college)


def reviewer(person: str, college: str = COLLEGE) -> dict[str, str]:
    return bearer(person, "reviewer", college)


def student(person: str, college: str = COLLEGE) -> dict[str, str]:
    return bearer(person, "student", college)


def teacher(person: str = "cs-teacher", college: str = COLLEGE) -> dict[str, str]:
    return bearer(person, "teacher", college)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


async def new_season(dsn: str, college: str = COLLEGE) -> str:
    """A season whose window is open now (as REPORTS' season route would store it)."""
    season = unique("s")
    now = datetime.now(UTC)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO seasons (college, season, title, term_starts_on, opens_at, closes_at,"
            " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            college,
            season,
            "社会实践报告 评审测试",
            date.today(),
            now - timedelta(days=1),
            now + timedelta(days=13),
            now,
        )
    finally:
        await conn.close()
    return season


async def new_report(
    dsn: str,
    season: str,
    *,
    authors: Sequence[str],
    advisor: str | None = None,
    title: str = "乡村振兴调研报告",
    body: str = "我们走访了三个村庄，记录了留守儿童的学习情况。",
    submitted: bool = True,
    college: str = COLLEGE,
) -> UUID:
    """An individual (one author) or team report, with its first version when `submitted`."""
    report_id = uuid4()
    now = datetime.now(UTC)
    team_id = uuid4() if len(authors) > 1 else None
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO reports (college, report_id, season, kind, team_id, title,"
                " submitter_id, author_ids, advisor_id, expected_at, current_version,"
                " first_submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                college,
                report_id,
                season,
                "team" if team_id else "individual",
                team_id,
                title,
                authors[0],
                list(authors),
                advisor,
                now,
                1 if submitted else 0,
                now if submitted else None,
            )
            if submitted:
                await add_version(conn, report_id, authors[0], body, college=college)
    finally:
        await conn.close()
    return report_id


async def add_version(
    conn: asyncpg.Connection, report_id: UUID, by: str, body: str, *, college: str = COLLEGE
) -> None:
    await conn.execute(
        "INSERT INTO report_versions (report_id, version, college, submitted_by, submitted_at,"
        " late, source, sha256, body, characters) VALUES ($1, 1, $2, $3, $4, false, 'text',"
        " $5, $6, $7)",
        report_id,
        college,
        by,
        datetime.now(UTC),
        hashlib.sha256(body.encode()).hexdigest(),
        body,
        len(body),
    )


async def submit_late(dsn: str, report_id: UUID, by: str, body: str) -> None:
    """A report's first version arriving after the run (as REPORTS' submission stores it)."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await add_version(conn, report_id, by, body)
            await conn.execute(
                "UPDATE reports SET current_version = 1, first_submitted_at = now()"
                " WHERE report_id = $1",
                report_id,
            )
    finally:
        await conn.close()


async def finalise_grade(dsn: str, report_id: UUID, grade: str = "良") -> None:
    """GRADES-AWARDS' final grade row (migration 0005), as review visibility reads it."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO grades (report_id, college, season, grade, passed, committee_grade,"
            " committee_score, teacher_id, finalised_at)"
            " SELECT report_id, college, season, $2, true, $2, 80, 'cs-teacher', now()"
            " FROM reports WHERE report_id = $1",
            report_id,
            grade,
        )
    finally:
        await conn.close()


async def put_ok(client: httpx.AsyncClient, url: str, body: Any, headers: dict[str, str]) -> Any:
    response = await client.put(url, json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def committee(
    client: httpx.AsyncClient,
    base: str,
    season: str,
    reviewers: Sequence[str],
    *,
    load: int = 10,
    rubric: dict[str, Any] | None = None,
) -> None:
    """The season's rubric and its reviewers (each with `load`)."""
    await put_ok(client, f"{base}/seasons/{season}/rubric", rubric or RUBRIC, chair())
    for person in reviewers:
        await put_ok(client, f"{base}/seasons/{season}/reviewers/{person}", {"load": load}, chair())


async def run(client: httpx.AsyncClient, base: str, season: str) -> httpx.Response:
    return await client.post(f"{base}/seasons/{season}/assignment-runs", headers=chair())


async def assignments(client: httpx.AsyncClient, base: str, season: str) -> dict[str, Any]:
    response = await client.get(f"{base}/seasons/{season}/assignments", headers=chair())
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def refusal(response: httpx.Response) -> tuple[str, str]:
    """The (field, rule) a problem answer names."""
    (error,) = response.json()["errors"]
    return error["field"], error["rule"]


def reviewers_of(found: dict[str, Any], report_id: UUID) -> set[str]:
    return {a["reviewer_id"] for a in found["assignments"] if a["report_id"] == str(report_id)}


def scores(method: float, findings: float, writing: float) -> dict[str, float]:
    return {"method": method, "findings": findings, "writing": writing}
