"""Grade scales, final grades and recommendations, as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.evaluation.domain.grades import GradeScale
from services.evaluation.repository.grades import GradeRow
from shared.web.fields import Line, StrictBool, Text

Threshold = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class GradeScaleForm(_Form):
    """`kind`: chinese (优/良/中/及格) or letters (A/B/C/D); `thresholds`: the lowest score
    (0–100, the committee's calibrated score) of each grade, strictly decreasing."""

    kind: Literal["chinese", "letters"]
    thresholds: dict[Annotated[str, Field(max_length=8)], Threshold] = Field(
        examples=[{"优": 90, "良": 80, "中": 70, "及格": 60}]
    )


class GradeScaleView(BaseModel):
    college: str
    kind: Literal["chinese", "letters"]
    grades: list[str]
    thresholds: dict[str, float]


def scale_view(scale: GradeScale, kind: Literal["chinese", "letters"]) -> GradeScaleView:
    return GradeScaleView(
        college=scale.college_id,
        kind=kind,
        grades=list(scale.grades),
        thresholds=dict(zip(scale.grades, scale.thresholds, strict=True)),
    )


class GradeForm(_Form):
    """Without `grade` the committee's grade is confirmed; another grade (or 不及格)
    needs `override_reason`. `recommend`: also recommend a top grade to the university."""

    grade: Annotated[Line, Field(min_length=1, max_length=8)] | None = None
    override_reason: Annotated[Text, Field(max_length=2000)] | None = None
    recommend: StrictBool = False


class GradeView(BaseModel):
    """A final grade. Students see no committee score and no teacher id."""

    report_id: UUID
    season: str
    grade: str
    passed: bool
    committee_grade: str
    committee_score: float | None
    override_reason: str | None
    teacher_id: str | None
    finalised_at: datetime
    recommended_at: datetime | None

    @classmethod
    def of(cls, row: GradeRow, *, full: bool = True) -> GradeView:
        return cls(
            report_id=row.report_id,
            season=row.season,
            grade=row.grade,
            passed=row.passed,
            committee_grade=row.committee_grade,
            committee_score=row.committee_score if full else None,
            override_reason=row.override_reason,
            teacher_id=row.teacher_id if full else None,
            finalised_at=row.finalised_at,
            recommended_at=row.recommended_at,
        )


class GradeList(BaseModel):
    items: list[GradeView]
