"""What the grades, awards and defense e2e tests share: the API's base, tokens, and a
season's reports with submitted committee reviews put in place by SQL (the reports and
reviews routes have their own tests; these tests are about what follows them)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from tests.e2e.evaluation.college import COLLEGE
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until

CHAIR = bearer("cs-chair", "college_admin", COLLEGE)
TEACHER = bearer("cs-teacher", "teacher", COLLEGE)
FL_TEACHER = bearer("fl-teacher", "teacher", "fl")
REVIEWERS = ("rv-a", "rv-b", "rv-c", "rv-d")

# An award run screening half the reports with one prize of each class.
THREE_PRIZES = {"screen_ratio": 0.5, "prize_counts": {"first": 1, "second": 1, "third": 1}}


def api(services: dict[str, str], college: str = COLLEGE) -> str:
    return f"{services['evaluation']}/api/evaluation/colleges/{college}"


def student(person: str, college: str = COLLEGE) -> dict[str, str]:
    return bearer(person, "student", college)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def problem(response: httpx.Response) -> tuple[int, str, str]:
    """(status, first error's field, its rule); ("", "") for an answer with no error."""
    body = response.json()
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return response.status_code, "", ""
    return response.status_code, errors[0]["field"], errors[0]["rule"]


async def connect(service_dsns: dict[str, str]) -> asyncpg.Connection:
    return await asyncpg.connect(service_dsns["evaluation"])


async def make_season(
    service_dsns: dict[str, str], college: str = COLLEGE, *, rubric: tuple[float, float] = (0, 100)
) -> str:
    """A season with a rubric scored within `rubric` (default 0–100) and four committee
    reviewers (load 100 each)."""
    season = unique("2026-autumn")
    now = datetime.now(UTC)
    conn = await connect(service_dsns)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO seasons (college, season, title, term_starts_on, opens_at,"
                " closes_at, created_at, updated_at) VALUES ($1, $2, '2026 秋季社会实践', $3,"
                " $4, $5, $4, $4)",
                college,
                season,
                date(2026, 9, 1),
                now - timedelta(days=30),
                now - timedelta(days=16),
            )
            await conn.execute(
                "INSERT INTO rubrics (college, season, criteria, low, high, reviews_per_report,"
                " updated_by, updated_at) VALUES ($1, $2, $3::jsonb, $5, $6, 2, 'cs-chair', $4)",
                college,
                season,
                json.dumps([{"key": "overall", "name": "总体评价", "weight": 1.0}]),
                now,
                rubric[0],
                rubric[1],
            )
            await conn.executemany(
                "INSERT INTO season_reviewers (college, season, reviewer_id, load, updated_by,"
                " updated_at) VALUES ($1, $2, $3, 100, 'cs-chair', $4)",
                [(college, season, r, now) for r in REVIEWERS],
            )
    finally:
        await conn.close()
    return season


async def make_report(
    service_dsns: dict[str, str],
    season: str,
    *,
    authors: tuple[str, ...] | None = None,
    advisor: str | None = None,
    integrity: str = "clear",
    college: str = COLLEGE,
) -> tuple[UUID, tuple[str, ...]]:
    """A submitted individual report (one version); returns its id and authors (the
    first author is the submitter)."""
    report_id = uuid4()
    authors = authors or (unique("stu"),)
    now = datetime.now(UTC)
    conn = await connect(service_dsns)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO reports (college, report_id, season, kind, title, submitter_id,"
                " author_ids, advisor_id, expected_at, current_version, first_submitted_at,"
                " integrity) VALUES ($1, $2, $3, 'individual', '乡村振兴调研报告', $4, $5, $6,"
                " $7, 1, $7, $8)",
                college,
                report_id,
                season,
                authors[0],
                list(authors),
                advisor,
                now,
                integrity,
            )
            await conn.execute(
                "INSERT INTO report_versions (report_id, version, college, submitted_by,"
                " submitted_at, late, source, sha256, body, characters)"
                " VALUES ($1, 1, $2, $3, $4, false, 'text', $5, $6, $7)",
                report_id,
                college,
                authors[0],
                now,
                "0" * 64,
                "我们走访了三个村庄，记录了当地合作社的运营情况。",
                24,
            )
    finally:
        await conn.close()
    return report_id, authors


async def review(
    service_dsns: dict[str, str],
    season: str,
    report_id: UUID,
    scores: dict[str, float],
    *,
    college: str = COLLEGE,
) -> None:
    """Submitted reviews by these reviewers (assigned first when not yet assigned)."""
    now = datetime.now(UTC)
    conn = await connect(service_dsns)
    try:
        async with conn.transaction():
            for reviewer, score in scores.items():
                await conn.execute(
                    "INSERT INTO review_assignments (college, season, report_id, reviewer_id,"
                    " why, assigned_at) VALUES ($1, $2, $3, $4, 'initial', $5)"
                    " ON CONFLICT (report_id, reviewer_id) DO NOTHING",
                    college,
                    season,
                    report_id,
                    reviewer,
                    now,
                )
                await conn.execute(
                    "INSERT INTO reviews (college, season, report_id, reviewer_id, scores,"
                    " score, comment, submitted_at, updated_at)"
                    " VALUES ($1, $2, $3, $4, $5::jsonb, $6, '调研扎实', $7, $7)",
                    college,
                    season,
                    report_id,
                    reviewer,
                    json.dumps({"overall": score}),
                    score,
                    now,
                )
    finally:
        await conn.close()


async def reviewed_report(
    service_dsns: dict[str, str],
    season: str,
    scores: dict[str, float],
    *,
    college: str = COLLEGE,
    **kwargs: Any,
) -> tuple[UUID, tuple[str, ...]]:
    report_id, authors = await make_report(service_dsns, season, college=college, **kwargs)
    await review(service_dsns, season, report_id, scores, college=college)
    return report_id, authors


async def fetch(service_dsns: dict[str, str], sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await connect(service_dsns)
    try:
        rows: list[asyncpg.Record] = await conn.fetch(sql, *args)
        return rows
    finally:
        await conn.close()


async def grade(
    client: httpx.AsyncClient, base: str, report_id: UUID, body: dict[str, Any] | None = None
) -> httpx.Response:
    return await client.post(f"{base}/reports/{report_id}/grade", json=body or {}, headers=TEACHER)


async def wait_for_events(
    bootstrap: str, event_type: str, key: str, count: int = 1, *, timeout_s: float = 30
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        found[:] = await events_keyed(bootstrap, event_type, key)
        return len(found) >= count

    await wait_until(arrived, timeout_s=timeout_s, what=f"{count} x {event_type} keyed {key}")
    return found


# Three reviewers of known leniency, and a small fixed wobble so the noise is estimable.
BIASES = {"rv-a": 2.0, "rv-b": 0.0, "rv-c": -2.0}
WOBBLE = (0.3, -0.2, -0.1, 0.2, -0.3, 0.1)


def biased_scores(quality: float, n: int) -> dict[str, float]:
    """rv-a, rv-b and rv-c's scores of the n-th report of this quality (BIASES, WOBBLE)."""
    return {
        reviewer: quality + bias + WOBBLE[(n + k) % len(WOBBLE)]
        for k, (reviewer, bias) in enumerate(BIASES.items())
    }


async def reviewed_reports(
    service_dsns: dict[str, str],
    season: str,
    qualities: list[float],
    *,
    advisor: str | None = None,
    tag: str = "",
) -> tuple[list[UUID], list[tuple[str, ...]]]:
    """Reports of the season (one per quality, in that order) reviewed by rv-a, rv-b and
    rv-c and not graded; their ids and authors (`tag` keeps the authors of two calls apart)."""
    ids: list[UUID] = []
    authors: list[tuple[str, ...]] = []
    for n, quality in enumerate(qualities):
        report_id, people = await reviewed_report(
            service_dsns,
            season,
            biased_scores(quality, n),
            authors=(f"{season}-{tag}lead{n}", f"{season}-{tag}mate{n}"),
            advisor=advisor,
        )
        ids.append(report_id)
        authors.append(people)
    return ids, authors


async def graded_season(
    client: httpx.AsyncClient,
    services: dict[str, str],
    service_dsns: dict[str, str],
    qualities: list[float],
    *,
    advisor: str | None = None,
) -> tuple[str, list[UUID], list[tuple[str, ...]]]:
    """A season whose reports (one per quality, in that order) were each reviewed by
    rv-a, rv-b and rv-c and graded by the teacher; returns the season, ids and authors."""
    season = await make_season(service_dsns)
    ids, authors = await reviewed_reports(service_dsns, season, qualities, advisor=advisor)
    base = api(services)
    for report_id in ids:
        graded = await grade(client, base, report_id)
        assert graded.status_code == 200, graded.text
    return season, ids, authors


async def apply_for_excellence(
    client: httpx.AsyncClient, base: str, report_id: UUID, submitter: str
) -> httpx.Response:
    """The report's submitter applies for the excellence review."""
    return await client.post(
        f"{base}/reports/{report_id}/excellence-application", headers=student(submitter)
    )


# Defense slots: on one morning, rooms and panel members named per test (earlier runs'
# defenses keep theirs busy).
MORNING = datetime(2026, 12, 12, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def slot(room: str, minutes: int, length: int = 30) -> dict[str, str]:
    """A room from MORNING + `minutes` for `length` minutes."""
    start = MORNING + timedelta(minutes=minutes)
    return {
        "room": room,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=length)).isoformat(),
    }


def members(*names: str) -> list[dict[str, object]]:
    """Panel members available at every slot."""
    return [{"person_id": n} for n in names]
