"""Grade scales per college, the teacher's final grade and recommendations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.evaluation.domain.grades import (
    CHINESE,
    FAIL,
    LETTERS,
    GradeScale,
    finalise,
    recommend,
)
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

AT = datetime(2026, 10, 1, tzinfo=UTC)
CN = GradeScale("c1", CHINESE, (90, 80, 70, 60))
EN = GradeScale("c2", LETTERS, (85, 75, 65, 50))


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (70, "中"), (60, "及格"), (59.99, FAIL)],
)
def test_exact_thresholds_earn_the_grade(score: float, grade: str) -> None:
    assert CN.grade_of(score) == grade


def test_letter_scale_with_its_own_thresholds() -> None:
    assert [EN.grade_of(s) for s in (85, 84.9, 65, 50, 49)] == ["A", "B", "C", "D", FAIL]


@pytest.mark.parametrize(
    ("thresholds", "rule"),
    [
        ((90, 90, 70, 60), "thresholds_not_decreasing"),
        ((90, 95, 70, 60), "thresholds_not_decreasing"),
        ((101, 80, 70, 60), "threshold_out_of_range"),
        ((90, 80, 70, -1), "threshold_out_of_range"),
        ((90, 80, 70), "thresholds_count"),
    ],
)
def test_bad_thresholds_are_refused(thresholds: tuple[float, ...], rule: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        GradeScale("c1", CHINESE, thresholds)
    assert refused.value.rule == rule and refused.value.invalid


def test_unknown_scale_and_out_of_range_score_are_refused() -> None:
    with pytest.raises(RuleBroken):
        GradeScale("c1", ("A", "B"), (90, 80))
    with pytest.raises(RuleBroken) as refused:
        CN.grade_of(100.5)
    assert refused.value.field == "score"


def test_the_committee_grade_is_final_by_default() -> None:
    final = finalise(CN, "r1", 91, "t1", AT)
    assert (final.grade, final.committee_grade, final.overridden, final.reason) == (
        "优",
        "优",
        False,
        None,
    )


def test_override_needs_a_reason_and_records_it() -> None:
    with pytest.raises(RuleBroken) as refused:
        finalise(CN, "r1", 91, "t1", AT, grade="良", reason="  ")
    assert refused.value.field == "override_reason"
    final = finalise(CN, "r1", 91, "t1", AT, grade="良", reason="data not verified")
    assert final.overridden and final.reason == "data not verified" and final.passed
    assert not finalise(CN, "r1", 91, "t1", AT, grade=FAIL, reason="fabricated").passed


def test_a_grade_not_of_the_scale_is_refused() -> None:
    with pytest.raises(RuleBroken) as refused:
        finalise(CN, "r1", 91, "t1", AT, grade="A", reason="x")
    assert refused.value.rule == "unknown_grade"


def test_no_grade_while_an_integrity_flag_is_open() -> None:
    with pytest.raises(RuleBroken) as refused:
        finalise(CN, "r1", 91, "t1", AT, integrity_flag_open=True)
    assert refused.value.rule == "integrity_flag_open" and not refused.value.invalid


def test_only_top_grades_are_recommended() -> None:
    assert recommend(finalise(CN, "r1", 90, "t1", AT), "t1", AT).report_id == "r1"
    assert recommend(finalise(EN, "r2", 85, "t1", AT), "t1", AT).report_id == "r2"
    with pytest.raises(RuleBroken) as refused:
        recommend(finalise(CN, "r3", 89.9, "t1", AT), "t1", AT)
    assert refused.value.rule == "not_outstanding"
