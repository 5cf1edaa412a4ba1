"""Events the evaluation service publishes.

A report's whole season (expected, submitted, similarity, integrity, reviews,
grade, awards, defense) is keyed by report id, so one report's events stay in
order. Credit-ledger entries are keyed by student, staff assessments by person.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events.base import DomainEvent

PersonId = Annotated[str, Field(min_length=1, max_length=64)]
Season = Annotated[str, Field(min_length=1, max_length=64)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=4000)]
ReportKind = Literal["team", "individual"]
ProjectClass = Literal["I", "II"]
Prize = Literal["first", "second", "third", "honourable"]

# --- reports (社会实践报告) -------------------------------------------------------------


class ReportExpected(DomainEvent):
    """A report is due: one per approved team, or an individual requirement the committee set."""

    event_type = "campusflow.evaluation.report.expected.v1"
    key_field = "report_id"

    report_id: UUID
    season: Season
    kind: ReportKind
    team_id: UUID | None = None
    title: str = Field(default="", max_length=200)
    submitter_id: PersonId = Field(description="Who submits: the team leader or the individual")
    author_ids: list[PersonId] = Field(min_length=1, max_length=50)
    project_class: ProjectClass | None = None
    opens_at: AwareDatetime
    closes_at: AwareDatetime


class ReportSubmitted(DomainEvent):
    """A version of a report was submitted (late ones are accepted and flagged, never lost)."""

    event_type = "campusflow.evaluation.report.submitted.v1"
    key_field = "report_id"

    report_id: UUID
    season: Season
    version: int = Field(ge=1)
    submitted_by: PersonId
    source: Literal["text", "pdf", "docx"]
    characters: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    late: bool
    submitted_at: AwareDatetime


class SimilarSource(BaseModel):
    """One earlier report a submission matches, with the share of it this covers."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    report_id: UUID
    season: Season
    containment: float = Field(ge=0, le=1)
    passages: int = Field(ge=1)


class SimilarityFlagged(DomainEvent):
    """A submission's matched share passed the threshold: a human must decide its integrity."""

    event_type = "campusflow.evaluation.similarity.flagged.v1"
    key_field = "report_id"

    report_id: UUID
    season: Season
    version: int = Field(ge=1)
    containment: float = Field(ge=0, le=1)
    threshold: float = Field(ge=0, le=1)
    sources: list[SimilarSource] = Field(max_length=50)
    flagged_at: AwareDatetime


class IntegrityDecided(DomainEvent):
    """The committee decided a flagged report: cleared, or misconduct (with consequences)."""

    event_type = "campusflow.evaluation.integrity.decided.v1"
    key_field = "report_id"

    report_id: UUID
    season: Season
    decision: Literal["cleared", "misconduct"]
    decided_by: PersonId
    reason: LongText
    decided_at: AwareDatetime


class FundsReclaimRequested(DomainEvent):
    """Misconduct on a Class I (college-funded) project: its funds are to be reclaimed."""

    event_type = "campusflow.evaluation.funds_reclaim.requested.v1"
    key_field = "report_id"

    report_id: UUID
    team_id: UUID
    season: Season
    budget_yuan: int | None = Field(default=None, ge=0)
    reason: LongText
    requested_at: AwareDatetime


# --- committee review (初审) and teacher review (终审) -------------------------------------


class ReviewAssigned(DomainEvent):
    """A committee reviewer was assigned a report (at the season's run, on a late arrival,
    as the one more reviewer a borderline report gets, or in place of a reviewer who
    declared a conflict with it)."""

    event_type = "campusflow.evaluation.review.assigned.v1"
    key_field = "report_id"

    report_id: UUID
    season: Season
    reviewer_id: PersonId
    why: Literal["initial", "late_arrival", "borderline", "conflict_replacement"]
    assigned_at: AwareDatetime


class ReviewSubmitted(DomainEvent):
    """A reviewer scored a report on the season's rubric."""

    event_type = "campusflow.evaluation.review.submitted.v1"
    key_field = "report_id"

    report_id: UUID
    season: Season
    reviewer_id: PersonId
    score: float = Field(description="The rubric's weighted score")
    submitted_at: AwareDatetime


class GradeFinalised(DomainEvent):
    """A teacher finalised a report's grade (优/良/中/及格 or A–D, or a fail)."""

    event_type = "campusflow.evaluation.grade.finalised.v1"
    key_field = "report_id"

    report_id: UUID
    season: Season
    grade: str = Field(min_length=1, max_length=8)
    passed: bool
    committee_grade: str | None = Field(default=None, max_length=8)
    override_reason: str = Field(default="", max_length=2000)
    teacher_id: PersonId
    author_ids: list[PersonId] = Field(min_length=1, max_length=50)
    finalised_at: AwareDatetime


class ReportRecommended(DomainEvent):
    """A teacher recommended an outstanding report to the university level."""

    event_type = "campusflow.evaluation.report.recommended.v1"
    key_field = "report_id"

    report_id: UUID
    season: Season
    teacher_id: PersonId
    recommended_at: AwareDatetime


# --- awards (评奖) and the excellence defense (答辩) ------------------------------------


class AwardGranted(DomainEvent):
    """A report won a prize in the college's screening on calibrated scores."""

    event_type = "campusflow.evaluation.award.granted.v1"
    key_field = "report_id"

    report_id: UUID
    season: Season
    prize: Prize
    calibrated_score: float
    author_ids: list[PersonId] = Field(min_length=1, max_length=50)
    granted_at: AwareDatetime


