"""Events the recruitment service publishes.

No event carries a child's personal data: beneficiary events name the child by
id and describe needs, never name, address, phone or guardian.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events.base import DomainEvent

PersonId = str
ShortText = Annotated[str, Field(min_length=1, max_length=200)]


# --- campaigns (招募) -----------------------------------------------------------------


class CampaignPosition(BaseModel):
    """A position within a campaign (not an event: carried inside CampaignOpened)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    position_id: str = Field(min_length=1, max_length=64)
    title: ShortText
    headcount: int = Field(ge=1, le=10_000)
    required_skills: list[str] = Field(default_factory=list)
    interview_required: bool = False


class CampaignOpened(DomainEvent):
    """An officer opened a volunteer recruitment campaign for applications."""

    event_type = "campusflow.recruitment.campaign.opened.v1"
    key_field = "campaign_id"

    campaign_id: str = Field(min_length=1, max_length=64)
    title: ShortText
    place: ShortText
    starts_on: date
    ends_on: date
    applications_close_at: AwareDatetime
    positions: list[CampaignPosition]
    # When applications open (None in events published before it was added): a campaign
    # may be announced before its window opens.
    applications_open_at: AwareDatetime | None = None


class CampaignClosed(DomainEvent):
    """A campaign stopped taking applications (window over, or closed by an officer)."""

    event_type = "campusflow.recruitment.campaign.closed.v1"
    key_field = "campaign_id"

    campaign_id: str = Field(min_length=1, max_length=64)
    closed_at: AwareDatetime
    reason: ShortText


# --- applications -------------------------------------------------------------------


class ApplicationSubmitted(DomainEvent):
    """A student applied to a volunteer recruitment campaign."""

    event_type = "campusflow.recruitment.application.submitted.v1"
    key_field = "application_id"

    application_id: UUID
    campaign_id: str = Field(min_length=1, max_length=64)
    applicant_id: str = Field(min_length=1, max_length=64)
    applicant_name: str = Field(min_length=1, max_length=64)
    submitted_at: AwareDatetime
    position_id: str | None = None
    campaign_title: str | None = Field(default=None, max_length=200)  # added in v1


class ApplicationWithdrawn(DomainEvent):
    """The applicant withdrew before (or after) the decision."""

    event_type = "campusflow.recruitment.application.withdrawn.v1"
    key_field = "application_id"

    application_id: UUID
    campaign_id: str
    applicant_id: PersonId
    withdrawn_at: AwareDatetime
    was_admitted: bool


class ApplicationScreened(DomainEvent):
    """Screening by the campaign's criteria: passed on to interview/decision, or screened out."""

    event_type = "campusflow.recruitment.application.screened.v1"
    key_field = "application_id"

    application_id: UUID
    campaign_id: str
    applicant_id: PersonId
    passed: bool
    reasons: list[str] = Field(default_factory=list)
    screened_at: AwareDatetime


class InterviewScheduled(DomainEvent):
    """An applicant booked an interview slot (special squads: 特招服务小队)."""

    event_type = "campusflow.recruitment.interview.scheduled.v1"
    key_field = "application_id"

    application_id: UUID
    campaign_id: str
    applicant_id: PersonId
    slot_id: UUID
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: str


class InterviewCompleted(DomainEvent):
    """Interviewers recorded the result of an interview."""

    event_type = "campusflow.recruitment.interview.completed.v1"
    key_field = "application_id"

    application_id: UUID
    campaign_id: str
    applicant_id: PersonId
    slot_id: UUID
    score: int = Field(ge=0, le=100)
    recommended: bool


Decision = Literal["admitted", "waitlisted", "rejected", "promoted"]


class ApplicantAdmitted(DomainEvent):
    """The applicant was selected for the campaign (and its position)."""

    event_type = "campusflow.recruitment.applicant.admitted.v1"
    key_field = "application_id"

    application_id: UUID
    campaign_id: str
    applicant_id: PersonId
    position_id: str | None = None
    squad_id: str | None = None
    decided_at: AwareDatetime
    campaign_title: str | None = Field(default=None, max_length=200)  # added in v1


