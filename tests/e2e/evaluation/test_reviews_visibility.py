"""Reviews end to end: who sees which reviews when (chair, teacher, assigned reviewer
before and after their own submission, unassigned reviewer, author before and after the
final grade, another student, another college), scores checked against the rubric, and
the rubric's own refusals."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.e2e.evaluation.reviews_support import (
    RUBRIC,
    api,
    chair,
    committee,
    finalise_grade,
    new_report,
    new_season,
    refusal,
    reviewer,
    run,
    scores,
    student,
    teacher,
    unique,
)
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

SUBMITTED = "campusflow.evaluation.review.submitted.v1"


async def reviews_seen(
    client: httpx.AsyncClient, base: str, report_id: UUID, headers: dict[str, str]
) -> httpx.Response:
    return await client.get(f"{base}/reports/{report_id}/reviews", headers=headers)


async def seen_ok(
    client: httpx.AsyncClient, base: str, report_id: UUID, headers: dict[str, str]
) -> dict[str, Any]:
    response = await reviews_seen(client, base, report_id, headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def submit(
    client: httpx.AsyncClient, base: str, report_id: UUID, person: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.put(
        f"{base}/reports/{report_id}/reviews/mine", json=body, headers=reviewer(person)
    )


async def test_who_sees_which_reviews_and_when(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    dsn, base = service_dsns["evaluation"], api(services)
    season = await new_season(dsn)
    people = sorted(unique("r") for _ in range(3))
    author, stranger = unique("stu"), unique("stu")
    report_id = await new_report(dsn, season, authors=[author], body="报告正文：调研了社区养老。")
    async with httpx.AsyncClient(timeout=30) as client:
        await committee(client, base, season, people)
        assert (await run(client, base, season)).status_code == 201
        as_chair = await seen_ok(client, base, report_id, chair())
        assert as_chair["viewer"] == "chair" and as_chair["reviews"] == []
        first, second = sorted(a["reviewer_id"] for a in as_chair["assigned"])
        (outsider,) = set(people) - {first, second}

        # Before anyone submits.
        mine = await seen_ok(client, base, report_id, reviewer(first))
        assert (mine["viewer"], mine["reviews"], mine["others_visible"]) == ("reviewer", [], False)
        assert (await reviews_seen(client, base, report_id, reviewer(outsider))).status_code == 404
        assert (await reviews_seen(client, base, report_id, student(stranger))).status_code == 404
        assert (await reviews_seen(client, base, report_id, chair("fl"))).status_code == 403
        early = await seen_ok(client, base, report_id, student(author))
        assert (early["viewer"], early["reviews"], early["grade_final"]) == ("author", [], False)

        # Reviewing an unassigned report is not found, changing nothing.
        unassigned = await submit(client, base, report_id, outsider, {"scores": scores(80, 80, 80)})
        assert unassigned.status_code == 404

        # The second reviewer submits; the first still sees nothing of it.
        by_second = await submit(
            client, base, report_id, second, {"scores": scores(90, 70, 80), "comment": "结构清晰"}
        )
        assert by_second.status_code == 200, by_second.text
        assert by_second.json()["score"] == pytest.approx(0.4 * 90 + 0.4 * 70 + 0.2 * 80)
        still = await seen_ok(client, base, report_id, reviewer(first))
        assert still["reviews"] == [] and still["others_visible"] is False
        assert "结构清晰" not in str(still)

        # Bad scores: 422 naming the criterion, nothing stored.
        for body, field, rule in (
            ({"scores": scores(80, 70, 101)}, "scores.writing", "score_out_of_range"),
            ({"scores": scores(-1, 70, 90)}, "scores.method", "score_out_of_range"),
            ({"scores": {"method": 80, "writing": 90}}, "scores.findings", "criterion_not_scored"),
            (
                {"scores": {**scores(80, 70, 90), "style": 50}},
                "scores.style",
                "unknown_criterion",
            ),
        ):
            refused = await submit(client, base, report_id, first, body)
            assert refused.status_code == 422, refused.text
            assert refusal(refused) == (field, rule)
        as_text = await submit(
            client, base, report_id, first, {"scores": {**scores(80, 70, 90), "method": "80"}}
        )
        assert as_text.status_code == 422 and "scores.method" in as_text.text
        assert len((await seen_ok(client, base, report_id, chair()))["reviews"]) == 1

        # The first submits: now they see the other's scores, not who gave them.
        by_first = await submit(
            client, base, report_id, first, {"scores": scores(60, 60, 60), "comment": "数据不足"}
        )
        assert by_first.status_code == 200, by_first.text
        after = await seen_ok(client, base, report_id, reviewer(first))
        assert after["others_visible"] is True
        own, other = after["reviews"]
        assert (own["label"], own["reviewer_id"], own["score"]) == ("mine", first, 60)
        assert other["reviewer_id"] is None and other["label"] == "reviewer 1"
        assert other["scores"] == scores(90, 70, 80) and other["comment"] == "结构清晰"
        assert second not in str(after)
        listed = await client.get(
            f"{base}/me/reviews", params={"season": season}, headers=reviewer(first)
        )
        (item,) = listed.json()["items"]
        assert item["body"] == "报告正文：调研了社区养老。" and item["review"]["score"] == 60

        # Chair and teacher see everything, with identities.
        for headers, viewer in ((chair(), "chair"), (teacher(), "teacher")):
            full = await seen_ok(client, base, report_id, headers)
            assert full["viewer"] == viewer
            assert [r["reviewer_id"] for r in full["reviews"]] == [second, first]

        # A resubmission before the grade is final updates the review.
        again = await submit(
            client, base, report_id, first, {"scores": scores(70, 70, 70), "comment": "补充后尚可"}
        )
        assert again.status_code == 200
        assert again.json()["score"] == pytest.approx(70)
        assert again.json()["submitted_at"] == by_first.json()["submitted_at"]
        # The rubric no longer changes once reviews exist.
        locked = await client.put(f"{base}/seasons/{season}/rubric", json=RUBRIC, headers=chair())
        assert locked.status_code == 409 and refusal(locked) == ("criteria", "rubric_in_use")

        # The author: still nothing until the grade is final; then comments only.
        assert (await seen_ok(client, base, report_id, student(author)))["reviews"] == []
        await finalise_grade(dsn, report_id)
        final = await seen_ok(client, base, report_id, student(author))
        assert final["grade_final"] is True
        assert [
            (r["comment"], r["reviewer_id"], r["scores"], r["score"]) for r in final["reviews"]
        ] == [
            ("结构清晰", None, None, None),
            ("补充后尚可", None, None, None),
        ]
        assert first not in str(final) and second not in str(final)
        closed = await submit(client, base, report_id, second, {"scores": scores(10, 10, 10)})
        assert closed.status_code == 409 and refusal(closed) == ("report_id", "grade_final")

    async def three_submissions() -> bool:
        return len(await events_keyed(stack.kafka_bootstrap, SUBMITTED, str(report_id))) >= 3

    await wait_until(three_submissions, timeout_s=30, what="ReviewSubmitted events")
    events = await events_keyed(stack.kafka_bootstrap, SUBMITTED, str(report_id))
    assert [(e["reviewer_id"], e["score"]) for e in events] == [
        (second, 80),
        (first, 60),
        (first, 70),
    ]


async def test_a_bad_rubric_is_refused_naming_the_field(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    dsn, base = service_dsns["evaluation"], api(services)
    season = await new_season(dsn)
    url = f"{base}/seasons/{season}/rubric"
    two = [{"key": "a", "name": "甲", "weight": 0.5}, {"key": "b", "name": "乙", "weight": 0.4}]
    async with httpx.AsyncClient(timeout=30) as client:
        for body, field, rule in (
            ({"criteria": two}, "criteria.weight", "weights_not_one"),
            (
                {"criteria": [{**two[0]}, {**two[0]}]},
                "criteria.a",
                "duplicate_criterion",
            ),
            ({**RUBRIC, "min_score": 100, "max_score": 0}, "score_range", "bad_score_range"),
        ):
            refused = await client.put(url, json=body, headers=chair())
            assert refused.status_code == 422, refused.text
            assert refusal(refused) == (field, rule)
        for body, field in (
            ({**RUBRIC, "reviews_per_report": 0}, "reviews_per_report"),
            ({"criteria": []}, "criteria"),
            ({"criteria": [{"key": "a", "name": "甲", "weight": "1"}]}, "weight"),
        ):
            refused = await client.put(url, json=body, headers=chair())
            assert refused.status_code == 422 and field in refused.text, refused.text
        assert (
            await client.put(url, json=RUBRIC, headers=reviewer(unique("r")))
        ).status_code == 403
        assert (
            await client.get(url, headers=student(unique("stu")))
        ).status_code == 404  # none set
        ok = await client.put(url, json=RUBRIC, headers=chair())
        assert ok.status_code == 200, ok.text
        shown = (await client.get(url, headers=student(unique("stu")))).json()
        assert [c["key"] for c in shown["criteria"]] == ["method", "findings", "writing"]
        assert shown["reviews_per_report"] == 2
        missing = await client.put(
            f"{base}/seasons/{unique('no')}/rubric", json=RUBRIC, headers=chair()
        )
        assert missing.status_code == 404
