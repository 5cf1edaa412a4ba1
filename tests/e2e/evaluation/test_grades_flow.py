"""Teacher review on the real stack: the committee grade from the calibrated score, its
confirmation or override with a reason, GradeFinalised with the credits of a pass,
recommendations, the college's scale, who reads a grade, and the refusals."""

from __future__ import annotations

from uuid import uuid4

import httpx
import pytest

from shared.events.evaluation import CreditsAwarded, GradeFinalised, ReportRecommended
from tests.e2e.evaluation.grades_support import (
    CHAIR,
    FL_TEACHER,
    TEACHER,
    api,
    fetch,
    grade,
    make_report,
    make_season,
    problem,
    reviewed_report,
    student,
    unique,
    wait_for_events,
)
from tests.support.auth import bearer
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def test_the_teacher_confirms_the_committee_grade_and_the_pass_credits_the_authors(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    season = await make_season(service_dsns)
    report_id, authors = await reviewed_report(
        service_dsns, season, {"rv-a": 85, "rv-b": 87}, authors=(f"{season}-s1", f"{season}-s2")
    )
    base = api(services)
    async with httpx.AsyncClient(timeout=15) as client:
        final = await grade(client, base, report_id)
        assert final.status_code == 200, final.text
        body = final.json()
        assert (body["grade"], body["committee_grade"], body["passed"]) == ("良", "良", True)
        assert body["committee_score"] == 86.0
        assert body["override_reason"] is None and body["teacher_id"] == "cs-teacher"

        again = await grade(client, base, report_id, {"grade": "优", "override_reason": "再评"})
        assert problem(again) == (409, "report_id", "grade_final")

        mine = await client.get(f"{base}/reports/{report_id}/grade", headers=student(authors[1]))
        assert mine.status_code == 200
        assert mine.json()["grade"] == "良"
        assert mine.json()["teacher_id"] is None and mine.json()["committee_score"] is None
        # Another student learns nothing, not even that the report is there.
        other = await client.get(f"{base}/reports/{report_id}/grade", headers=student("nosy"))
        nowhere = await client.get(f"{base}/reports/{uuid4()}/grade", headers=student("nosy"))
        assert other.status_code == nowhere.status_code == 404
        assert other.json()["title"] == nowhere.json()["title"]

        listed = await client.get(f"{base}/seasons/{season}/grades", headers=CHAIR)
        assert [g["report_id"] for g in listed.json()["items"]] == [str(report_id)]

    [event] = await wait_for_events(
        stack.kafka_bootstrap, GradeFinalised.event_type, str(report_id)
    )
    assert (event["grade"], event["passed"], event["committee_grade"]) == ("良", True, "良")
    assert event["author_ids"] == list(authors) and event["teacher_id"] == "cs-teacher"
    for author in authors:
        credited = await wait_for_events(stack.kafka_bootstrap, CreditsAwarded.event_type, author)
        assert [c["report_id"] for c in credited] == [str(report_id)]


async def test_an_override_needs_a_reason_and_keeps_both_grades(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    season = await make_season(service_dsns)
    report_id, _ = await reviewed_report(service_dsns, season, {"rv-a": 84, "rv-b": 86})
    base = api(services)
    async with httpx.AsyncClient(timeout=15) as client:
        bare = await grade(client, base, report_id, {"grade": "优"})
        assert problem(bare) == (422, "override_reason", "override_without_reason")
        blank = await grade(client, base, report_id, {"grade": "优", "override_reason": "   "})
        assert problem(blank) == (422, "override_reason", "override_without_reason")
        unknown = await grade(client, base, report_id, {"grade": "A", "override_reason": "x"})
        assert problem(unknown) == (422, "grade", "unknown_grade")
        no_reason = await grade(client, base, report_id, {"grade": "A"})  # the grade first
        assert problem(no_reason) == (422, "grade", "unknown_grade")
        assert (
            await fetch(service_dsns, "SELECT 1 FROM grades WHERE report_id = $1", report_id) == []
        )

        kept = await grade(
            client,
            base,
            report_id,
            {"grade": "优", "override_reason": "答辩表现突出，调研数据翔实", "recommend": True},
        )
        assert kept.status_code == 200, kept.text
        body = kept.json()
        assert (body["grade"], body["committee_grade"]) == ("优", "良")
        assert body["override_reason"] == "答辩表现突出，调研数据翔实"
        assert body["recommended_at"] is not None

        twice = await client.post(f"{base}/reports/{report_id}/recommendation", headers=TEACHER)
        assert problem(twice) == (409, "report_id", "already_recommended")

    [event] = await wait_for_events(
        stack.kafka_bootstrap, GradeFinalised.event_type, str(report_id)
    )
    assert event["override_reason"] == "答辩表现突出，调研数据翔实"
    [recommended] = await wait_for_events(
        stack.kafka_bootstrap, ReportRecommended.event_type, str(report_id)
    )
    assert recommended["teacher_id"] == "cs-teacher"


async def test_a_fail_gives_no_credit_and_only_a_top_grade_is_recommended(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    season = await make_season(service_dsns)
    failed, (author,) = await reviewed_report(service_dsns, season, {"rv-a": 50, "rv-b": 54})
    middling, _ = await reviewed_report(service_dsns, season, {"rv-a": 74, "rv-c": 72})
    base = api(services)
    async with httpx.AsyncClient(timeout=15) as client:
        fail = await grade(client, base, failed)
        assert fail.status_code == 200, fail.text
        assert (fail.json()["grade"], fail.json()["passed"]) == ("不及格", False)
        mid = await grade(client, base, middling)
        assert mid.json()["grade"] == "中"
        refused = await client.post(f"{base}/reports/{middling}/recommendation", headers=TEACHER)
        assert problem(refused) == (409, "grade", "not_outstanding")
        ungraded, _ = await make_report(service_dsns, season)
        early = await client.post(f"{base}/reports/{ungraded}/recommendation", headers=TEACHER)
        assert problem(early) == (409, "report_id", "grade_not_final")
    [event] = await wait_for_events(stack.kafka_bootstrap, GradeFinalised.event_type, str(failed))
    assert event["passed"] is False
    entries = await fetch(
        service_dsns, "SELECT * FROM credit_entries WHERE student_id = $1", author
    )
    assert entries == []


async def test_no_grade_under_an_open_flag_for_misconduct_or_without_a_review(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    season = await make_season(service_dsns)
    flagged, _ = await reviewed_report(
        service_dsns, season, {"rv-a": 80, "rv-b": 82}, integrity="flagged"
    )
    misconduct, _ = await reviewed_report(
        service_dsns, season, {"rv-a": 80, "rv-b": 82}, integrity="misconduct"
    )
    unreviewed, _ = await make_report(service_dsns, season)
    base = api(services)
    async with httpx.AsyncClient(timeout=15) as client:
        assert problem(await grade(client, base, flagged)) == (
            409,
            "report_id",
            "integrity_flag_open",
        )
        assert problem(await grade(client, base, misconduct)) == (409, "report_id", "misconduct")
        assert problem(await grade(client, base, unreviewed)) == (
            409,
            "report_id",
            "no_submitted_review",
        )
    written = await fetch(
        service_dsns,
        "SELECT report_id FROM grades WHERE report_id = ANY($1::uuid[])",
        [flagged, misconduct, unreviewed],
    )
    assert written == []


async def test_only_teachers_of_the_college_grade(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    season = await make_season(service_dsns)
    report_id, (author,) = await reviewed_report(service_dsns, season, {"rv-a": 90, "rv-b": 92})
    base = api(services)
    async with httpx.AsyncClient(timeout=15) as client:
        by_student = await client.post(
            f"{base}/reports/{report_id}/grade", json={}, headers=student(author)
        )
        assert by_student.status_code == 403
        by_stranger = await client.post(
            f"{base}/reports/{report_id}/grade", json={}, headers=FL_TEACHER
        )
        assert by_stranger.status_code == 403
        elsewhere = await client.post(
            f"{api(services, 'fl')}/reports/{report_id}/grade", json={}, headers=FL_TEACHER
        )
        assert elsewhere.status_code == 404
        extra = await grade(client, base, report_id, {"grade": "优", "mark": 99})
        assert extra.status_code == 422
        assert (
            await fetch(service_dsns, "SELECT 1 FROM grades WHERE report_id = $1", report_id) == []
        )
        ok = await grade(client, base, report_id, {"recommend": True})
        assert ok.status_code == 200 and ok.json()["grade"] == "优"
        assert ok.json()["recommended_at"] is not None


async def test_a_college_sets_its_scale_and_grades_by_it(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    college = unique("ma")  # a college of its own: the scale is per college
    ma_chair = bearer("ma-chair", "college_admin", college)
    ma_teacher = bearer("ma-teacher", "teacher", college)
    base = api(services, college)
    async with httpx.AsyncClient(timeout=15) as client:
        default = await client.get(f"{base}/grade-scale", headers=ma_teacher)
        assert default.json()["thresholds"] == {"优": 90, "良": 80, "中": 70, "及格": 60}

        unordered = await client.put(
            f"{base}/grade-scale",
            json={"kind": "letters", "thresholds": {"A": 80, "B": 85, "C": 70, "D": 60}},
            headers=ma_chair,
        )
        assert problem(unordered) == (422, "thresholds.B", "thresholds_not_decreasing")
        wrong_keys = await client.put(
            f"{base}/grade-scale",
            json={"kind": "letters", "thresholds": {"优": 90, "良": 80, "中": 70, "及格": 60}},
            headers=ma_chair,
        )
        assert problem(wrong_keys) == (422, "thresholds", "thresholds_grades")
        by_teacher = await client.put(
            f"{base}/grade-scale",
            json={"kind": "letters", "thresholds": {"A": 85, "B": 75, "C": 65, "D": 55}},
            headers=ma_teacher,
        )
        assert by_teacher.status_code == 403
        still = await client.get(f"{base}/grade-scale", headers=ma_teacher)
        assert still.json()["kind"] == "chinese"

        letters = await client.put(
            f"{base}/grade-scale",
            json={"kind": "letters", "thresholds": {"A": 85, "B": 75, "C": 65, "D": 55}},
            headers=ma_chair,
        )
        assert letters.status_code == 200, letters.text
        assert letters.json()["grades"] == ["A", "B", "C", "D"]

        season = await make_season(service_dsns, college)
        report_id, _ = await reviewed_report(
            service_dsns, season, {"rv-a": 86, "rv-b": 88}, college=college
        )
        graded = await client.post(f"{base}/reports/{report_id}/grade", json={}, headers=ma_teacher)
        assert graded.status_code == 200, graded.text
        assert graded.json()["grade"] == "A"


async def test_a_rubric_scored_out_of_ten_maps_onto_the_scale(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    season = await make_season(service_dsns, rubric=(1, 10))
    report_id, _ = await reviewed_report(service_dsns, season, {"rv-a": 9.1, "rv-b": 9.2})
    async with httpx.AsyncClient(timeout=15) as client:
        final = await grade(client, api(services), report_id)
    assert final.status_code == 200, final.text
    # 9.15 on 1–10 is (9.15 - 1) / 9 = 90.56% of the range: 优.
    assert final.json()["committee_score"] == 90.56
    assert final.json()["grade"] == "优"