class ApplicantWaitlisted(DomainEvent):
    """Oversubscribed: the applicant waits at `rank` for a place."""

    event_type = "campusflow.recruitment.applicant.waitlisted.v1"
    key_field = "application_id"

    application_id: UUID
    campaign_id: str
    applicant_id: PersonId
    position_id: str | None = None
    rank: int = Field(ge=1)
    decided_at: AwareDatetime
    campaign_title: str | None = Field(default=None, max_length=200)  # added in v1


class ApplicantRejected(DomainEvent):
    """The applicant was not selected."""

    event_type = "campusflow.recruitment.applicant.rejected.v1"
    key_field = "application_id"

    application_id: UUID
    campaign_id: str
    applicant_id: PersonId
    reason: str
    decided_at: AwareDatetime
    campaign_title: str | None = Field(default=None, max_length=200)  # added in v1


class ApplicantPromoted(DomainEvent):
    """An admitted volunteer withdrew; the first on the waitlist took the place."""

    event_type = "campusflow.recruitment.applicant.promoted.v1"
    key_field = "application_id"

    application_id: UUID
    campaign_id: str
    applicant_id: PersonId
    position_id: str | None = None
    replaces_application_id: UUID
    decided_at: AwareDatetime
    campaign_title: str | None = Field(default=None, max_length=200)  # added in v1


class VolunteerEnrolled(DomainEvent):
    """An admitted applicant is now a volunteer, with skills and where to find availability."""

    event_type = "campusflow.recruitment.volunteer.enrolled.v1"
    key_field = "volunteer_id"

    volunteer_id: PersonId
    campaign_id: str
    application_id: UUID
    skills: list[str] = Field(default_factory=list)
    availability_ref: str = Field(
        description="Where scheduling finds the volunteer's availability (timetable id)"
    )
    enrolled_at: AwareDatetime


# --- department intake (纳新) --------------------------------------------------------


class IntakeResultPublished(DomainEvent):
    """The department intake matching ran: how many each department admitted."""

    event_type = "campusflow.recruitment.intake.result_published.v1"
    key_field = "intake_id"

    intake_id: str
    admitted_by_department: dict[str, int]
    unplaced: int = Field(ge=0)
    published_at: AwareDatetime


# --- project teams (暑期社会实践项目申报) ----------------------------------------------


class ProjectSeasonOpened(DomainEvent):
    """The committee announced a season's application window for project teams.

    The window is given in campus days (e.g. 8–15 May, Asia/Shanghai): it takes teams from
    `applications_open_at` (midnight before its first day) to `applications_close_at`
    (midnight after its last day). It may be announced before it opens.
    """

    event_type = "campusflow.recruitment.project_season.opened.v1"
    key_field = "season"

    season: str = Field(min_length=1, max_length=64)
    title: ShortText
    opens_on: date
    closes_on: date
    applications_open_at: AwareDatetime
    applications_close_at: AwareDatetime
    opened_by: PersonId
    opened_at: AwareDatetime


class ProjectTeamRegistered(DomainEvent):
    """A summer social-practice team (3–10 students, one advisor) applied in the window."""

    event_type = "campusflow.recruitment.project_team.registered.v1"
    key_field = "team_id"

    team_id: UUID
    season: str
    title: str
    leader_id: PersonId
    member_ids: list[PersonId]
    advisor_id: PersonId
    registered_at: AwareDatetime


class ProjectTeamApproved(DomainEvent):
    """The review committee approved the project as Class I (college-funded) or Class II."""

    event_type = "campusflow.recruitment.project_team.approved.v1"
    key_field = "team_id"

    team_id: UUID
    season: str
    project_class: Literal["I", "II"]
    budget_yuan: int | None = Field(default=None, ge=0)
    approved_at: AwareDatetime


class ProjectTeamRejected(DomainEvent):
    """The review committee rejected the project, with its reason."""

    event_type = "campusflow.recruitment.project_team.rejected.v1"
    key_field = "team_id"

    team_id: UUID
    season: str
    reason: str
    rejected_at: AwareDatetime