class AwardWithdrawn(DomainEvent):
    """A granted prize was withdrawn (misconduct decided after the award)."""

    event_type = "campusflow.evaluation.award.withdrawn.v1"
    key_field = "report_id"

    report_id: UUID
    season: Season
    prize: Prize
    reason: LongText
    withdrawn_at: AwareDatetime


class DefenseScheduled(DomainEvent):
    """An excellence-review defense slot: no panel member sits in two at once."""

    event_type = "campusflow.evaluation.defense.scheduled.v1"
    key_field = "report_id"

    defense_id: UUID
    report_id: UUID
    season: Season
    room: str = Field(default="", max_length=200)
    panel_ids: list[PersonId] = Field(min_length=1, max_length=20)
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class DefenseDecided(DomainEvent):
    """The panel scored a defense and decided the excellence review."""

    event_type = "campusflow.evaluation.defense.decided.v1"
    key_field = "report_id"

    defense_id: UUID
    report_id: UUID
    season: Season
    score: float
    excellent: bool
    decided_at: AwareDatetime


class DefenseWithdrawn(DomainEvent):
    """A defense was withdrawn: its report was decided misconduct after it applied.

    Its room and panel are free again; a decided defense's excellence no longer stands."""

    event_type = "campusflow.evaluation.defense.withdrawn.v1"
    key_field = "report_id"

    defense_id: UUID
    report_id: UUID
    season: Season
    room: str = Field(default="", max_length=200)
    panel_ids: list[PersonId] = Field(min_length=1, max_length=20)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    decided: bool = Field(description="Whether the panel had already decided it")
    reason: LongText
    withdrawn_at: AwareDatetime


# --- the credit ledger (学分) -------------------------------------------------------------


class CreditsAwarded(DomainEvent):
    """A passed project gave a student a credit (replacing one academic-lecture credit)."""

    event_type = "campusflow.evaluation.credits.awarded.v1"
    key_field = "student_id"

    entry_id: UUID
    student_id: PersonId
    report_id: UUID
    season: Season
    credits: int = Field(ge=0)
    balance: int = Field(ge=0)
    reason: ShortText
    awarded_at: AwareDatetime


class CreditsRevoked(DomainEvent):
    """A credit was withdrawn after a misconduct decision."""

    event_type = "campusflow.evaluation.credits.revoked.v1"
    key_field = "student_id"

    entry_id: UUID
    student_id: PersonId
    report_id: UUID
    season: Season
    credits: int = Field(ge=0)
    balance: int = Field(ge=0)
    reason: ShortText
    revoked_at: AwareDatetime


# --- staff assessment (考核) --------------------------------------------------------------


class AssessmentFigure(BaseModel):
    """One figure of an assessment and how many events it was computed from."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: ShortText
    value: float
    score: float
    events: int = Field(ge=0)


class StaffAssessmentPublished(DomainEvent):
    """A member's assessment for a term, from duty records and officers' scores."""

    event_type = "campusflow.evaluation.staff_assessment.published.v1"
    key_field = "person_id"

    assessment_id: UUID
    person_id: PersonId
    term: ShortText
    total: float
    figures: list[AssessmentFigure] = Field(max_length=50)
    published_at: AwareDatetime


class StaffAssessmentWithdrawn(DomainEvent):
    """A member's published assessment for a term is withdrawn: nothing is left to assess
    (the only record was a sanction since annulled, or the facts and scores went away).
    `version` is the withdrawn version stored in its place (no total, no figures); the
    versions before are kept."""

    event_type = "campusflow.evaluation.staff_assessment.withdrawn.v1"
    key_field = "person_id"

    assessment_id: UUID
    person_id: PersonId
    term: ShortText
    version: int = Field(ge=1)
    withdrawn_at: AwareDatetime


StaffSanctionKind = Literal["warning", "notice_of_criticism", "dismissal"]
OrganisationKind = Literal["department", "brigade", "detachment", "group", "squad"]


class _StaffSanctionEvent(DomainEvent):
    """What is said of an officer's sanction of a member for a term (no type of its own):
    its id, the member, the term, its kind and a reason. A dismissal names the department
    or corps unit the member is dismissed from (recruitment ends that membership); the
    other kinds, and dismissals imposed before it was asked, have None there."""

    key_field = "person_id"

    sanction_id: UUID
    person_id: PersonId
    term: ShortText
    kind: StaffSanctionKind
    reason: str = Field(min_length=1, max_length=500)
    organisation_kind: OrganisationKind | None = None
    organisation_id: str | None = Field(None, min_length=1, max_length=64)


class StaffSanctionImposed(_StaffSanctionEvent):
    """An officer (or the chair) sanctioned a member for a term (DOMAIN.md §3: warning 警告,
    notice of criticism 通报批评, dismissal 辞退); it enters the member's conduct figure."""

    event_type = "campusflow.evaluation.staff_sanction.imposed.v1"

    imposed_by: PersonId
    imposed_at: AwareDatetime


class StaffSanctionAnnulled(_StaffSanctionEvent):
    """An officer (or the chair) annulled a member's sanction imposed by mistake.

    `reason` is the annulment's. The sanction is kept; it no longer counts from the
    member's next published assessment on."""

    event_type = "campusflow.evaluation.staff_sanction.annulled.v1"

    annulled_by: PersonId
    annulled_at: AwareDatetime
