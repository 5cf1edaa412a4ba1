"""Committee review as the API takes and shows it: rosters, reviewers, conflicts, the
rubric, assignment runs, reviews and the calibration view."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from services.evaluation.domain.calibration import Calibration
from services.evaluation.repository.reviewers import RubricRow
from services.evaluation.repository.reviews import AssignedReport
from services.evaluation.service.assignments import AssignmentRun, SeasonAssignments
from services.evaluation.service.review_conflicts import ConflictDeclared
from services.evaluation.service.reviews import ReportReviews
from shared.web.fields import Identifier, Line, StrictBool, StrictInt, Text

Person = Annotated[Identifier, Field(max_length=64)]
Score = Annotated[float, Strict(), Field(allow_inf_nan=False)]
SCORE_BOUND = 1_000_000.0  # a rubric's range stays within ± this (weighted sums stay finite)
Comment = Annotated[Text, Field(max_length=4000)]
Reason = Annotated[Line, Field(min_length=1, max_length=500)]


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- rosters, reviewers, conflicts -----------------------------------------------------


class ClassRosterForm(_Form):
    """The whole roster of the class (replaces the previous one)."""

    member_ids: Annotated[list[Person], Field(max_length=500)]


class ClassRosterView(_View):
    class_id: str
    member_ids: list[str]


class ReviewerForm(_Form):
    """`load`: the most reports this reviewer reviews this season (omitted: the service's
    `EVALUATION_DEFAULT_REVIEWER_LOAD`, 20 unless set); `class_id`: their class (else
    their class roster's, if any); an inactive reviewer gets no new assignment."""

    load: Annotated[StrictInt, Field(ge=0, le=1000)] | None = None
    class_id: Identifier | None = None
    active: StrictBool = True


class ReviewerView(_View):
    reviewer_id: str
    load: int
    class_id: str | None
    active: bool
    assigned: int
    submitted: int


class ReviewerList(BaseModel):
    items: list[ReviewerView]


class ConflictForm(_Form):
    """About one report (`report_id`) or one person (`person_id`: every report they author).
    `reviewer_id`: the chair declares for a reviewer; a reviewer declares for themself."""

    reviewer_id: Person | None = None
    report_id: UUID | None = None
    person_id: Person | None = None
    reason: Reason

    @model_validator(mode="after")
    def _one_subject(self) -> ConflictForm:
        if (self.report_id is None) == (self.person_id is None):
            raise ValueError("give exactly one of report_id and person_id")
        return self


class ConflictView(_View):
    conflict_id: UUID
    reviewer_id: str
    report_id: UUID | None
    person_id: str | None
    reason: str
    declared_by: str
    declared_at: datetime


class ConflictList(BaseModel):
    items: list[ConflictView]


class ReleaseView(_View):
    """A held assignment the conflict released: `replaced_by` null means nobody eligible
    was left (then `below_minimum` is true and the report shows in the season's
    below_minimum); `review_withdrawn`: the reviewer's submitted review left calibration."""

    report_id: UUID
    released_reviewer_id: str
    replaced_by: str | None
    review_withdrawn: bool
    reviewers: int
    below_minimum: bool


class DeclaredConflictView(ConflictView):
    released: list[ReleaseView]

    @classmethod
    def of(cls, found: ConflictDeclared) -> DeclaredConflictView:
        return cls.model_validate(
            {
                **ConflictView.model_validate(found.conflict).model_dump(),
                "released": [ReleaseView.model_validate(r) for r in found.releases],
            }
        )


# --- the rubric ------------------------------------------------------------------------


class CriterionForm(_Form):
    key: Annotated[Identifier, Field(max_length=64, examples=["method"])]
    name: Annotated[Line, Field(min_length=1, max_length=200, examples=["调研方法"])]
    weight: Annotated[float, Strict(), Field(gt=0, le=1, allow_inf_nan=False)]


class RubricForm(_Form):
    """Criteria with weights summing to 1 (within 1e-9); every criterion is scored within
    [min_score, max_score]; `reviews_per_report`: committee reviewers each report needs
    (omitted: the service's `EVALUATION_DEFAULT_REVIEWS_PER_REPORT`, 2 unless set)."""

    criteria: Annotated[list[CriterionForm], Field(min_length=1, max_length=20)]
    min_score: Annotated[Score, Field(ge=-SCORE_BOUND, le=SCORE_BOUND)] = 0.0
    max_score: Annotated[Score, Field(ge=-SCORE_BOUND, le=SCORE_BOUND)] = 100.0
    reviews_per_report: Annotated[StrictInt, Field(ge=1, le=10)] | None = None


class CriterionView(_View):
    key: str
    name: str
    weight: float


class RubricView(BaseModel):
    criteria: list[CriterionView]
    min_score: float
    max_score: float
    reviews_per_report: int
    updated_by: str
    updated_at: datetime


# --- assignment ------------------------------------------------------------------------


class PairView(BaseModel):
    report_id: UUID
    reviewer_id: str


class AssignmentRunView(BaseModel):
    run_id: UUID
    season: str
    reports: int
    new_assignments: list[PairView]
    loads: dict[str, int]
    load_spread: int
    reviewer_groups: int

    @classmethod
    def of(cls, run: AssignmentRun) -> AssignmentRunView:
        return cls(
            run_id=run.run_id,
            season=run.season,
            reports=run.reports,
            new_assignments=[
                PairView(report_id=UUID(a.report_id), reviewer_id=a.reviewer_id)
                for a in run.new_assignments
            ],
            loads=run.loads,
            load_spread=run.load_spread,
            reviewer_groups=run.reviewer_groups,
        )


class AssignmentView(_View):
    report_id: UUID
    reviewer_id: str
    why: Literal["initial", "late_arrival", "borderline", "conflict_replacement"]
    assigned_at: datetime


class ReleasedView(AssignmentView):
    """An assignment released by a conflict its reviewer declared (kept as a record)."""

    released_at: datetime
    released_by: str
    released_for: UUID  # the conflict


class ShortView(BaseModel):
    report_id: UUID
    missing: int


class SeasonAssignmentsView(BaseModel):
    reviews_per_report: int | None
    load_spread: int
    reviewer_groups: int
    assignments: list[AssignmentView]
    below_minimum: list[ShortView]
    released: list[ReleasedView]

    @classmethod
    def of(cls, found: SeasonAssignments) -> SeasonAssignmentsView:
        return cls(
            reviews_per_report=found.reviews_per_report,
            load_spread=found.load_spread,
            reviewer_groups=found.reviewer_groups,
            assignments=[AssignmentView.model_validate(a) for a in found.assignments],
            below_minimum=[
                ShortView(report_id=UUID(s.report_id), missing=s.missing)
                for s in found.below_minimum
            ],
            released=[ReleasedView.model_validate(r) for r in found.released],
        )


class OneMoreView(BaseModel):
    report_id: UUID
    reviewer_id: str | None  # None: nobody eligible with spare load is left


# --- reviews ---------------------------------------------------------------------------


class ReviewForm(_Form):
    scores: Annotated[dict[Identifier, Score], Field(min_length=1, max_length=20)]
    comment: Comment = ""


class ReviewView(_View):
    report_id: UUID
    reviewer_id: str
    scores: dict[str, float]
    score: float
    comment: str
    submitted_at: datetime
    updated_at: datetime


class AssignedReportView(_View):
    report_id: UUID
    season: str
    title: str
    version: int
    body: str
    why: str
    assigned_at: datetime
    review: ReviewView | None


class AssignedReportList(BaseModel):
    items: list[AssignedReportView]

    @classmethod
    def of(cls, found: list[AssignedReport]) -> AssignedReportList:
        return cls(items=[AssignedReportView.model_validate(r) for r in found])


class VisibleReviewView(_View):
    reviewer_id: str | None
    label: str
    scores: dict[str, float] | None
    score: float | None
    comment: str
    submitted_at: datetime | None
    withdrawn_at: datetime | None  # withdrawn from calibration (shown to chair/teacher only)


class ReportReviewsView(_View):
    """`viewer`: how the caller sees the report (chair, teacher, reviewer, author);
    `others_visible` False: reviews may exist this caller may not see yet."""

    report_id: UUID
    viewer: str
    reviews: list[VisibleReviewView]
    others_visible: bool
    assigned: list[AssignmentView]
    grade_final: bool

    @classmethod
    def of(cls, found: ReportReviews) -> ReportReviewsView:
        return cls.model_validate(found)


# --- calibration -----------------------------------------------------------------------


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


class CalibratedReportView(BaseModel):
    """`low`/`high`/`standard_error` None: the noise cannot be estimated yet (unbounded)."""

    report_id: UUID
    reviews: int
    raw_mean: float
    calibrated: float
    standard_error: float | None
    low: float | None
    high: float | None


class ReviewerBiasView(BaseModel):
    reviewer_id: str
    bias: float
    reviews: int
    group: int  # biases compare only between reviewers of one group


class CalibrationView(BaseModel):
    season: str
    reports: list[CalibratedReportView]
    reviewers: list[ReviewerBiasView]
    noise_sd: float | None
    degrees_of_freedom: int
    z: float
    reviewer_groups: int

    @classmethod
    def of(cls, season: str, found: Calibration) -> CalibrationView:
        return cls(
            season=season,
            reports=[
                CalibratedReportView(
                    report_id=UUID(r.report_id),
                    reviews=r.reviews,
                    raw_mean=r.raw_mean,
                    calibrated=r.calibrated,
                    standard_error=_finite(r.standard_error),
                    low=_finite(r.low),
                    high=_finite(r.high),
                )
                for r in found.reports
            ],
            reviewers=[
                ReviewerBiasView(
                    reviewer_id=b.reviewer_id, bias=b.bias, reviews=b.reviews, group=b.group
                )
                for b in found.reviewers
            ],
            noise_sd=found.noise_sd,
            degrees_of_freedom=found.degrees_of_freedom,
            z=found.z,
            reviewer_groups=found.groups,
        )


def rubric_view(row: RubricRow) -> RubricView:
    return RubricView(
        criteria=[CriterionView(**c) for c in row.criteria],
        min_score=row.low,
        max_score=row.high,
        reviews_per_report=row.reviews_per_report,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )
