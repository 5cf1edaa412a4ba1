"""The borderline review through the real routes (no SQL shortcut for the review): an award
run holds back a borderline report whose grade is already final and asks one more reviewer;
that reviewer submits (and may revise) through PUT .../reviews/mine although the grade is
final, the next run grants the prizes (AwardGranted on Kafka), and the final grade never
moves. Other reviewers stay refused after the grade is final (409 `grade_final`), and the
borderline reviewer too once the prizes are granted (409 `awards_granted`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest

from shared.events.evaluation import AwardGranted, ReviewSubmitted
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.grades_support import (
    CHAIR,
    TEACHER,
    THREE_PRIZES,
    api,
    fetch,
    graded_season,
    problem,
    wait_for_events,
)
from tests.support.auth import bearer
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


def reviewer(person: str) -> dict[str, str]:
    return bearer(person, "reviewer", COLLEGE)


async def submit(
    client: httpx.AsyncClient, base: str, report_id: UUID, person: str, score: float
) -> httpx.Response:
    return await client.put(
        f"{base}/reports/{report_id}/reviews/mine",
        json={"scores": {"overall": score}, "comment": "补充评审：论证充分，数据可信"},
        headers=reviewer(person),
    )


async def grades_of(client: httpx.AsyncClient, base: str, ids: list[UUID]) -> list[Any]:
    found = []
    for report_id in ids:
        response = await client.get(f"{base}/reports/{report_id}/grade", headers=TEACHER)
        assert response.status_code == 200, response.text
        found.append(response.json())
    return found


async def test_the_borderline_reviewer_submits_after_the_grade_and_the_run_grants(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    async with httpx.AsyncClient(timeout=30) as client:
        # Three reviews each; 88 and 87.8 straddle the second/third cut-off: borderline.
        season, ids, _ = await graded_season(
            client, services, service_dsns, [95, 88, 87.8, 80, 75, 70]
        )
        graded_before = await grades_of(client, base, ids)
        rows_before = await fetch(
            service_dsns, "SELECT * FROM grades WHERE season = $1 ORDER BY report_id", season
        )

        first = await client.post(
            f"{base}/seasons/{season}/award-runs", json=THREE_PRIZES, headers=CHAIR
        )
        assert first.status_code == 202, first.text
        assert first.json()["status"] == "pending"
        held = {h["report_id"]: h["reviewer_id"] for h in first.json()["held_back"]}
        assert held == {str(ids[1]): "rv-d", str(ids[2]): "rv-d"}

        # The grades are final: a reviewer of the first round may not change their review,
        # and one more reviewer not asked about a report is not even told it exists.
        initial = await submit(client, base, ids[1], "rv-a", 99)
        assert problem(initial) == (409, "report_id", "grade_final")
        stranger = await submit(client, base, ids[0], "rv-d", 99)
        assert stranger.status_code == 404, stranger.text
        # Bad input from the borderline reviewer: 422 naming the field, nothing kept.
        bad = await client.put(
            f"{base}/reports/{ids[1]}/reviews/mine",
            json={"scores": {"overall": 180}},
            headers=reviewer("rv-d"),
        )
        assert bad.status_code == 422, bad.text
        assert problem(bad) == (422, "scores.overall", "score_out_of_range")
        assert (
            await fetch(
                service_dsns,
                "SELECT 1 FROM reviews WHERE season = $1 AND reviewer_id = 'rv-d'",
                season,
            )
            == []
        )

        # The borderline reviewer submits through the route, and may revise before the grant.
        for report_id, score in ((ids[1], 88.9), (ids[1], 88.4), (ids[2], 87.6)):
            taken = await submit(client, base, report_id, "rv-d", score)
            assert taken.status_code == 200, taken.text
            assert taken.json()["score"] == pytest.approx(score)
        revised = await fetch(
            service_dsns,
            "SELECT score FROM reviews WHERE report_id = $1 AND reviewer_id = 'rv-d'",
            ids[1],
        )
        assert [r["score"] for r in revised] == [pytest.approx(88.4)]  # one review, revised

        final = await client.post(
            f"{base}/seasons/{season}/award-runs", json=THREE_PRIZES, headers=CHAIR
        )
        assert final.status_code == 201, final.text
        assert final.json()["status"] == "final" and final.json()["held_back"] == []
        prizes = {p["report_id"]: p["prize"] for p in final.json()["screened"]}
        assert prizes == {str(ids[0]): "first", str(ids[1]): "second", str(ids[2]): "third"}

        # After the grant the borderline review is closed too; the review stays as it was.
        late = await submit(client, base, ids[1], "rv-d", 70)
        assert problem(late) == (409, "report_id", "awards_granted")
        kept = await fetch(
            service_dsns,
            "SELECT score FROM reviews WHERE report_id = $1 AND reviewer_id = 'rv-d'",
            ids[1],
        )
        assert [r["score"] for r in kept] == [pytest.approx(88.4)]

        # The final grades never moved (the borderline reviews fed the screening only).
        assert await grades_of(client, base, ids) == graded_before
        rows_after = await fetch(
            service_dsns, "SELECT * FROM grades WHERE season = $1 ORDER BY report_id", season
        )
        assert [dict(r) for r in rows_after] == [dict(r) for r in rows_before]

    for report_id, prize in prizes.items():
        [event] = await wait_for_events(stack.kafka_bootstrap, AwardGranted.event_type, report_id)
        assert event["prize"] == prize and event["season"] == season
    submitted = await wait_for_events(
        stack.kafka_bootstrap, ReviewSubmitted.event_type, str(ids[1]), count=2
    )
    by_d = [e for e in submitted if e["reviewer_id"] == "rv-d"]
    assert [e["score"] for e in by_d] == [pytest.approx(88.9), pytest.approx(88.4)]
