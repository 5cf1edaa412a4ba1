"""Misconduct and awards through the chair's integrity decision route: a report decided
as misconduct before the run is left out of it; one decided after the prizes loses its
prize (AwardWithdrawn) and cannot apply for the excellence review."""

from __future__ import annotations

from uuid import UUID

import httpx
import pytest

from shared.events.evaluation import AwardWithdrawn
from tests.e2e.evaluation.grades_support import (
    CHAIR,
    api,
    connect,
    graded_season,
    problem,
    student,
    wait_for_events,
)
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def flag(service_dsns: dict[str, str], report_id: UUID) -> None:
    """The similarity gate flagged a later version (its own tests cover how)."""
    conn = await connect(service_dsns)
    try:
        await conn.execute(
            "UPDATE reports SET integrity = 'flagged' WHERE report_id = $1", report_id
        )
    finally:
        await conn.close()


async def misconduct(client: httpx.AsyncClient, base: str, report_id: UUID) -> None:
    decided = await client.post(
        f"{base}/reports/{report_id}/integrity-decision",
        json={"decision": "misconduct", "reason": "与往届报告大段雷同，认定抄袭"},
        headers=CHAIR,
    )
    assert decided.status_code == 200, decided.text


async def test_misconduct_before_the_run_excludes_and_after_it_withdraws(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    async with httpx.AsyncClient(timeout=30) as client:
        season, ids, authors = await graded_season(
            client, services, service_dsns, [96, 91, 86, 81, 76, 71]
        )
        await flag(service_dsns, ids[0])
        await misconduct(client, base, ids[0])

        run = await client.post(
            f"{base}/seasons/{season}/award-runs",
            json={"screen_ratio": 0.5, "prize_counts": {"first": 1, "second": 1, "third": 1}},
            headers=CHAIR,
        )
        assert run.status_code == 201, run.text
        assert run.json()["ranked"] == 5
        placed = {p["report_id"]: p["prize"] for p in run.json()["screened"]}
        assert placed == {str(ids[1]): "first", str(ids[2]): "second", str(ids[3]): "third"}

        await flag(service_dsns, ids[1])
        await misconduct(client, base, ids[1])
        for_student = await client.get(f"{base}/seasons/{season}/awards", headers=student("s"))
        assert {a["report_id"] for a in for_student.json()["items"]} == {str(ids[2]), str(ids[3])}
        applied = await client.post(
            f"{base}/reports/{ids[1]}/excellence-application", headers=student(authors[1][0])
        )
        assert problem(applied) == (409, "report_id", "misconduct")

    [withdrawn] = await wait_for_events(
        stack.kafka_bootstrap, AwardWithdrawn.event_type, str(ids[1])
    )
    assert withdrawn["prize"] == "first" and "抄袭" in withdrawn["reason"]
    assert (
        await wait_for_events(stack.kafka_bootstrap, AwardWithdrawn.event_type, str(ids[0]), 0)
        == []
    )
