"""Selection: screening by the campaign's criteria, decisions, the waitlist, enrolment, squads.

Ranking is explicit so an applicant can be told why: for a special squad, by
interview score (highest first); otherwise first come, first served. Ties go to
the earlier application.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from services.recruitment.domain.applications import ApplicationStatus, VolunteerApplication
from services.recruitment.domain.campaigns import (
    Campaign,
    Position,
    ensure_closed_for_decision,
    squad_id,
)
from services.recruitment.domain.rules import RuleBroken
from shared.events.base import DomainEvent
from shared.events.recruitment import (
    ApplicantAdmitted,
    ApplicantPromoted,
    ApplicantRejected,
    ApplicantWaitlisted,
    ApplicationScreened,
    VolunteerEnrolled,
)

DEFAULT_MAX_CHILDREN = 2  # children a volunteer may be paired with, unless the officer says
MAX_CHILDREN_LIMIT = 10


@dataclass(frozen=True)
class Volunteer:
    """An admitted applicant, enrolled; the pairing capability reads these."""

    college: str
    volunteer_id: str
    campaign_id: str
    application_id: UUID
    name: str
    skills: tuple[str, ...]
    county: str | None
    school_id: str | None
    enrolled_at: datetime
    max_children: int = DEFAULT_MAX_CHILDREN
    active: bool = True


@dataclass(frozen=True)
class Place:
    """Where an admitted volunteer will serve, if the officer says so."""

    county: str | None = None
    school_id: str | None = None
    max_children: int = DEFAULT_MAX_CHILDREN  # the volunteer's pairing load limit

    def __post_init__(self) -> None:
        if not 1 <= self.max_children <= MAX_CHILDREN_LIMIT:
            raise RuleBroken(
                field="max_children",
                rule="max_children_range",
                message=f"a volunteer is paired with 1 to {MAX_CHILDREN_LIMIT} children",
                invalid=True,
            )


@dataclass(frozen=True)
class InterviewResult:
    score: int
    recommended: bool


@dataclass
class Outcome:
    """What a decision or promotion changed: applications, volunteers, and the events."""

    applications: list[VolunteerApplication] = field(default_factory=list)
    volunteers: list[Volunteer] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)

    @property
    def admitted(self) -> list[VolunteerApplication]:
        return self._in(ApplicationStatus.ADMITTED)

    @property
    def waitlisted(self) -> list[VolunteerApplication]:
        return self._in(ApplicationStatus.WAITLISTED)

    @property
    def rejected(self) -> list[VolunteerApplication]:
        return self._in(ApplicationStatus.REJECTED)

    def _in(self, status: ApplicationStatus) -> list[VolunteerApplication]:
        return [a for a in self.applications if a.status is status]


@dataclass(frozen=True)
class ScreeningTally:
    """How many applications a screening run let through and how many it screened out."""

    passed: int
    screened_out: int


def screen(
    application: VolunteerApplication, *, campaign: Campaign, now: datetime
) -> tuple[VolunteerApplication, ApplicationScreened]:
    """Every criterion is checked and reported, passed or not, so the result explains itself."""
    position = campaign.position(application.position_id or "")
    if application.status is not ApplicationStatus.SUBMITTED or position is None:
        raise RuleBroken(
            field="application_id",
            rule="screened_once",
            message="only a submitted application is screened",
        )
    passed, reasons = True, []
    missing = [s for s in position.required_skills if s not in application.skills]
    if missing:
        passed = False
        reasons.append(f"lacks required skills: {', '.join(missing)}")
    elif position.required_skills:
        reasons.append(f"has the required skills: {', '.join(position.required_skills)}")
    minimum = campaign.screening.min_grade_year
    if minimum is not None:
        if application.grade_year is None or application.grade_year < minimum:
            passed = False
            reasons.append(f"grade year {application.grade_year or 'not given'} below {minimum}")
        else:
            reasons.append(f"grade year {application.grade_year} meets the minimum {minimum}")
    questions = campaign.screening.questions
    if questions:
        answered = [i for i, a in enumerate(application.answers) if a.strip()]
        if len(answered) < len(questions):
            passed = False
            reasons.append(f"answered {len(answered)} of {len(questions)} screening questions")
        else:
            reasons.append("answered every screening question")
    if not reasons:
        reasons.append("the campaign sets no criteria")
    status = ApplicationStatus.SCREENED_IN if passed else ApplicationStatus.SCREENED_OUT
    screened = replace(application, status=status, screening_reasons=tuple(reasons))
    event = ApplicationScreened(
        college=application.college,
        application_id=application.id,
        campaign_id=application.campaign_id,
        applicant_id=application.applicant_id,
        passed=passed,
        reasons=reasons,
        screened_at=now,
    )
    return screened, event


def enrol(
    application: VolunteerApplication, *, place: Place, now: datetime
) -> tuple[Volunteer, VolunteerEnrolled]:
    volunteer = Volunteer(
        college=application.college,
        volunteer_id=application.applicant_id,
        campaign_id=application.campaign_id,
        application_id=application.id,
        name=application.applicant_name,
        skills=application.skills,
        county=place.county,
        school_id=place.school_id,
        max_children=place.max_children,
        enrolled_at=now,
    )
    event = VolunteerEnrolled(
        college=application.college,
        volunteer_id=application.applicant_id,
        campaign_id=application.campaign_id,
        application_id=application.id,
        skills=list(application.skills),
        # Scheduling owns availability: it is found from the volunteer's class timetable.
        availability_ref=f"timetable:{application.college}:{application.applicant_id}",
        enrolled_at=now,
    )
    return volunteer, event


def decide_position(
    *,
    campaign: Campaign,
    position: Position,
    applications: Sequence[VolunteerApplication],
    interviews: Mapping[UUID, InterviewResult],
    rejections: Mapping[UUID, str],
    places: Mapping[UUID, Place],
    now: datetime,
) -> Outcome:
    """Admit up to the headcount in rank order, waitlist the rest, reject with a reason."""
    ensure_closed_for_decision(campaign)
    live = [a for a in applications if a.status is not ApplicationStatus.WITHDRAWN]
    if any(a.decided_at is not None for a in live):
        raise RuleBroken(
            field="position_id",
            rule="position_already_decided",
            message="this position has already been decided",
        )
    if any(a.status is ApplicationStatus.SUBMITTED for a in live):
        raise RuleBroken(
            field="position_id",
            rule="screening_pending",
            message="screen every application before deciding",
        )
    known = {a.id for a in live}
    for application_id in [*rejections, *places]:
        if application_id not in known:
            raise RuleBroken(
                field="rejections" if application_id in rejections else "places",
                rule="unknown_application",
                message=f"application {application_id} is not a live application to this position",
                invalid=True,
            )

    outcome = Outcome()
    candidates: list[VolunteerApplication] = []
    for application in live:
        reason = _reason_to_reject(application, position, interviews, rejections)
        if reason is None:
            candidates.append(application)
        else:
            _reject(outcome, application, reason, now, campaign_title=campaign.title)

    def rank_key(application: VolunteerApplication) -> tuple[int, datetime]:
        score = interviews[application.id].score if position.interview_required else 0
        return (-score, application.submitted_at)

    ranked = sorted(candidates, key=rank_key)
    for application in ranked[: position.headcount]:
        _admit(outcome, application, campaign, position, places.get(application.id, Place()), now)
    for rank, application in enumerate(ranked[position.headcount :], start=1):
        waitlisted = replace(
            application, status=ApplicationStatus.WAITLISTED, waitlist_rank=rank, decided_at=now
        )
        outcome.applications.append(waitlisted)
        outcome.events.append(
            ApplicantWaitlisted(
                college=application.college,
                application_id=application.id,
                campaign_id=application.campaign_id,
                applicant_id=application.applicant_id,
                position_id=position.position_id,
                rank=rank,
                decided_at=now,
                campaign_title=campaign.title,
            )
        )
    return outcome


def _reason_to_reject(
    application: VolunteerApplication,
    position: Position,
    interviews: Mapping[UUID, InterviewResult],
    rejections: Mapping[UUID, str],
) -> str | None:
    if application.id in rejections:
        return rejections[application.id]
    if application.status is ApplicationStatus.SCREENED_OUT:
        return "screened out: " + "; ".join(application.screening_reasons)
    if position.interview_required:
        result = interviews.get(application.id)
        if result is None:
            return "no interview result"
        if not result.recommended:
            return f"not recommended at interview (score {result.score})"
    return None


def _reject(
    outcome: Outcome,
    application: VolunteerApplication,
    reason: str,
    now: datetime,
    *,
    campaign_title: str,
) -> None:
    outcome.applications.append(
        replace(
            application, status=ApplicationStatus.REJECTED, decision_reason=reason, decided_at=now
        )
    )
    outcome.events.append(
        ApplicantRejected(
            college=application.college,
            application_id=application.id,
            campaign_id=application.campaign_id,
            applicant_id=application.applicant_id,
            reason=reason,
            decided_at=now,
            campaign_title=campaign_title,
        )
    )


def _admit(
    outcome: Outcome,
    application: VolunteerApplication,
    campaign: Campaign,
    position: Position,
    place: Place,
    now: datetime,
) -> None:
    admitted = replace(application, status=ApplicationStatus.ADMITTED, decided_at=now)
    volunteer, enrolled = enrol(admitted, place=place, now=now)
    outcome.applications.append(admitted)
    outcome.volunteers.append(volunteer)
    outcome.events.append(
        ApplicantAdmitted(
            college=application.college,
            application_id=application.id,
            campaign_id=application.campaign_id,
            applicant_id=application.applicant_id,
            position_id=position.position_id,
            squad_id=squad_id(campaign.campaign_id, position.position_id)
            if position.is_squad
            else None,
            decided_at=now,
            campaign_title=campaign.title,
        )
    )
    outcome.events.append(enrolled)


def promote_first_on_waitlist(
    *,
    freed_by: VolunteerApplication,
    waitlist: Sequence[VolunteerApplication],
    place: Place,
    now: datetime,
    campaign_title: str | None = None,
) -> Outcome:
    """An admitted volunteer withdrew: the first on the position's waitlist takes the place."""
    outcome = Outcome()
    waiting = [a for a in waitlist if a.status is ApplicationStatus.WAITLISTED]
    if not waiting:
        return outcome
    first = min(waiting, key=lambda a: (a.waitlist_rank or 0, a.submitted_at))
    promoted = replace(first, status=ApplicationStatus.ADMITTED, waitlist_rank=None, decided_at=now)
    volunteer, enrolled = enrol(promoted, place=place, now=now)
    outcome.applications.append(promoted)
    outcome.volunteers.append(volunteer)
    outcome.events.append(
        ApplicantPromoted(
            college=first.college,
            application_id=first.id,
            campaign_id=first.campaign_id,
            applicant_id=first.applicant_id,
            position_id=first.position_id,
            replaces_application_id=freed_by.id,
            decided_at=now,
            campaign_title=campaign_title,
        )
    )
    outcome.events.append(enrolled)
    return outcome


def name_squad_leader(position: Position, *, leader: VolunteerApplication) -> Position:
    """Each special squad is led by one of its admitted members."""
    if not position.is_squad:
        raise RuleBroken(
            field="position_id",
            rule="only_squads_have_leaders",
            message="only a position recruited by interview is a squad",
        )
    if (
        leader.position_id != position.position_id
        or leader.status is not ApplicationStatus.ADMITTED
    ):
        raise RuleBroken(
            field="application_id",
            rule="squad_leader_must_be_admitted",
            message="the squad leader must be admitted to this squad",
        )
    return replace(position, squad_leader_id=leader.applicant_id)
