"""The calibration view end to end: reviews submitted through the API with injected
reviewer leniency and severity; the endpoint's figures equal domain.calibration's on the
same weighted scores, and the hooks GRADES-AWARDS reads give the same numbers."""

from __future__ import annotations

import math

import asyncpg
import httpx
import pytest

from services.evaluation.domain.calibration import Review, calibrate
from services.evaluation.service.calibrations import report_scores, season_calibration
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.reviews_support import (
    RUBRIC,
    api,
    assignments,
    chair,
    committee,
    new_report,
    new_season,
    reviewer,
    run,
    student,
    teacher,
    unique,
)

pytestmark = pytest.mark.e2e

WEIGHTS = {c["key"]: c["weight"] for c in RUBRIC["criteria"]}


async def test_calibration_matches_the_domain_on_the_same_reviews(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    dsn, base = service_dsns["evaluation"], api(services)
    season = await new_season(dsn)
    people = sorted(unique("r") for _ in range(4))
    bias = dict(zip(people, (8.0, -6.0, 0.0, -2.0), strict=True))
    reports = [await new_report(dsn, season, authors=[unique("stu")]) for _ in range(6)]
    quality = {r: 55.0 + 6 * i for i, r in enumerate(reports)}
    expected: list[Review] = []
    async with httpx.AsyncClient(timeout=30) as client:
        empty = await client.get(f"{base}/seasons/{season}/calibration", headers=chair())
        assert empty.status_code == 200 and empty.json()["reports"] == []
        await committee(client, base, season, people, rubric={**RUBRIC, "reviews_per_report": 3})
        assert (await run(client, base, season)).status_code == 201
        found = await assignments(client, base, season)
        assert len(found["assignments"]) == 18
        for k, pair in enumerate(found["assignments"]):
            base_score = quality[next(r for r in reports if str(r) == pair["report_id"])]
            level = base_score + bias[pair["reviewer_id"]]
            # the weighted score keeps 0.6 of the noise (with `level - noise` on findings it
            # cancelled: an exact fit, a zero-width interval, low == calibrated == high)
            noise = (-1.5, 0.5, 1.0)[k % 3]
            given = {"method": level + noise, "findings": level + noise / 2, "writing": level}
            response = await client.put(
                f"{base}/reports/{pair['report_id']}/reviews/mine",
                json={"scores": given, "comment": "评分"},
                headers=reviewer(pair["reviewer_id"]),
            )
            assert response.status_code == 200, response.text
            weighted = math.fsum(WEIGHTS[key] * value for key, value in given.items())
            assert response.json()["score"] == pytest.approx(weighted)
            expected.append(Review(pair["report_id"], pair["reviewer_id"], weighted))

        view = await client.get(f"{base}/seasons/{season}/calibration", headers=teacher())
        assert view.status_code == 200, view.text
        for headers in (reviewer(people[0]), student(unique("stu")), chair("fl")):
            refused = await client.get(f"{base}/seasons/{season}/calibration", headers=headers)
            assert refused.status_code == 403
        missing = await client.get(f"{base}/seasons/{unique('no')}/calibration", headers=chair())
        assert missing.status_code == 404

    body = view.json()
    truth = calibrate(expected)
    assert body["degrees_of_freedom"] == truth.degrees_of_freedom > 0
    assert body["noise_sd"] == pytest.approx(truth.noise_sd, rel=1e-9)
    assert [r["report_id"] for r in body["reports"]] == [r.report_id for r in truth.reports]
    for shown, want in zip(body["reports"], truth.reports, strict=True):
        assert shown["reviews"] == want.reviews == 3
        for name in ("raw_mean", "calibrated", "standard_error", "low", "high"):
            assert shown[name] == pytest.approx(getattr(want, name), rel=1e-9, abs=1e-9), name
        assert shown["low"] < shown["calibrated"] < shown["high"]
    assert body["reviewer_groups"] == truth.groups == 1
    assert {b["group"] for b in body["reviewers"]} == {0}
    shown_bias = {b["reviewer_id"]: b["bias"] for b in body["reviewers"]}
    assert shown_bias == pytest.approx({b.reviewer_id: b.bias for b in truth.reviewers}, abs=1e-9)
    # The lenient reviewer is found lenient, the severe one severe; raw means are kept.
    assert max(shown_bias, key=shown_bias.__getitem__) == people[0]
    assert min(shown_bias, key=shown_bias.__getitem__) == people[1]

    conn = await asyncpg.connect(dsn)
    try:
        hooked = await season_calibration(conn, college=COLLEGE, season=season)
        assert hooked == truth
        one = await report_scores(conn, college=COLLEGE, report_id=reports[0])
        want = truth.report(str(reports[0]))
        assert (one.reviews, one.raw_mean, one.calibrated, one.low, one.high) == (
            want.reviews,
            want.raw_mean,
            want.calibrated,
            want.low,
            want.high,
        )
        unreviewed = await new_report(dsn, season, authors=[unique("stu")])
        nothing = await report_scores(conn, college=COLLEGE, report_id=unreviewed)
        assert (nothing.reviews, nothing.raw_mean, nothing.calibrated) == (0, None, None)
    finally:
        await conn.close()
