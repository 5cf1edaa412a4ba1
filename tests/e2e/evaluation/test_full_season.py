"""A whole report season through the HTTP API on the running services: the demo's
loaders (recruitment's project teams, scheduling's rota and duty desk, then
tools/demo/evaluation) are the script, loaded twice; everything is then read back
through the API and on Kafka and judged here: reports from the approved teams,
submissions, a conflict-free assignment, calibration that sees the lenient and the severe
reviewer, final grades, the copy graded before the report it copied arrived, then found
by the chair's re-check and decided as misconduct (its credit revoked, the source cleared),
a prize, the defenses, the staff assessment traced to its duty events, visibility, and
bad input refused without changing anything."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shared.events.evaluation import (
    AwardGranted,
    CreditsAwarded,
    CreditsRevoked,
    DefenseScheduled,
    GradeFinalised,
    IntegrityDecided,
    SimilarityFlagged,
    StaffAssessmentPublished,
)
from tests.e2e.evaluation.season_support import (
    CHAIR_HEADERS,
    TEACHER_HEADERS,
    api,
    assignment_problems,
    overlapping_panels,
    per_report,
    read,
)
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.demo.evaluation import seed_evaluation
from tools.demo.evaluation.cast import (
    COLLEGE,
    COPIED_TEAM,
    COPIER,
    INDIVIDUALS,
    OVERRIDE,
    STAFF_MEMBER,
    UPLOADS_DOCX,
    season_name,
)
from tools.demo.evaluation.staff import term_window
from tools.demo.evaluation.submissions import report_key, season_reports
from tools.demo.recruitment.teams import TEAMS, seed_teams
from tools.demo.scheduling.desk import seed_desk
from tools.demo.scheduling.rota import seed_rota
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

APPROVED = {
    t.title: t
    for t in TEAMS
    if t.college == COLLEGE and t.decision is not None and t.decision[0] in ("I", "II")
}


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Season:
    name: str
    first: str
    again: str
    reports: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
async def season(services: dict[str, str]) -> AsyncIterator[Season]:
    async with httpx.AsyncClient(timeout=120) as client:
        await seed_teams(client, services, bearer)
        await seed_rota(client, services, bearer)
        await seed_desk(client, services, bearer)
        first = await seed_evaluation(client, services, bearer)
        again = await seed_evaluation(client, services, bearer)
        name = season_name(datetime.now(UTC))
        listed = await season_reports(client, api(services), bearer, name)
    yield Season(name, first, again, {report_key(r): r for r in listed})


async def test_every_approved_team_and_requirement_has_one_submitted_report(
    season: Season, services: dict[str, str]
) -> None:
    expected = set(APPROVED) | {p.student_id for p in INDIVIDUALS}
    assert set(season.reports) == expected, season.first
    for title, team in APPROVED.items():
        report = season.reports[title]
        assert report["kind"] == "team"
        assert report["submitter_id"] == team.member_ids[0]
        assert set(report["author_ids"]) == set(team.member_ids)
        assert report["advisor_id"] == team.advisor_id
        assert team.decision is not None and report["project_class"] == team.decision[0]
    assert all(r["current_version"] >= 1 and not r["late"] for r in season.reports.values())
    async with httpx.AsyncClient(timeout=30) as client:
        docx = season.reports[UPLOADS_DOCX]
        versions = await read(
            client, f"{api(services)}/reports/{docx['report_id']}/versions", CHAIR_HEADERS
        )
        assert versions["items"][0]["source"] == "docx"


async def test_the_assignment_meets_the_minimum_without_a_conflict_and_calibration_sees_bias(
    season: Season, services: dict[str, str]
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        root = f"{api(services)}/seasons/{season.name}"
        assigned = await read(client, f"{root}/assignments", CHAIR_HEADERS)
        calibration = await read(client, f"{root}/calibration", TEACHER_HEADERS)
    assert assignment_problems(assigned["assignments"], season.reports) == []
    counts = per_report(assigned["assignments"])
    assert {r["report_id"] for r in season.reports.values()} == set(counts)
    assert min(counts.values()) >= 2 and assigned["below_minimum"] == []
    # One group: every two reviewers linked by a chain of common reports, so calibration can
    # compare them all (a split committee once left 吴老师's +6 estimated at +2.8).
    assert assigned["reviewer_groups"] == 1 and calibration["reviewer_groups"] == 1
    bias = {r["reviewer_id"]: r["bias"] for r in calibration["reviewers"]}
    assert bias["cs-t-wu"] > 3 and bias["cs-t-sun"] < -3  # the lenient and the severe one
    for report in calibration["reports"]:
        assert report["raw_mean"] is not None and report["calibrated"] is not None


async def test_the_early_copy_is_found_by_the_recheck_decided_and_its_credit_revoked(
    season: Season, services: dict[str, str], stack: StackEndpoints
) -> None:
    copy = season.reports[COPIER]
    source = season.reports[COPIED_TEAM]
    assert (copy["integrity"], copy["current_version"]) == ("misconduct", 1)
    assert (source["integrity"], source["current_version"]) == ("cleared", 1)
    assert when(copy["first_submitted_at"]) < when(source["first_submitted_at"])
    decided = {k: r["integrity"] for k, r in season.reports.items() if r["integrity"] != "clear"}
    assert decided == {COPIER: "misconduct", COPIED_TEAM: "cleared"}  # nothing else matched
    async with httpx.AsyncClient(timeout=30) as client:
        base = api(services)
        check = await read(client, f"{base}/reports/{copy['report_id']}/similarity", CHAIR_HEADERS)
        source_check = await read(
            client, f"{base}/reports/{source['report_id']}/similarity", CHAIR_HEADERS
        )
        text = (
            await read(client, f"{base}/reports/{copy['report_id']}/versions/1", CHAIR_HEADERS)
        )["body"]
        ledger = await read(client, f"{base}/students/{COPIER}/credits", CHAIR_HEADERS)
        honest = await read(
            client, f"{base}/students/{INDIVIDUALS[0].student_id}/credits", CHAIR_HEADERS
        )
        grade = await read(client, f"{base}/reports/{copy['report_id']}/grade", TEACHER_HEADERS)
    # The copy's stored check is the re-check (after the source arrived), on version 1.
    assert check["version"] == 1 and check["flagged"]
    assert check["containment"] > check["threshold"]
    assert when(check["checked_at"]) > when(source["first_submitted_at"])
    match = next(m for m in check["matches"] if m["report_id"] == source["report_id"])
    for passage in match["passages"]:
        assert text[passage["start"] : passage["end"]] == passage["text"]
    assert [d["decision"] for d in check["decisions"]] == ["misconduct"]
    # The source's own gate check found the copier's earlier text; the chair cleared it.
    assert source_check["flagged"] and source_check["matches"][0]["report_id"] == copy["report_id"]
    assert [d["decision"] for d in source_check["decisions"]] == ["cleared"]
    assert grade["passed"]  # the grade stays; what it earned is revoked
    entries = sorted(ledger["entries"], key=lambda e: e["at"])
    assert [e["kind"] for e in entries] == ["granted", "revoked"] and ledger["balance"] == 0
    assert honest["balance"] == 1

    async def on_kafka() -> bool:
        return all(
            [
                await events_keyed(stack.kafka_bootstrap, CreditsAwarded.event_type, COPIER),
                await events_keyed(stack.kafka_bootstrap, CreditsRevoked.event_type, COPIER),
                await events_keyed(
                    stack.kafka_bootstrap, IntegrityDecided.event_type, copy["report_id"]
                ),
                await events_keyed(
                    stack.kafka_bootstrap, IntegrityDecided.event_type, source["report_id"]
                ),
            ]
        )

    await wait_until(on_kafka, timeout_s=30, what="credits granted and revoked, both decisions")
    decisions = {
        r["report_id"]: [
            e["decision"]
            for e in await events_keyed(
                stack.kafka_bootstrap, IntegrityDecided.event_type, r["report_id"]
            )
        ]
        for r in (copy, source)
    }
    assert decisions == {copy["report_id"]: ["misconduct"], source["report_id"]: ["cleared"]}
    for report in (copy, source):
        flags = await events_keyed(
            stack.kafka_bootstrap, SimilarityFlagged.event_type, report["report_id"]
        )
        assert len(flags) == 1


async def test_grades_a_prize_and_the_defenses(
    season: Season, services: dict[str, str], stack: StackEndpoints
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        root = f"{api(services)}/seasons/{season.name}"
        grades = (await read(client, f"{root}/grades", TEACHER_HEADERS))["items"]
        awards = (await read(client, f"{root}/awards", CHAIR_HEADERS))["items"]
        defenses = (await read(client, f"{root}/defenses", CHAIR_HEADERS))["items"]
    by_report = {g["report_id"]: g for g in grades}
    assert set(by_report) == {r["report_id"] for r in season.reports.values()}
    overridden = by_report[season.reports[OVERRIDE[0]]["report_id"]]
    assert overridden["grade"] == OVERRIDE[1] and overridden["override_reason"] == OVERRIDE[2]
    assert overridden["committee_grade"] != OVERRIDE[1]
    assert any(g["recommended_at"] for g in grades)
    prized = {a["report_id"]: a["prize"] for a in awards if a["withdrawn_at"] is None}
    best = season.reports["乡村留守儿童阅读推广"]["report_id"]
    assert prized.get(best) == "first"
    assert season.reports[COPIER]["report_id"] not in prized
    assert len(defenses) == 2 and all(d["decided_at"] for d in defenses)
    assert all(len(d["panel_ids"]) == 3 for d in defenses)
    assert overlapping_panels(defenses) == []

    async def published() -> bool:
        return all(
            [
                await events_keyed(stack.kafka_bootstrap, GradeFinalised.event_type, best),
                await events_keyed(stack.kafka_bootstrap, AwardGranted.event_type, best),
                await events_keyed(stack.kafka_bootstrap, DefenseScheduled.event_type, best),
            ]
        )

    await wait_until(published, timeout_s=30, what="GradeFinalised, AwardGranted, DefenseScheduled")


async def test_a_student_sees_the_comments_of_their_graded_report_but_no_reviewer(
    season: Season, services: dict[str, str]
) -> None:
    report = season.reports[INDIVIDUALS[1].student_id]
    async with httpx.AsyncClient(timeout=30) as client:
        url = f"{api(services)}/reports/{report['report_id']}/reviews"
        own = await read(client, url, bearer(report["submitter_id"], "student", COLLEGE))
        other = await client.get(url, headers=bearer(COPIER, "student", COLLEGE))
    assert own["grade_final"] and len(own["reviews"]) >= 2
    assert all(r["reviewer_id"] is None and r["score"] is None for r in own["reviews"])
    assert all(r["comment"] for r in own["reviews"])
    assert other.status_code == 404


async def test_the_staff_assessment_traces_every_figure_to_duty_events(
    season: Season, services: dict[str, str], stack: StackEndpoints
) -> None:
    term, _, _ = term_window(datetime.now(UTC).date())
    async with httpx.AsyncClient(timeout=30) as client:
        assessment = await read(
            client,
            f"{api(services)}/terms/{term}/assessments/{STAFF_MEMBER}",
            bearer(STAFF_MEMBER, "student", COLLEGE),
        )
    evidence = {e["event_id"] for e in assessment["evidence"]}
    assert "checked_in" in {e["kind"] for e in assessment["evidence"]}
    for figure in assessment["figures"]:
        assert set(figure["events"]) <= evidence, figure
    assert any(f["events"] for f in assessment["figures"] if f["name"] == "presence")

    async def published() -> bool:
        return bool(
            await events_keyed(
                stack.kafka_bootstrap, StaffAssessmentPublished.event_type, STAFF_MEMBER
            )
        )

    await wait_until(published, timeout_s=30, what="StaffAssessmentPublished")


async def test_loading_the_season_again_changes_nothing(season: Season) -> None:
    assert f"season {season.name} present" in season.again
    assert "(0 submitted now)" in season.again and "; 0 reviews submitted now" in season.again
    assert "assignment present (28 reviews)" in season.again  # 26 by the run, 2 on arrival
    assert f"{COPIED_TEAM} submitted after {COPIER}'s graded report (" in season.first
    assert "(0 now), flagged and cleared" in season.again and "credit balance 0" in season.again
    # the staff assessment is not published again: the same version
    assert re.findall(r"version \d+", season.again) == re.findall(r"version \d+", season.first)


async def test_bad_input_is_refused_and_changes_nothing(
    season: Season, services: dict[str, str]
) -> None:
    base = api(services)
    team = season.reports["乡村留守儿童阅读推广"]
    individual = season.reports[INDIVIDUALS[2].student_id]
    member = bearer(team["author_ids"][1], "student", COLLEGE)
    async with httpx.AsyncClient(timeout=30) as client:
        before = await read(client, f"{base}/reports/{team['report_id']}", CHAIR_HEADERS)
        refusals = [
            # only the leader submits a team's report
            await client.post(
                f"{base}/reports/{team['report_id']}/versions", json={"text": "抄"}, headers=member
            ),
            # a final grade is final
            await client.post(
                f"{base}/reports/{team['report_id']}/grade", json={}, headers=TEACHER_HEADERS
            ),
            # the rubric is in use: reviews were submitted on it
            await client.put(
                f"{base}/seasons/{season.name}/rubric",
                json={
                    "criteria": [{"key": "all", "name": "总评", "weight": 1.0}],
                    "min_score": 0,
                    "max_score": 100,
                },
                headers=CHAIR_HEADERS,
            ),
            # nothing to decide on a report the gate did not flag
            await client.post(
                f"{base}/reports/{individual['report_id']}/integrity-decision",
                json={"decision": "misconduct", "reason": "无"},
                headers=CHAIR_HEADERS,
            ),
        ]
        after = await read(client, f"{base}/reports/{team['report_id']}", CHAIR_HEADERS)
        rubric = await read(client, f"{base}/seasons/{season.name}/rubric", CHAIR_HEADERS)
    for refused in refusals:
        assert 400 <= refused.status_code < 500, refused.text
        assert refused.json()["errors"][0]["rule"], refused.text
    assert [r.json()["errors"][0]["rule"] for r in refusals[1:]] == [
        "grade_final",
        "rubric_in_use",
        "not_flagged",
    ]
    assert after == before
    assert len(rubric["criteria"]) == 3
