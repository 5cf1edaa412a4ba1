"""Grades: per-college scales (优/良/中/及格 or A–D), a teacher's final grade, recommendations.

A scale lists its grades best first with their lower thresholds, strictly decreasing
and within the score range; a score at a threshold gets that grade (>=); a score below
the lowest threshold fails (no grade of the scale). The teacher finalises the grade:
it may differ from the committee's only with a recorded reason, and no grade is
final while an integrity flag is open. Only a top grade (优 or A) can be recommended to
the university level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from shared.rules import RuleBroken

CHINESE = ("优", "良", "中", "及格")
LETTERS = ("A", "B", "C", "D")
FAIL = "不及格"
TOP_GRADES = frozenset({"优", "A"})


@dataclass(frozen=True)
class GradeScale:
    """A college's scale: grades best first, each with the lowest score that earns it."""

    college_id: str
    grades: tuple[str, ...]
    thresholds: tuple[float, ...]
    low: float = 0.0
    high: float = 100.0

    def __post_init__(self) -> None:
        if self.grades not in (CHINESE, LETTERS):
            raise RuleBroken(
                "unknown_scale",
                field="grades",
                message="the grades are 优/良/中/及格 or A/B/C/D",
                invalid=True,
            )
        if len(self.thresholds) != len(self.grades):
            raise RuleBroken(
                "thresholds_count",
                field="thresholds",
                message=f"{len(self.grades)} thresholds are needed, one per grade",
                invalid=True,
            )
        for i, t in enumerate(self.thresholds):
            if not math.isfinite(t) or not self.low <= t <= self.high:
                raise RuleBroken(
                    "threshold_out_of_range",
                    field=f"thresholds.{self.grades[i]}",
                    message=f"the threshold of {self.grades[i]} must be within the score range",
                    invalid=True,
                )
            if i and t >= self.thresholds[i - 1]:
                raise RuleBroken(
                    "thresholds_not_decreasing",
                    field=f"thresholds.{self.grades[i]}",
                    message="thresholds must be strictly decreasing, best grade first",
                    invalid=True,
                )

    def grade_of(self, score: float) -> str:
        """The grade of a score (a threshold reached earns it); FAIL below the lowest."""
        if not math.isfinite(score) or not self.low <= score <= self.high:
            raise RuleBroken(
                "score_out_of_range",
                field="score",
                message="the score is out of range",
                invalid=True,
            )
        for grade, threshold in zip(self.grades, self.thresholds, strict=True):
            if score >= threshold:
                return grade
        return FAIL


@dataclass(frozen=True)
class FinalGrade:
    """The teacher's final grade beside the committee's; `reason` records an override."""

    report_id: str
    committee_grade: str
    grade: str
    teacher_id: str
    reason: str | None
    at: datetime

    @property
    def overridden(self) -> bool:
        return self.grade != self.committee_grade

    @property
    def passed(self) -> bool:
        return self.grade != FAIL


def finalise(
    scale: GradeScale,
    report_id: str,
    committee_score: float,
    teacher_id: str,
    at: datetime,
    *,
    grade: str | None = None,
    reason: str | None = None,
    integrity_flag_open: bool = False,
) -> FinalGrade:
    """The final grade: the committee's by default, another one only with a reason."""
    if integrity_flag_open:
        raise RuleBroken(
            "integrity_flag_open",
            field="report_id",
            message="the report has an open integrity flag; it cannot be graded until decided",
        )
    committee_grade = scale.grade_of(committee_score)
    chosen = committee_grade if grade is None else grade
    if chosen not in (*scale.grades, FAIL):
        raise RuleBroken(
            "unknown_grade",
            field="grade",
            message=f"{chosen!r} is not a grade of this college's scale",
            invalid=True,
        )
    cleaned = reason.strip() if reason else None
    if chosen != committee_grade and not cleaned:
        raise RuleBroken(
            "override_without_reason",
            field="override_reason",  # as the teacher's form names it
            message="overriding the committee's grade needs a recorded reason",
            invalid=True,
        )
    return FinalGrade(report_id, committee_grade, chosen, teacher_id, cleaned, at)


@dataclass(frozen=True)
class Recommendation:
    """An outstanding report recommended to the university level."""

    report_id: str
    teacher_id: str
    at: datetime


def recommend(final: FinalGrade, teacher_id: str, at: datetime) -> Recommendation:
    """Only a final top grade (优 or A) can be recommended."""
    if final.grade not in TOP_GRADES:
        raise RuleBroken(
            "not_outstanding",
            field="grade",
            message="only a report graded 优 or A can be recommended to the university level",
        )
    return Recommendation(final.report_id, teacher_id, at)