# --- beneficiaries and pairing (结对帮扶) ---------------------------------------------

BeneficiaryCategory = Literal["left_behind", "poor_family", "dropout_risk"]


class BeneficiaryRegistered(DomainEvent):
    """A child was entered in the register (档案). No personal fields, by design."""

    event_type = "campusflow.recruitment.beneficiary.registered.v1"
    key_field = "beneficiary_id"

    beneficiary_id: UUID
    school_id: str
    county: str
    grade: int = Field(ge=1, le=12)
    categories: list[BeneficiaryCategory]
    subject_needs: list[str] = Field(default_factory=list)
    registered_at: AwareDatetime


class BeneficiaryUpdated(DomainEvent):
    """A child's register entry changed (which non-personal facts, if any, are given)."""

    event_type = "campusflow.recruitment.beneficiary.updated.v1"
    key_field = "beneficiary_id"

    beneficiary_id: UUID
    school_id: str
    grade: int | None = Field(default=None, ge=1, le=12)
    categories: list[BeneficiaryCategory] | None = None
    subject_needs: list[str] | None = None
    updated_at: AwareDatetime


class PupilDroppedOut(DomainEvent):
    """A child in the register stopped attending school (辍学): a return-to-school notice
    (返校通知书) goes to the guardian, and the case escalates to the township if the child
    has not returned by `return_by`. Guardians and township contacts are found by the
    notifications service's own directory, never from this event."""

    event_type = "campusflow.recruitment.pupil.dropped_out.v1"
    key_field = "beneficiary_id"

    case_id: UUID
    beneficiary_id: UUID
    school_id: str = Field(min_length=1, max_length=64)
    county: str = Field(min_length=1, max_length=64)
    reported_by: PersonId
    return_by: AwareDatetime
    reported_at: AwareDatetime


class PupilReturnedToSchool(DomainEvent):
    """A child who had dropped out is back at school: the dropout case closes."""

    event_type = "campusflow.recruitment.pupil.returned.v1"
    key_field = "beneficiary_id"

    case_id: UUID
    beneficiary_id: UUID
    school_id: str = Field(min_length=1, max_length=64)
    recorded_by: PersonId
    returned_at: AwareDatetime


class PairingCreated(DomainEvent):
    """A volunteer was paired with a child (一对一 or 多对一), with the reasons why."""

    event_type = "campusflow.recruitment.pairing.created.v1"
    key_field = "beneficiary_id"

    pairing_id: UUID
    beneficiary_id: UUID
    volunteer_id: PersonId
    school_id: str
    reasons: list[str]
    manual: bool = False
    created_at: AwareDatetime


class PairingEnded(DomainEvent):
    """A pairing ended, with its reason."""

    event_type = "campusflow.recruitment.pairing.ended.v1"
    key_field = "beneficiary_id"

    pairing_id: UUID
    beneficiary_id: UUID
    volunteer_id: PersonId
    reason: str
    ended_at: AwareDatetime


# --- membership --------------------------------------------------------------------

OrganisationKind = Literal["department", "brigade", "detachment", "group", "squad"]


class MembershipStarted(DomainEvent):
    """A person joined a department or a unit of the volunteer corps."""

    event_type = "campusflow.recruitment.membership.started.v1"
    key_field = "person_id"

    membership_id: UUID
    person_id: PersonId
    organisation_kind: OrganisationKind
    organisation_id: str
    role: str = "member"
    how: Literal["admitted", "transferred"]
    started_at: AwareDatetime


class MembershipEnded(DomainEvent):
    """A membership ended: transferred away, withdrew, compulsory withdrawal, or expelled."""

    event_type = "campusflow.recruitment.membership.ended.v1"
    key_field = "person_id"

    membership_id: UUID
    person_id: PersonId
    organisation_kind: OrganisationKind
    organisation_id: str
    how: Literal["transferred", "withdrawn", "compulsory_withdrawal", "expelled"]
    reason: str
    ended_at: AwareDatetime
