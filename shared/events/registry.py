"""Every event type, the topic it travels on, and each topic's partition count.

This is the single source for topic creation, the Kubernetes KafkaTopic
manifests and the AsyncAPI document.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.events import recruitment, scheduling
from shared.events.base import DomainEvent

DEAD_LETTER_SUFFIX = ".dlt"
# What `campusflow dlt replay` republished, keyed by dead-letter offset (compacted).
REPLAY_LOG_SUFFIX = ".replayed"


class UnknownEventType(LookupError):
    """No contract is registered for a message's ce_type: a permanent failure."""


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    producer: str
    description: str

    @property
    def dead_letter(self) -> str:
        return self.name + DEAD_LETTER_SUFFIX

    @property
    def replay_log(self) -> str:
        return self.dead_letter + REPLAY_LOG_SUFFIX


@dataclass(frozen=True)
class EventSpec:
    model: type[DomainEvent]
    topic: Topic

    @property
    def type(self) -> str:
        return self.model.event_type


def _recruitment(name: str, partitions: int, description: str) -> Topic:
    return Topic(f"campusflow.recruitment.{name}", partitions, "recruitment", description)


RECRUITMENT_CAMPAIGNS = _recruitment(
    "campaigns", 3, "Recruitment campaigns opened and closed, keyed by campaign id."
)
RECRUITMENT_APPLICATIONS = _recruitment(
    "applications",
    6,
    "Applications and their screening, interviews and decisions, keyed by application id.",
)
RECRUITMENT_VOLUNTEERS = _recruitment(
    "volunteers", 6, "Volunteers enrolled after admission, keyed by person id."
)
RECRUITMENT_INTAKE = _recruitment(
    "intake", 1, "Department intake (纳新) results, keyed by intake id."
)
RECRUITMENT_PROJECT_TEAMS = _recruitment(
    "project-teams", 3, "Summer social-practice project teams and reviews, keyed by team id."
)
RECRUITMENT_BENEFICIARIES = _recruitment(
    "beneficiaries", 6, "Register of children served, without personal fields, keyed by child id."
)
RECRUITMENT_PAIRINGS = _recruitment(
    "pairings", 6, "Volunteer–child pairings created and ended, keyed by child id."
)
RECRUITMENT_MEMBERSHIPS = _recruitment(
    "memberships", 6, "Department and corps memberships started and ended, keyed by person id."
)
SCHEDULING_ATTENDANCE = Topic(
    "campusflow.scheduling.attendance",
    6,
    "scheduling",
    "Attendance sanctions imposed under the meeting rules, keyed by person id.",
)

TOPICS: tuple[Topic, ...] = (
    RECRUITMENT_CAMPAIGNS,
    RECRUITMENT_APPLICATIONS,
    RECRUITMENT_VOLUNTEERS,
    RECRUITMENT_INTAKE,
    RECRUITMENT_PROJECT_TEAMS,
    RECRUITMENT_BENEFICIARIES,
    RECRUITMENT_PAIRINGS,
    RECRUITMENT_MEMBERSHIPS,
    SCHEDULING_ATTENDANCE,
)

_TOPIC_OF: dict[type[DomainEvent], Topic] = {
    recruitment.CampaignOpened: RECRUITMENT_CAMPAIGNS,
    recruitment.CampaignClosed: RECRUITMENT_CAMPAIGNS,
    recruitment.ApplicationSubmitted: RECRUITMENT_APPLICATIONS,
    recruitment.ApplicationWithdrawn: RECRUITMENT_APPLICATIONS,
    recruitment.ApplicationScreened: RECRUITMENT_APPLICATIONS,
    recruitment.InterviewScheduled: RECRUITMENT_APPLICATIONS,
    recruitment.InterviewCompleted: RECRUITMENT_APPLICATIONS,
    recruitment.ApplicantAdmitted: RECRUITMENT_APPLICATIONS,
    recruitment.ApplicantWaitlisted: RECRUITMENT_APPLICATIONS,
    recruitment.ApplicantRejected: RECRUITMENT_APPLICATIONS,
    recruitment.ApplicantPromoted: RECRUITMENT_APPLICATIONS,
    recruitment.VolunteerEnrolled: RECRUITMENT_VOLUNTEERS,
    recruitment.IntakeResultPublished: RECRUITMENT_INTAKE,
    recruitment.ProjectTeamRegistered: RECRUITMENT_PROJECT_TEAMS,
    recruitment.ProjectTeamApproved: RECRUITMENT_PROJECT_TEAMS,
    recruitment.ProjectTeamRejected: RECRUITMENT_PROJECT_TEAMS,
    recruitment.BeneficiaryRegistered: RECRUITMENT_BENEFICIARIES,
    recruitment.BeneficiaryUpdated: RECRUITMENT_BENEFICIARIES,
    recruitment.PairingCreated: RECRUITMENT_PAIRINGS,
    recruitment.PairingEnded: RECRUITMENT_PAIRINGS,
    recruitment.MembershipStarted: RECRUITMENT_MEMBERSHIPS,
    recruitment.MembershipEnded: RECRUITMENT_MEMBERSHIPS,
    scheduling.AttendanceSanctionImposed: SCHEDULING_ATTENDANCE,
}

EVENTS: tuple[EventSpec, ...] = tuple(EventSpec(model, topic) for model, topic in _TOPIC_OF.items())

_BY_TYPE = {spec.type: spec for spec in EVENTS}
_BY_MODEL = {spec.model: spec for spec in EVENTS}


def spec_for_type(event_type: str) -> EventSpec:
    try:
        return _BY_TYPE[event_type]
    except KeyError:
        raise UnknownEventType(f"no contract registered for event type {event_type!r}") from None


def spec_for_event(event: DomainEvent) -> EventSpec:
    return spec_for_model(type(event))


def spec_for_model(model: type[DomainEvent]) -> EventSpec:
    """The registered contract of exactly this class (not merely one with its type string)."""
    try:
        return _BY_MODEL[model]
    except KeyError:
        raise UnknownEventType(f"{model.__name__} is not in the registry") from None


def all_topic_names() -> list[str]:
    """Every topic the platform needs, dead-letter topics included."""
    return [name for topic in TOPICS for name in (topic.name, topic.dead_letter, topic.replay_log)]
