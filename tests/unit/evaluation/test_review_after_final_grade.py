"""Who may still review once a report's grade is final: only the reviewer an award run
appointed for a borderline report (why='borderline'), and only until the prizes are
granted; every other assignment is refused with `grade_final`."""

from __future__ import annotations

import pytest

from services.evaluation.service.reviews import refusal_after_final_grade

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("why", ["initial", "late_arrival", "conflict_replacement"])
@pytest.mark.parametrize("granted", [False, True])
def test_a_reviewer_not_asked_for_the_borderline_is_refused(why: str, granted: bool) -> None:
    refusal = refusal_after_final_grade(why=why, awards_granted=granted)
    assert refusal is not None
    assert (refusal.rule, refusal.field) == ("grade_final", "report_id")


def test_the_borderline_reviewer_is_taken_until_the_prizes_are_granted() -> None:
    assert refusal_after_final_grade(why="borderline", awards_granted=False) is None
    refusal = refusal_after_final_grade(why="borderline", awards_granted=True)
    assert refusal is not None
    assert (refusal.rule, refusal.field) == ("awards_granted", "report_id")
