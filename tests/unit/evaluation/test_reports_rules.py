"""The report rules: the submission window (default, late, not yet open), who submits,
when a team owes its one report, versions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from services.evaluation.domain.reports import (
    Submission,
    Team,
    ensure_report_text,
    ensure_submitter,
    individual_report,
    new_version,
    team_report,
)
from services.evaluation.domain.submission_window import (
    CAMPUS_TZ,
    SubmissionWindow,
    default_window,
    window_of,
)
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

NOW = datetime(2026, 9, 3, 10, 0, tzinfo=UTC)


def test_default_window_is_the_first_two_weeks_of_term_in_campus_time() -> None:
    window = default_window(date(2026, 9, 7))
    assert window.opens_at == datetime(2026, 9, 7, 0, 0, tzinfo=CAMPUS_TZ)
    assert window.opens_at.astimezone(UTC) == datetime(2026, 9, 6, 16, 0, tzinfo=UTC)
    assert window.closes_at - window.opens_at == timedelta(days=14)


def test_window_takes_what_the_chair_sets_and_defaults_the_rest() -> None:
    opens = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    assert window_of(date(2026, 9, 7), opens_at=opens, closes_at=None) == SubmissionWindow(
        opens, opens + timedelta(days=14)
    )
    closes = datetime(2026, 9, 30, tzinfo=UTC)
    only_close = window_of(date(2026, 9, 7), opens_at=None, closes_at=closes)
    assert only_close.opens_at == default_window(date(2026, 9, 7)).opens_at
    assert only_close.closes_at == closes


def test_a_window_closing_before_it_opens_is_refused() -> None:
    opens = datetime(2026, 9, 10, tzinfo=UTC)
    with pytest.raises(RuleBroken) as refused:
        window_of(date(2026, 9, 7), opens_at=opens, closes_at=opens)
    assert (refused.value.rule, refused.value.field, refused.value.invalid) == (
        "window_invalid",
        "closes_at",
        True,
    )


def test_before_the_window_is_refused_inside_on_time_after_late() -> None:
    window = SubmissionWindow(NOW, NOW + timedelta(days=14))
    with pytest.raises(RuleBroken) as refused:
        window.is_late(NOW - timedelta(seconds=1))
    assert refused.value.rule == "window_not_open"
    assert window.is_late(NOW) is False
    assert window.is_late(NOW + timedelta(days=14)) is False  # the closing instant is on time
    assert window.is_late(NOW + timedelta(days=14, seconds=1)) is True
    assert window.is_late(NOW + timedelta(days=400)) is True  # accepted, flagged, never lost


def _team(**changes: object) -> Team:
    values: dict[str, object] = {
        "college": "cs",
        "team_id": uuid4(),
        "season": "2026-autumn",
        "title": "乡村留守儿童关爱行动",
        "leader_id": "s-lead",
        "member_ids": ["s-1", "s-lead", "s-2"],
        "advisor_id": "t-adv",
        "registered_at": NOW,
        "project_class": "I",
        "budget_yuan": 3000,
        "approved_at": NOW,
        "rejected_at": None,
    }
    values.update(changes)
    return Team(**values)  # type: ignore[arg-type]


def test_a_team_owes_its_report_only_once_registered_and_approved_and_not_rejected() -> None:
    assert _team().report_due
    assert not _team(registered_at=None, leader_id=None, title=None).report_due
    assert not _team(approved_at=None).report_due
    assert not _team(rejected_at=NOW).report_due


def test_the_team_report_is_the_leaders_to_submit_and_everyones_to_author() -> None:
    report = team_report(_team(), report_id=uuid4(), now=NOW)
    assert report.kind == "team"
    assert report.submitter_id == "s-lead"
    assert report.author_ids == ["s-lead", "s-1", "s-2"]  # leader first, each once
    assert (report.advisor_id, report.project_class) == ("t-adv", "I")
    with pytest.raises(ValueError):
        team_report(_team(approved_at=None), report_id=uuid4(), now=NOW)


def test_only_the_submitter_submits() -> None:
    report = team_report(_team(), report_id=uuid4(), now=NOW)
    ensure_submitter(report, "s-lead")
    with pytest.raises(RuleBroken) as refused:
        ensure_submitter(report, "s-1")  # an author, not the leader
    assert refused.value.rule == "only_submitter_submits"
    assert "team leader" in refused.value.message
    individual = individual_report(
        college="cs", season="2026-autumn", student_id="s-9", title="", report_id=uuid4(), now=NOW
    )
    ensure_submitter(individual, "s-9")
    with pytest.raises(RuleBroken):
        ensure_submitter(individual, "cs-chair")


def test_report_text_must_have_text_and_stay_under_the_limit() -> None:
    assert (
        ensure_report_text("  调研报告正文  ", field="text", max_characters=100) == "调研报告正文"
    )
    for text, rule in (("  \n ", "report_empty"), ("字" * 101, "report_too_long")):
        with pytest.raises(RuleBroken) as refused:
            ensure_report_text(text, field="text", max_characters=100)
        assert (refused.value.rule, refused.value.field, refused.value.invalid) == (
            rule,
            "text",
            True,
        )


def test_each_submission_is_the_next_version() -> None:
    report = team_report(_team(), report_id=uuid4(), now=NOW)
    submission = Submission(source="text", body="正文", sha256="0" * 64)
    first = new_version(report, submission, submitted_by="s-lead", late=False, now=NOW)
    assert (first.version, first.characters, first.late) == (1, 2, False)
    later = new_version(
        replace(report, current_version=3), submission, submitted_by="s-lead", late=True, now=NOW
    )
    assert (later.version, later.late) == (4, True)


def test_the_award_screen_waits_only_while_an_expected_report_may_come_on_time() -> None:
    opens = datetime(2026, 9, 7, tzinfo=UTC)
    window = SubmissionWindow(opens_at=opens, closes_at=opens + timedelta(days=14))
    inside = opens + timedelta(days=3)
    with pytest.raises(RuleBroken) as raised:
        window.check_none_awaited(inside, awaited=2)
    assert raised.value.rule == "submission_window_open"
    assert "2 expected report(s)" in str(raised.value.message)
    window.check_none_awaited(inside, awaited=0)  # all in: nothing more can come on time
    with pytest.raises(RuleBroken):  # a submission at the close itself is still on time
        window.check_none_awaited(window.closes_at, awaited=5)
    assert not window.is_late(window.closes_at)
    after = window.closes_at + timedelta(microseconds=1)
    assert window.is_late(after)
    window.check_none_awaited(after, awaited=5)  # closed: the ones still out are late
