"""Award runs on the real stack: screening passing reports on calibrated scores, prizes
granted (AwardGranted), borderline reports sent for one more review before the cut is
final, withdrawal on misconduct (AwardWithdrawn), who sees what, and the refusals; the
excellence review takes exactly the final run's eligible reports."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from services.evaluation.service.awards import withdraw_for_misconduct
from shared.events.evaluation import AwardGranted, AwardWithdrawn
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.grades_support import (
    CHAIR,
    TEACHER,
    THREE_PRIZES,
    api,
    apply_for_excellence,
    connect,
    fetch,
    grade,
    graded_season,
    problem,
    review,
    reviewed_reports,
    student,
    wait_for_events,
)
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def test_a_clean_run_grants_the_prizes_and_misconduct_withdraws_one(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    async with httpx.AsyncClient(timeout=30) as client:
        # 95 … 50: eight pass (>= 60), two fail and are never screened.
        season, ids, authors = await graded_season(
            client, services, service_dsns, [95, 90, 85, 80, 75, 70, 65, 62, 55, 50]
        )
        run = await client.post(
            f"{base}/seasons/{season}/award-runs", json=THREE_PRIZES, headers=CHAIR
        )
        assert run.status_code == 201, run.text
        body = run.json()
        assert body["status"] == "final" and body["held_back"] == []
        assert body["ranked"] == 8
        placed = [(p["report_id"], p["prize"]) for p in body["screened"]]
        assert placed == [
            (str(ids[0]), "first"),
            (str(ids[1]), "second"),
            (str(ids[2]), "third"),
            (str(ids[3]), None),
        ]
        assert body["excellence_eligible"] == [str(i) for i in ids[:3]]
        assert abs(body["screened"][0]["calibrated_score"] - 95) < 0.5

        again = await client.post(f"{base}/seasons/{season}/award-runs", json={}, headers=CHAIR)
        assert problem(again) == (409, "season", "awards_already_granted")

        seen = await client.get(f"{base}/seasons/{season}/awards", headers=student("anyone"))
        assert seen.status_code == 200
        items = seen.json()["items"]
        assert [(a["report_id"], a["prize"]) for a in items] == placed[:3]
        assert all(a["calibrated_score"] is None for a in items)
        assert "reviewer" not in seen.text

    [granted] = await wait_for_events(stack.kafka_bootstrap, AwardGranted.event_type, str(ids[0]))
    assert granted["prize"] == "first" and granted["author_ids"] == list(authors[0])

    conn = await connect(service_dsns)
    try:
        for _ in range(2):  # idempotent: the second call changes nothing
            async with conn.transaction():
                await withdraw_for_misconduct(
                    conn,
                    college=COLLEGE,
                    report_id=ids[0],
                    reason="抄袭认定：与往届报告大段雷同",
                    now=datetime.now(UTC),
                )
    finally:
        await conn.close()
    [withdrawn] = await wait_for_events(
        stack.kafka_bootstrap, AwardWithdrawn.event_type, str(ids[0])
    )
    assert withdrawn["prize"] == "first" and "抄袭" in withdrawn["reason"]
    async with httpx.AsyncClient(timeout=15) as client:
        for_student = await client.get(f"{base}/seasons/{season}/awards", headers=student("x"))
        assert str(ids[0]) not in for_student.text
        for_chair = await client.get(f"{base}/seasons/{season}/awards", headers=CHAIR)
        [kept] = [a for a in for_chair.json()["items"] if a["report_id"] == str(ids[0])]
        assert kept["withdrawn_at"] is not None and "抄袭" in kept["withdraw_reason"]
        applied = await client.post(
            f"{base}/reports/{ids[0]}/excellence-application", headers=student(authors[0][0])
        )
        assert problem(applied) == (409, "report_id", "misconduct")


async def test_borderline_reports_get_one_more_reviewer_before_the_cut_is_final(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    async with httpx.AsyncClient(timeout=30) as client:
        # 88 and 87.8 straddle the second/third cut-off (87.9): both borderline.
        season, ids, authors = await graded_season(
            client, services, service_dsns, [95, 88, 87.8, 80, 75, 70]
        )
        first = await client.post(
            f"{base}/seasons/{season}/award-runs", json=THREE_PRIZES, headers=CHAIR
        )
        assert first.status_code == 202, first.text
        body = first.json()
        assert body["status"] == "pending"
        held = {h["report_id"]: h for h in body["held_back"]}
        assert set(held) == {str(ids[1]), str(ids[2])}
        assert {h["reviewer_id"] for h in held.values()} == {"rv-d"}
        # The cut is not final: nobody applies for the excellence review yet.
        early = await apply_for_excellence(client, base, ids[0], authors[0][0])
        assert problem(early) == (409, "season", "awards_not_final"), early.text
        assert await fetch(service_dsns, "SELECT 1 FROM awards WHERE season = $1", season) == []
        borderline = await fetch(
            service_dsns,
            "SELECT report_id FROM review_assignments WHERE season = $1 AND why = 'borderline'",
            season,
        )
        assert {r["report_id"] for r in borderline} == {ids[1], ids[2]}

        waiting = await client.post(
            f"{base}/seasons/{season}/award-runs", json=THREE_PRIZES, headers=CHAIR
        )
        assert waiting.status_code == 202
        assert {h["report_id"] for h in waiting.json()["held_back"]} == set(held)
        again = await fetch(
            service_dsns,
            "SELECT count(*) AS n FROM review_assignments WHERE season = $1 AND why = 'borderline'",
            season,
        )
        assert again[0]["n"] == 2  # nobody asked twice

        await review(service_dsns, season, ids[1], {"rv-d": 88.4})
        await review(service_dsns, season, ids[2], {"rv-d": 87.6})
        final = await client.post(
            f"{base}/seasons/{season}/award-runs", json=THREE_PRIZES, headers=CHAIR
        )
        assert final.status_code == 201, final.text
        assert final.json()["status"] == "final"
        prizes = {p["report_id"]: p["prize"] for p in final.json()["screened"]}
        assert prizes == {str(ids[0]): "first", str(ids[1]): "second", str(ids[2]): "third"}
        applied = await apply_for_excellence(client, base, ids[0], authors[0][0])
        assert applied.status_code == 201, applied.text
    for report_id, prize in prizes.items():
        [event] = await wait_for_events(stack.kafka_bootstrap, AwardGranted.event_type, report_id)
        assert event["prize"] == prize


async def test_the_excellence_review_takes_the_final_runs_eligible_reports(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    base = api(services)
    async with httpx.AsyncClient(timeout=30) as client:
        # Eight passing reports, two failing, and three better ones not graded yet: the
        # run waits for their grades (it would leave them out for good), and then ranks
        # only the passing ones; the run's excellence_ratio decides the share.
        season, ids, authors = await graded_season(
            client, services, service_dsns, [95, 90, 85, 80, 75, 70, 65, 62, 55, 50]
        )
        ungraded, _ = await reviewed_reports(service_dsns, season, [99, 98, 97], tag="ungraded-")

        before = await apply_for_excellence(client, base, ids[0], authors[0][0])
        assert problem(before) == (409, "season", "awards_not_final"), before.text

        url = f"{base}/seasons/{season}/award-runs"
        body = THREE_PRIZES | {"excellence_ratio": 0.25}
        unsettled = await client.post(url, json=body, headers=CHAIR)
        assert problem(unsettled) == (409, "season", "season_not_settled"), unsettled.text
        assert all(f"{i} (grade_not_final)" in unsettled.text for i in ungraded)
        assert await fetch(service_dsns, "SELECT 1 FROM award_runs WHERE season = $1", season) == []
        for report_id in ungraded:  # the teacher fails them: no proof of the practice
            failed = await grade(
                client, base, report_id, {"grade": "不及格", "override_reason": "缺少实践证明"}
            )
            assert failed.status_code == 200, failed.text

        run = await client.post(url, json=body, headers=CHAIR)
        assert run.status_code == 201, run.text
        assert run.json()["excellence_eligible"] == [str(ids[0]), str(ids[1])]  # 25% of 8

        applied = await apply_for_excellence(client, base, ids[0], authors[0][0])
        assert applied.status_code == 201, applied.text
        # A final run made before the list was stored (migration 0010): ranked again with
        # the run's own excellence_ratio.
        conn = await connect(service_dsns)
        try:
            await conn.execute(
                "UPDATE award_runs SET excellence_eligible = NULL WHERE season = $1", season
            )
        finally:
            await conn.close()
        applied = await apply_for_excellence(client, base, ids[1], authors[1][0])
        assert applied.status_code == 201, applied.text
        # Third of the passing reports (outside the run's 25%), and a failed one.
        assert problem(await apply_for_excellence(client, base, ids[2], authors[2][0])) == (
            409,
            "report_id",
            "not_in_top_share",
        )
        assert problem(await apply_for_excellence(client, base, ids[8], authors[8][0])) == (
            409,
            "report_id",
            "not_passed",
        )
        listed = await client.get(
            f"{base}/seasons/{season}/excellence-applications", headers=TEACHER
        )
        assert [a["report_id"] for a in listed.json()["items"]] == [str(ids[0]), str(ids[1])]


async def test_a_run_waits_for_an_open_flag_and_the_cleared_report_is_placed(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    """A graded report flagged afterwards (a cohort re-check) has no known place: the one
    final run would leave it out for good, so it waits for the chair's decision."""
    base = api(services)
    async with httpx.AsyncClient(timeout=30) as client:
        season, ids, _ = await graded_season(client, services, service_dsns, [95, 70, 65])
        conn = await connect(service_dsns)
        try:
            await conn.execute(
                "UPDATE reports SET integrity = 'flagged' WHERE report_id = $1", ids[0]
            )
        finally:
            await conn.close()
        url = f"{base}/seasons/{season}/award-runs"
        one_prize = {"screen_ratio": 0.5, "prize_counts": {"first": 1}}
        waiting = await client.post(url, json=one_prize, headers=CHAIR)
        assert problem(waiting) == (409, "season", "season_not_settled"), waiting.text
        assert f"{ids[0]} (integrity_flag_open)" in waiting.text
        decided = await client.post(
            f"{base}/reports/{ids[0]}/integrity-decision",
            json={"decision": "cleared", "reason": "引用已注明出处"},
            headers=CHAIR,
        )
        assert decided.status_code == 200, decided.text
        run = await client.post(url, json=one_prize, headers=CHAIR)
        assert run.status_code == 201, run.text
        first = run.json()["screened"][0]
        assert (first["report_id"], first["prize"]) == (str(ids[0]), "first")  # not left out


