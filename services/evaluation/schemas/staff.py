"""Staff assessment (考核) as the API takes and shows it: terms, officers' scores and
sanctions, and assessments whose every figure names the events it came from."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.evaluation.domain.officer_sanctions import (
    REASON_MAX_LENGTH,
    OfficerSanctionKind,
    OrganisationKind,
)
from services.evaluation.domain.staff_assessment import SCORE_MAX, SCORE_MIN, Criterion
from services.evaluation.repository.staff import (
    AssessmentRow,
    FactRow,
    SanctionRow,
    ScoreRow,
    TermRow,
)
from shared.web.fields import AwareDateTime, Identifier, Text

Score = Annotated[float, Field(ge=SCORE_MIN, le=SCORE_MAX, allow_inf_nan=False)]


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TermForm(_Form):
    """The term's window: shift, sign-in and handover facts count in [starts_at, ends_at);
    attendance and sanction facts count when they carry the term's label."""

    starts_at: AwareDateTime
    ends_at: AwareDateTime


class TermView(BaseModel):
    term: str
    starts_at: datetime
    ends_at: datetime
    updated_by: str
    updated_at: datetime

    @classmethod
    def of(cls, row: TermRow) -> TermView:
        return cls(**{k: getattr(row, k) for k in cls.model_fields})


class ScoreForm(_Form):
    """An officer's scores of a member for the term, each 0–10; replaces the officer's own
    for each criterion given. Every member is scored on attitude, ability and teamwork;
    a member on duty also on answering enquiries, keeping equipment working, helping and
    cleaning (each optional: a criterion not given keeps the officer's earlier score)."""

    attitude: Score
    ability: Score
    teamwork: Score
    enquiries: Score | None = None
    equipment: Score | None = None
    helping: Score | None = None
    cleaning: Score | None = None
    comment: Annotated[Text, Field(max_length=1000)] = ""

    def scores(self) -> dict[Criterion, float]:
        given: dict[Criterion, float | None] = {
            "attitude": self.attitude,
            "ability": self.ability,
            "teamwork": self.teamwork,
            "enquiries": self.enquiries,
            "equipment": self.equipment,
            "helping": self.helping,
            "cleaning": self.cleaning,
        }
        return {c: v for c, v in given.items() if v is not None}


class ScoreView(BaseModel):
    score_id: UUID
    officer_id: str | None = Field(description="Shown to officers and the chair only")
    criterion: Criterion
    score: float
    comment: str
    at: datetime

    @classmethod
    def of(cls, row: ScoreRow, *, officer_shown: bool = True) -> ScoreView:
        return cls(
            score_id=row.score_id,
            officer_id=row.officer_id if officer_shown else None,
            criterion=row.criterion,
            score=row.score,
            comment=row.comment,
            at=row.at,
        )


class ScoresView(BaseModel):
    term: str
    person_id: str
    scores: list[ScoreView]


class SanctionForm(_Form):
    """An officer's sanction of a member for the term (DOMAIN.md §3): `warning` (警告),
    `notice_of_criticism` (通报批评) or `dismissal` (辞退), and why."""

    kind: OfficerSanctionKind
    reason: Annotated[Text, Field(min_length=1, max_length=REASON_MAX_LENGTH)]
    # Required for a dismissal (the department or corps unit the member leaves), refused
    # for the other kinds: the service's rule (dismissed_from), 422 either way.
    organisation_kind: OrganisationKind | None = None
    organisation_id: Identifier | None = None


class AnnulmentForm(_Form):
    """Why a sanction imposed by mistake is annulled."""

    reason: Annotated[Text, Field(min_length=1, max_length=REASON_MAX_LENGTH)]


class SanctionView(BaseModel):
    """A sanction; `annulled_at`, `annulled_by` and `annul_reason` are null unless it was
    annulled (an annulled sanction no longer counts from the next published version on)."""

    sanction_id: UUID
    term: str
    person_id: str
    kind: OfficerSanctionKind
    reason: str
    imposed_by: str | None = Field(description="Shown to officers and the chair only")
    imposed_at: datetime
    annulled_at: datetime | None = None
    annulled_by: str | None = Field(None, description="Shown to officers and the chair only")
    annul_reason: str | None = None
    organisation_kind: OrganisationKind | None = Field(
        None, description="A dismissal's: the kind of organisation the member leaves"
    )
    organisation_id: str | None = Field(None, description="A dismissal's: which one")

    @classmethod
    def of(cls, row: SanctionRow, *, officer_shown: bool = True) -> SanctionView:
        return cls(
            sanction_id=row.sanction_id,
            term=row.term,
            person_id=row.person_id,
            kind=row.kind,
            reason=row.reason,
            imposed_by=row.imposed_by if officer_shown else None,
            imposed_at=row.imposed_at,
            annulled_at=row.annulled_at,
            annulled_by=row.annulled_by if officer_shown else None,
            annul_reason=row.annul_reason,
            organisation_kind=row.organisation_kind,
            organisation_id=row.organisation_id,
        )


class SanctionsView(BaseModel):
    term: str
    person_id: str
    sanctions: list[SanctionView]


class FigureView(BaseModel):
    """A count, a criterion (value 0–1, its renormalised weight and points in the total)
    or the total (0–100); `events` the scheduling event ids it came from, `scores` the
    officers' score ids, `sanctions` the officers' sanction ids. A criterion with no
    evidence has value null and no weight."""

    name: str
    kind: Literal["count", "criterion", "total"]
    value: float | None
    weight: float | None
    points: float | None
    events: list[UUID]
    scores: list[UUID]
    sanctions: list[UUID] = []


class EvidenceView(BaseModel):
    """One scheduling event a figure came from, as it was received."""

    event_id: UUID
    kind: str
    occurred_at: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, row: FactRow) -> EvidenceView:
        return cls(
            event_id=row.event_id, kind=row.kind, occurred_at=row.occurred_at, data=row.payload
        )


class AssessmentView(BaseModel):
    """A version of a member's assessment. A withdrawn version (`withdrawn`: nothing was
    left to assess when it was published, e.g. the only record was a sanction since
    annulled) has no total and no figures; the versions before keep theirs."""

    assessment_id: UUID
    person_id: str
    term: str
    version: int
    withdrawn: bool = Field(
        description="True: this version withdraws the assessment published before it"
    )
    total: float | None = Field(description="Null for a withdrawn version")
    published_by: str | None = Field(description="Shown to officers and the chair only")
    published_at: datetime
    figures: list[FigureView]

    @classmethod
    def of(cls, row: AssessmentRow, *, officer_shown: bool = True) -> AssessmentView:
        return cls(
            assessment_id=row.assessment_id,
            person_id=row.person_id,
            term=row.term,
            version=row.version,
            withdrawn=row.withdrawn,
            total=row.total,
            published_by=row.published_by if officer_shown else None,
            published_at=row.published_at,
            figures=[FigureView.model_validate(f) for f in row.figures],
        )


class PublishedView(AssessmentView):
    new_version: bool = Field(description="False: nothing changed since the latest version")


class TracedView(AssessmentView):
    """The assessment with the evidence: every event its figures name, the scores and the
    officers' sanctions."""

    evidence: list[EvidenceView]
    officer_scores: list[ScoreView]
    officer_sanctions: list[SanctionView]


class AssessmentPage(BaseModel):
    term: str
    items: list[AssessmentView]
    limit: int
    offset: int
