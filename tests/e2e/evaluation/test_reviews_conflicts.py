"""A conflict declared about a report the reviewer already holds, end to end: the held
assignment is released (kept as a record) and ONE replacement appointed, the least loaded
eligible reviewer, announced on Kafka (why conflict_replacement); nobody left shows the
report below the minimum; a submitted review is withdrawn from calibration (kept, shown
to the chair); a final grade refuses; bad input changes nothing. After each change the
season's assignments are judged valid by the independent checker."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from services.evaluation.service.assignments import season_check
from services.evaluation.service.review_conflicts import declare_conflict
from tests.e2e.evaluation.reviews_support import (
    COLLEGE,
    api,
    assignments,
    chair,
    committee,
    finalise_grade,
    new_report,
    new_season,
    put_ok,
    refusal,
    reviewer,
    reviewers_of,
    run,
    scores,
    student,
    unique,
)
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

ASSIGNED = "campusflow.evaluation.review.assigned.v1"


async def checked(dsn: str, season: str) -> Any:
    """The independent checker's verdict on the season's held assignments (must be valid)."""
    conn = await asyncpg.connect(dsn)
    try:
        problem, check = await season_check(conn, college=COLLEGE, season=season)
    finally:
        await conn.close()
    assert check.valid, check
    return problem, check


async def declare(
    client: httpx.AsyncClient, base: str, season: str, body: dict[str, Any], headers: Any
) -> httpx.Response:
    return await client.post(f"{base}/seasons/{season}/conflicts", json=body, headers=headers)


async def test_a_conflict_on_a_held_report_releases_it_and_appoints_the_least_loaded(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    dsn, base = service_dsns["evaluation"], api(services)
    season = await new_season(dsn)
    people = [unique(name) for name in "abcde"]
    reports = [await new_report(dsn, season, authors=[unique("stu")]) for _ in range(4)]
    async with httpx.AsyncClient(timeout=30) as client:
        await committee(client, base, season, people)
        assert (await run(client, base, season)).status_code == 201
        before = await assignments(client, base, season)
        assert {x["report_id"] for x in before["assignments"]} == {str(r) for r in reports}
        loads = Counter(x["reviewer_id"] for x in before["assignments"])
        assert sorted(loads[p] for p in people) == [1, 1, 2, 2, 2]
        held = next(x for x in before["assignments"] if loads[x["reviewer_id"]] == 2)
        a, report = held["reviewer_id"], UUID(held["report_id"])
        on_report = reviewers_of(before, report)
        eligible = [p for p in people if p not in on_report]
        least = min(loads[p] for p in eligible)

        declared = await declare(
            client,
            base,
            season,
            {"report_id": str(report), "reason": "后来发现是表亲"},
            reviewer(a),
        )
        assert declared.status_code == 201, declared.text
        body = declared.json()
        (release,) = body["released"]
        replacement = release["replaced_by"]
        assert release["report_id"] == str(report) and release["released_reviewer_id"] == a
        assert replacement in eligible and loads[replacement] == least
        assert release["review_withdrawn"] is False
        assert release["reviewers"] == 2 and release["below_minimum"] is False

        after = await assignments(client, base, season)
        assert reviewers_of(after, report) == (on_report - {a}) | {replacement}
        assert [
            x["why"]
            for x in after["assignments"]
            if x["reviewer_id"] == replacement and x["report_id"] == str(report)
        ] == ["conflict_replacement"]
        others = [x for x in before["assignments"] if x["report_id"] != str(report)]
        assert [x for x in after["assignments"] if x["report_id"] != str(report)] == others
        (kept,) = after["released"]
        assert (kept["report_id"], kept["reviewer_id"], kept["why"]) == (str(report), a, "initial")
        assert kept["released_for"] == body["conflict_id"] and kept["released_by"] == a
        assert after["below_minimum"] == []
        problem, check = await checked(dsn, season)
        assert (str(report), a) not in {(x.report_id, x.reviewer_id) for x in problem.existing}
        assert check.load_spread <= 1

        # The released reviewer no longer holds it: not in their list, cannot review it.
        mine = await client.get(f"{base}/me/reviews?season={season}", headers=reviewer(a))
        assert str(report) not in {x["report_id"] for x in mine.json()["items"]}
        refused = await client.put(
            f"{base}/reports/{report}/reviews/mine",
            json={"scores": scores(80, 80, 80)},
            headers=reviewer(a),
        )
        assert refused.status_code == 404
        listed = await client.get(f"{base}/seasons/{season}/reviewers", headers=chair())
        counts = {r["reviewer_id"]: r["assigned"] for r in listed.json()["items"]}
        assert counts[a] == loads[a] - 1 and counts[replacement] == loads[replacement] + 1

        # Declared again: the first declaration is kept, nothing more changes.
        again = await declare(
            client, base, season, {"report_id": str(report), "reason": "再次声明"}, reviewer(a)
        )
        assert again.status_code == 201, again.text
        assert again.json()["conflict_id"] == body["conflict_id"]
        assert again.json()["released"] == []
        assert await assignments(client, base, season) == after
        # A new run never gives the report back to the conflicted reviewer.
        assert (await run(client, base, season)).json()["new_assignments"] == []

    async def replaced_on_kafka() -> bool:
        events = await events_keyed(stack.kafka_bootstrap, ASSIGNED, str(report))
        return any(ev["why"] == "conflict_replacement" for ev in events)

    await wait_until(replaced_on_kafka, timeout_s=30, what="ReviewAssigned conflict_replacement")
    events = await events_keyed(stack.kafka_bootstrap, ASSIGNED, str(report))
    replacements = [ev for ev in events if ev["why"] == "conflict_replacement"]
    assert [(ev["reviewer_id"], ev["season"]) for ev in replacements] == [(replacement, season)]


async def test_nobody_eligible_left_releases_anyway_and_shows_below_minimum(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    dsn, base = service_dsns["evaluation"], api(services)
    season = await new_season(dsn)
    a, b, c = unique("a"), unique("b"), unique("c")
    s1, s2 = unique("stu"), unique("stu")
    first = await new_report(dsn, season, authors=[s1])
    second = await new_report(dsn, season, authors=[s2])
    async with httpx.AsyncClient(timeout=30) as client:
        await committee(client, base, season, [a, b])
        assert (await run(client, base, season)).status_code == 201
        # The chair declares, for a, a conflict with the author of the first report.
        declared = await declare(
            client, base, season, {"reviewer_id": a, "person_id": s1, "reason": "亲属"}, chair()
        )
        assert declared.status_code == 201, declared.text
        (release,) = declared.json()["released"]
        assert release["report_id"] == str(first) and release["replaced_by"] is None
        assert release["reviewers"] == 1 and release["below_minimum"] is True
        found = await assignments(client, base, season)
        assert found["below_minimum"] == [{"report_id": str(first), "missing": 1}]
        assert reviewers_of(found, first) == {b} and reviewers_of(found, second) == {a, b}
        assert [(x["report_id"], x["released_by"]) for x in found["released"]] == [
            (str(first), f"{COLLEGE}-chair")
        ]
        await checked(dsn, season)
        # A new reviewer joins: the next run tops the report up, never with a.
        await put_ok(client, f"{base}/seasons/{season}/reviewers/{c}", {"load": 5}, chair())
        topped = await run(client, base, season)
        assert topped.status_code == 201, topped.text
        assert topped.json()["new_assignments"] == [{"report_id": str(first), "reviewer_id": c}]
        final = await assignments(client, base, season)
        assert final["below_minimum"] == [] and reviewers_of(final, first) == {b, c}
        await checked(dsn, season)


async def test_a_submitted_review_is_withdrawn_from_calibration_and_kept(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    dsn, base = service_dsns["evaluation"], api(services)
    season = await new_season(dsn)
    a, b, c = unique("a"), unique("b"), unique("c")
    report = await new_report(dsn, season, authors=[unique("stu")])
    async with httpx.AsyncClient(timeout=30) as client:
        await committee(client, base, season, [a, b], load=1)
        assert (await run(client, base, season)).status_code == 201
        await put_ok(client, f"{base}/seasons/{season}/reviewers/{c}", {"load": 1}, chair())
        for person, given in ((a, scores(95, 95, 95)), (b, scores(70, 70, 70))):
            await put_ok(
                client,
                f"{base}/reports/{report}/reviews/mine",
                {"scores": given, "comment": f"{person} 的意见"},
                reviewer(person),
            )
        url = f"{base}/seasons/{season}/calibration"
        calibrated = (await client.get(url, headers=chair())).json()
        assert calibrated["reports"][0]["reviews"] == 2

        declared = await declare(
            client,
            base,
            season,
            {"report_id": str(report), "reason": "我指导过该学生"},
            reviewer(a),
        )
        assert declared.status_code == 201, declared.text
        (release,) = declared.json()["released"]
        assert release["review_withdrawn"] is True and release["replaced_by"] == c

        calibrated = (await client.get(url, headers=chair())).json()
        (only,) = calibrated["reports"]
        assert only["reviews"] == 1 and only["raw_mean"] == pytest.approx(70.0)
        assert a not in {r["reviewer_id"] for r in calibrated["reviewers"]}
        # Kept for the record, marked, shown to the chair only.
        shown = (await client.get(f"{base}/reports/{report}/reviews", headers=chair())).json()
        by = {r["reviewer_id"]: r for r in shown["reviews"]}
        assert by[a]["withdrawn_at"] is not None and by[a]["score"] == pytest.approx(95.0)
        assert by[b]["withdrawn_at"] is None
        assert {x["reviewer_id"] for x in shown["assigned"]} == {b, c}
        seen_by_b = (
            await client.get(f"{base}/reports/{report}/reviews", headers=reviewer(b))
        ).json()
        assert [r["label"] for r in seen_by_b["reviews"]] == ["mine"]
        gone = await client.get(f"{base}/reports/{report}/reviews", headers=reviewer(a))
        assert gone.status_code == 404
        # The replacement reviews it; calibration counts b and c.
        await put_ok(
            client,
            f"{base}/reports/{report}/reviews/mine",
            {"scores": scores(80, 80, 80)},
            reviewer(c),
        )
        calibrated = (await client.get(url, headers=chair())).json()
        assert calibrated["reports"][0]["reviews"] == 2
        await checked(dsn, season)

        # Once the grade is final, a conflict about it is refused and nothing changes.
        await finalise_grade(dsn, report)
        before = await assignments(client, base, season)
        late = await declare(
            client, base, season, {"report_id": str(report), "reason": "x"}, reviewer(b)
        )
        assert late.status_code == 409, late.text
        assert refusal(late) == ("report_id", "grade_final")
        assert await assignments(client, base, season) == before
        mine = await client.get(f"{base}/seasons/{season}/conflicts", headers=reviewer(b))
        assert mine.json()["items"] == []


async def test_bad_declarations_are_refused_and_change_nothing(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    dsn, base = service_dsns["evaluation"], api(services)
    season = await new_season(dsn)
    a, b = unique("a"), unique("b")
    author = unique("stu")
    report = await new_report(dsn, season, authors=[author])
    elsewhere = await new_report(
        dsn, await new_season(dsn, "fl"), authors=[unique("stu")], college="fl"
    )
    async with httpx.AsyncClient(timeout=30) as client:
        await committee(client, base, season, [a, b])
        assert (await run(client, base, season)).status_code == 201
        before = await assignments(client, base, season)
        url = f"{base}/seasons/{season}/conflicts"
        for body, headers, status, named in (
            ({"report_id": str(uuid4()), "reason": "x"}, reviewer(a), 404, None),
            ({"report_id": str(elsewhere), "reason": "x"}, reviewer(a), 404, None),
            ({"report_id": str(report), "reason": "x"}, student(author), 403, None),
            ({"reviewer_id": b, "report_id": str(report), "reason": "x"}, reviewer(a), 403, None),
            ({"report_id": str(report), "reason": "x"}, reviewer(a, "fl"), 403, None),
            ({"reason": "x"}, reviewer(a), 422, None),
            (
                {"report_id": str(report), "person_id": author, "reason": "x"},
                reviewer(a),
                422,
                None,
            ),
            ({"report_id": str(report), "reason": ""}, reviewer(a), 422, "reason"),
            ({"report_id": "not-a-uuid", "reason": "x"}, reviewer(a), 422, "report_id"),
        ):
            response = await client.post(url, json=body, headers=headers)
            assert response.status_code == status, (body, response.text)
            if named is not None:
                assert named in response.text
        missing = await client.post(
            f"{base}/seasons/{unique('no')}/conflicts",
            json={"report_id": str(report), "reason": "x"},
            headers=reviewer(a),
        )
        assert missing.status_code == 404
        assert await assignments(client, base, season) == before
        listed = await client.get(url, headers=chair())
        assert listed.json()["items"] == []
        await checked(dsn, season)


async def test_a_review_submitted_while_the_conflict_is_declared_waits_and_is_refused(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    dsn, base = service_dsns["evaluation"], api(services)
    season = await new_season(dsn)
    a, b, c = unique("a"), unique("b"), unique("c")
    report = await new_report(dsn, season, authors=[unique("stu")])
    async with httpx.AsyncClient(timeout=30) as client:
        await committee(client, base, season, [a, b, c], load=1)
        assert (await run(client, base, season)).status_code == 201
        held = reviewers_of(await assignments(client, base, season), report)
        conflicted = sorted(held)[0]
        conn = await asyncpg.connect(dsn)
        try:
            declaring = conn.transaction()
            await declaring.start()
            found = await declare_conflict(
                conn,
                college=COLLEGE,
                season=season,
                reviewer_id=conflicted,
                report_id=report,
                person_id=None,
                reason="亲属",
                declared_by=conflicted,
                now=datetime.now(UTC),
            )
            assert [r.report_id for r in found.releases] == [report]
            submitting = asyncio.create_task(
                client.put(
                    f"{base}/reports/{report}/reviews/mine",
                    json={"scores": scores(90, 90, 90)},
                    headers=reviewer(conflicted),
                )
            )
            await asyncio.sleep(1.0)
            assert not submitting.done()  # waits for the declaration's transaction
            await declaring.commit()
            assert (await submitting).status_code == 404
            stored = await conn.fetchval(
                "SELECT count(*) FROM reviews WHERE report_id = $1", report
            )
            assert stored == 0
        finally:
            await conn.close()
        await checked(dsn, season)
