"""Committee review assignment end to end: the run respects every kind of conflict, the
minimum and the loads (or says who is short, storing nothing), late arrivals and one
more reviewer are added without moving anything, and each assignment is an event."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest

from services.evaluation.service.assignments import assign_on_arrival
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.reviews_support import (
    RUBRIC,
    api,
    assignments,
    chair,
    committee,
    new_report,
    new_season,
    put_ok,
    refusal,
    reviewer,
    reviewers_of,
    run,
    student,
    submit_late,
    unique,
)
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

ASSIGNED = "campusflow.evaluation.review.assigned.v1"


async def test_the_run_respects_each_kind_of_conflict_and_balances_loads(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    dsn, base = service_dsns["evaluation"], api(services)
    season = await new_season(dsn)
    a, b, c, d, e = (unique(name) for name in "abcde")
    s = [unique(f"stu{i}") for i in range(8)]
    class_d, class_e = unique("class"), unique("class")
    team = await new_report(dsn, season, authors=[a, s[0], s[1]])  # a is in the team
    advised = await new_report(dsn, season, authors=[s[2]], advisor=b)  # b advises
    declared = await new_report(dsn, season, authors=[s[3]])  # c declares a conflict
    classmate = await new_report(dsn, season, authors=[s[4]])  # d is in s4's class (roster)
    classmate2 = await new_report(dsn, season, authors=[s[5]])  # e's own class is s5's
    person = await new_report(dsn, season, authors=[s[6]])  # a declares a conflict with s6
    unsubmitted = await new_report(dsn, season, authors=[s[7]], submitted=False)
    async with httpx.AsyncClient(timeout=30) as client:
        await committee(client, base, season, [a, b, c, d])
        await put_ok(
            client,
            f"{base}/seasons/{season}/reviewers/{e}",
            {"load": 10, "class_id": class_e},
            chair(),
        )
        await put_ok(client, f"{base}/classes/{class_d}", {"member_ids": [s[4], d]}, chair())
        await put_ok(client, f"{base}/classes/{class_e}", {"member_ids": [s[5]]}, chair())
        declared_by_c = await client.post(
            f"{base}/seasons/{season}/conflicts",
            json={"report_id": str(declared), "reason": "我是该报告作者的室友"},
            headers=reviewer(c),
        )
        assert declared_by_c.status_code == 201, declared_by_c.text
        assert declared_by_c.json()["reviewer_id"] == c
        for_a = await client.post(
            f"{base}/seasons/{season}/conflicts",
            json={"reviewer_id": a, "person_id": s[6], "reason": "亲属关系"},
            headers=chair(),
        )
        assert for_a.status_code == 201, for_a.text
        # A reviewer declares only for themself; a student not at all; both subjects refused.
        other = await client.post(
            f"{base}/seasons/{season}/conflicts",
            json={"reviewer_id": a, "report_id": str(team), "reason": "x"},
            headers=reviewer(c),
        )
        assert other.status_code == 403
        as_student = await client.post(
            f"{base}/seasons/{season}/conflicts",
            json={"report_id": str(team), "reason": "x"},
            headers=student(s[0]),
        )
        assert as_student.status_code == 403
        both = await client.post(
            f"{base}/seasons/{season}/conflicts",
            json={"report_id": str(team), "person_id": s[0], "reason": "x"},
            headers=reviewer(c),
        )
        assert both.status_code == 422

        ran = await run(client, base, season)
        assert ran.status_code == 201, ran.text
        body = ran.json()
        assert body["reports"] == 6  # the unsubmitted report is not assigned
        assert len(body["new_assignments"]) == 12
        assert body["load_spread"] <= 1
        assert sorted(body["loads"].values()) == [2, 2, 2, 3, 3]
        assert body["reviewer_groups"] == 1  # every two reviewers linked by common reports

        found = await assignments(client, base, season)
        assert found["below_minimum"] == []
        assert found["reviewer_groups"] == 1
        assert reviewers_of(found, unsubmitted) == set()
        for report_id, forbidden in (
            (team, a),
            (advised, b),
            (declared, c),
            (classmate, d),
            (classmate2, e),
            (person, a),
        ):
            got = reviewers_of(found, report_id)
            assert len(got) == 2, (report_id, got)
            assert forbidden not in got, (report_id, forbidden, got)
        assert {x["why"] for x in found["assignments"]} == {"initial"}
        loads = Counter(x["reviewer_id"] for x in found["assignments"])
        assert max(loads.values()) - min(loads.values()) <= 1

        reviewers = await client.get(f"{base}/seasons/{season}/reviewers", headers=chair())
        assert {r["reviewer_id"]: r["assigned"] for r in reviewers.json()["items"]} == dict(loads)
        by_d = next(r for r in reviewers.json()["items"] if r["reviewer_id"] == d)
        assert by_d["class_id"] == class_d  # from the roster

    async def assigned_events() -> bool:
        return len(await events_keyed(stack.kafka_bootstrap, ASSIGNED, str(team))) >= 2

    await wait_until(assigned_events, timeout_s=30, what="ReviewAssigned events")
    events = await events_keyed(stack.kafka_bootstrap, ASSIGNED, str(team))
    assert {ev["reviewer_id"] for ev in events} == reviewers_of(found, team)
    assert {ev["why"] for ev in events} == {"initial"}


async def test_a_shortfall_is_refused_naming_the_reports_and_nothing_is_stored(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    dsn, base = service_dsns["evaluation"], api(services)
    season = await new_season(dsn)
    x, y, z = unique("x"), unique("y"), unique("z")
    fine = await new_report(dsn, season, authors=[unique("stu")])
    short = await new_report(dsn, season, authors=[unique("stu")], advisor=x)
    async with httpx.AsyncClient(timeout=30) as client:
        # No rubric yet: the run says what is missing.
        await put_ok(client, f"{base}/seasons/{season}/reviewers/{x}", {"load": 5}, chair())
        no_rubric = await run(client, base, season)
        assert no_rubric.status_code == 409
        assert refusal(no_rubric) == ("rubric", "no_rubric")
        await committee(client, base, season, [y])
        refused = await run(client, base, season)
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert refusal(refused) == ("reviews_per_report", "reviewers_short")
        assert "1 reviewer(s) short over 1 report(s)" in problem["detail"]
        assert f"{short} needs 1 more" in problem["detail"]
        assert str(fine) not in problem["detail"]
        found = await assignments(client, base, season)
        assert found["assignments"] == []  # nothing stored, not even the possible ones
        # Not the chair: refused; unknown season: 404.
        assert (
            await client.post(f"{base}/seasons/{season}/assignment-runs", headers=reviewer(y))
        ).status_code == 403
        assert (await run(client, base, unique("nosuch"))).status_code == 404
        # One more reviewer makes it possible.
        await put_ok(client, f"{base}/seasons/{season}/reviewers/{z}", {"load": 5}, chair())
        ran = await run(client, base, season)
        assert ran.status_code == 201, ran.text
        found = await assignments(client, base, season)
        assert reviewers_of(found, short) == {y, z}
        assert len(reviewers_of(found, fine)) == 2


async def test_late_arrivals_are_assigned_without_reshuffling_and_one_more_for_a_borderline(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    dsn, base = service_dsns["evaluation"], api(services)
    season = await new_season(dsn)
    people = [unique("r") for _ in range(4)]
    early = [await new_report(dsn, season, authors=[unique("stu")]) for _ in range(4)]
    late_author = unique("stu")
    late = await new_report(dsn, season, authors=[late_author], advisor=people[0], submitted=False)
    async with httpx.AsyncClient(timeout=30) as client:
        await committee(client, base, season, people, load=4)
        conn = await asyncpg.connect(dsn)
        try:
            # Before the season's run, an arrival is left for the run.
            await submit_late(dsn, late, late_author, "迟交的报告正文。")
            async with conn.transaction():
                await assign_on_arrival(
                    conn, college=COLLEGE, season=season, report_id=late, now=datetime.now(UTC)
                )
            assert (await assignments(client, base, season))["assignments"] == []
            await conn.execute("UPDATE reports SET current_version = 0 WHERE report_id = $1", late)
            ran = await run(client, base, season)
            assert ran.status_code == 201, ran.text
            before = (await assignments(client, base, season))["assignments"]
            assert len(before) == 8
            await conn.execute("UPDATE reports SET current_version = 1 WHERE report_id = $1", late)
            async with conn.transaction():
                await assign_on_arrival(
                    conn, college=COLLEGE, season=season, report_id=late, now=datetime.now(UTC)
                )
            async with conn.transaction():  # a replay changes nothing
                await assign_on_arrival(
                    conn, college=COLLEGE, season=season, report_id=late, now=datetime.now(UTC)
                )
        finally:
            await conn.close()
        after = (await assignments(client, base, season))["assignments"]
        assert {x["report_id"] for x in before} == {str(r) for r in early}
        assert [x for x in after if x["report_id"] != str(late)] == before  # nothing moved
        mine = [x for x in after if x["report_id"] == str(late)]
        assert len(mine) == 2
        assert {x["why"] for x in mine} == {"late_arrival"}
        assert people[0] not in {x["reviewer_id"] for x in mine}  # the advisor
        loads = Counter(x["reviewer_id"] for x in after)
        assert max(loads.values()) - min(loads.values()) <= 1
        # A second run adds nothing and moves nothing.
        again = await run(client, base, season)
        assert again.status_code == 201 and again.json()["new_assignments"] == []
        assert (await assignments(client, base, season))["assignments"] == after

        # One more reviewer for a borderline report: eligible, not the advisor, then none left.
        held = {x["reviewer_id"] for x in mine}
        one = await client.post(f"{base}/reports/{late}/reviewers/one-more", headers=chair())
        assert one.status_code == 200, one.text
        extra = one.json()["reviewer_id"]
        assert extra not in held and extra != people[0] and extra in people
        none_left = await client.post(f"{base}/reports/{late}/reviewers/one-more", headers=chair())
        assert none_left.json()["reviewer_id"] is None
        final = (await assignments(client, base, season))["assignments"]
        assert [
            x["why"] for x in final if x["reviewer_id"] == extra and x["report_id"] == str(late)
        ] == ["borderline"]
        assert len(final) == len(after) + 1

    async def late_events() -> bool:
        return len(await events_keyed(stack.kafka_bootstrap, ASSIGNED, str(late))) >= 3

    await wait_until(late_events, timeout_s=30, what="ReviewAssigned events")
    whys = Counter(
        ev["why"] for ev in await events_keyed(stack.kafka_bootstrap, ASSIGNED, str(late))
    )
    assert whys == {"late_arrival": 2, "borderline": 1}


async def test_reviewer_settings_refuse_bad_input(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    dsn, base = service_dsns["evaluation"], api(services)
    season = await new_season(dsn)
    person = unique("r")
    url = f"{base}/seasons/{season}/reviewers/{person}"
    async with httpx.AsyncClient(timeout=30) as client:
        for body, field in (
            ({"load": -1}, "load"),
            ({"load": "3"}, "load"),
            ({"load": 2, "x": 1}, "x"),
        ):
            response = await client.put(url, json=body, headers=chair())
            assert response.status_code == 422, response.text
            assert field in response.text
        assert (
            await client.put(url, json={"load": 2}, headers=reviewer(person))
        ).status_code == 403
        assert (await client.put(url, json={"load": 2}, headers=chair("fl"))).status_code == 403
        missing = await client.put(
            f"{base}/seasons/{unique('no')}/reviewers/{person}", json={"load": 2}, headers=chair()
        )
        assert missing.status_code == 404
        listed = await client.get(f"{base}/seasons/{season}/reviewers", headers=chair())
        assert listed.json()["items"] == []
        assert RUBRIC["reviews_per_report"] == 2


async def test_omitted_load_and_reviews_per_report_take_the_service_defaults(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    """EVALUATION_DEFAULT_REVIEWER_LOAD (20) and EVALUATION_DEFAULT_REVIEWS_PER_REPORT (2),
    unset on the test stack: a reviewer PUT without `load`, a rubric PUT without
    `reviews_per_report`; a given value is kept as given."""
    dsn, base = service_dsns["evaluation"], api(services)
    season = await new_season(dsn)
    person, other = unique("r"), unique("r")
    rubric = {k: v for k, v in RUBRIC.items() if k != "reviews_per_report"}
    async with httpx.AsyncClient(timeout=30) as client:
        found = await put_ok(client, f"{base}/seasons/{season}/reviewers/{person}", {}, chair())
        assert found["load"] == 20
        given = await put_ok(
            client, f"{base}/seasons/{season}/reviewers/{other}", {"load": 3}, chair()
        )
        assert given["load"] == 3
        stored = await put_ok(client, f"{base}/seasons/{season}/rubric", rubric, chair())
        assert stored["reviews_per_report"] == 2
        again = await put_ok(
            client, f"{base}/seasons/{season}/rubric", {**rubric, "reviews_per_report": 3}, chair()
        )
        assert again["reviews_per_report"] == 3