async def test_bad_award_runs_are_refused_and_change_nothing(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    base = api(services)
    async with httpx.AsyncClient(timeout=30) as client:
        season, _, authors = await graded_season(client, services, service_dsns, [90, 70])
        url = f"{base}/seasons/{season}/award-runs"
        both = await client.post(
            url,
            json={"prize_counts": {"first": 1}, "prize_ratios": {"first": 1.0}},
            headers=CHAIR,
        )
        assert problem(both) == (422, "prize_counts", "prize_quota")
        over = await client.post(
            url, json={"prize_ratios": {"first": 0.6, "second": 0.6}}, headers=CHAIR
        )
        assert problem(over) == (422, "prize_ratios", "prize_ratios_over_one")
        too_many = await client.post(
            url, json={"prize_counts": {"first": 1, "second": 1}}, headers=CHAIR
        )
        assert problem(too_many) == (409, "prize_counts", "too_many_prizes")
        ratio = await client.post(url, json={"screen_ratio": 1.5}, headers=CHAIR)
        assert ratio.status_code == 422
        by_teacher = await client.post(url, json={}, headers=TEACHER)
        assert by_teacher.status_code == 403
        by_student = await client.post(url, json={}, headers=student(authors[0][0]))
        assert by_student.status_code == 403
        unknown = await client.post(
            f"{base}/seasons/no-such-season/award-runs", json={}, headers=CHAIR
        )
        assert unknown.status_code == 404
        assert await fetch(service_dsns, "SELECT 1 FROM award_runs WHERE season = $1", season) == []


async def test_the_run_waits_while_an_expected_report_may_still_come_on_time(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        season, _, _ = await graded_season(client, services, service_dsns, [95, 80, 70])
        url = f"{api(services)}/seasons/{season}/award-runs"
        conn = await connect(service_dsns)
        try:
            # The window open for another week, and one team's report expected, not in.
            await conn.execute(
                "UPDATE seasons SET closes_at = now() + interval '7 days' WHERE season = $1",
                season,
            )
            await conn.execute(
                "INSERT INTO reports (college, report_id, season, kind, title, submitter_id,"
                " author_ids, expected_at) VALUES ($1, gen_random_uuid(), $2, 'individual',"
                " '社区服务实践报告', 'awaited-1', ARRAY['awaited-1'], now())",
                COLLEGE,
                season,
            )
            waiting = await client.post(url, json={}, headers=CHAIR)
            assert problem(waiting) == (409, "season", "submission_window_open"), waiting.text
            assert "1 expected report(s)" in waiting.json()["errors"][0]["message"]
            assert (
                await fetch(service_dsns, "SELECT 1 FROM award_runs WHERE season = $1", season)
                == []
            )
            # Every expected report in (the awaited one ruled out by an exclusion would do
            # too): the run goes on before the window closes.
            await conn.execute(
                "DELETE FROM reports WHERE season = $1 AND submitter_id = 'awaited-1'", season
            )
            ran = await client.post(url, json={}, headers=CHAIR)
            assert ran.status_code in (201, 202), ran.text
        finally:
            await conn.close()
