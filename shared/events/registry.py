"""Every event type, the topic it travels on, and each topic's partition count.

This is the single source for topic creation, the Kubernetes KafkaTopic
manifests and the AsyncAPI document.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.events import evaluation, notifications, recruitment, scheduling
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
    "project-teams",
    3,
    "Summer social-practice project seasons (keyed by season) and teams and their reviews "
    "(keyed by team id).",
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


def _scheduling(name: str, partitions: int, description: str) -> Topic:
    return Topic(f"campusflow.scheduling.{name}", partitions, "scheduling", description)


SCHEDULING_ROTAS = _scheduling("rotas", 3, "Duty rotas published, keyed by rota id.")
SCHEDULING_SHIFTS = _scheduling(
    "shifts", 6, "Shift seats assigned, changed, cancelled and offered, keyed by shift id."
)
SCHEDULING_SWAPS = _scheduling("swaps", 3, "Shift swaps requested and decided, keyed by swap id.")
SCHEDULING_DUTY = _scheduling(
    "duty", 6, "Duty sign-ins (签到), no-shows and handovers (交接), keyed by shift id."
)
SCHEDULING_TIMETABLES = _scheduling(
    "timetables",
    1,
    "Teaching timetables published, and their dated lessons, keyed by timetable id.",
)
SCHEDULING_MEETINGS = _scheduling(
    "meetings", 6, "Meetings scheduled and cancelled, attendance taken, keyed by meeting id."
)
SCHEDULING_LEAVE = _scheduling("leave", 3, "Leave requested and decided, keyed by leave id.")
SCHEDULING_ATTENDANCE = _scheduling(
    "attendance", 6, "Attendance sanctions imposed under the meeting rules, keyed by person id."
)
SCHEDULING_ACTIVITIES = _scheduling(
    "activities", 3, "Activities scheduled on the calendar, keyed by activity id."
)
SCHEDULING_TASKS = _scheduling(
    "tasks",
    3,
    "Activity preparation tasks planned (deadline, assignee), done and fallen due, keyed by "
    "task id.",
)
SCHEDULING_INCIDENTS = _scheduling(
    "incidents", 3, "Safety incidents on outings and activities, keyed by incident id."
)


def _evaluation(name: str, partitions: int, description: str) -> Topic:
    return Topic(f"campusflow.evaluation.{name}", partitions, "evaluation", description)


EVALUATION_REPORTS = _evaluation(
    "reports",
    6,
    "Reports expected and submitted, similarity flags, integrity decisions and funds "
    "reclaimed, keyed by report id.",
)
EVALUATION_REVIEWS = _evaluation(
    "reviews",
    6,
    "Committee reviews assigned and submitted, grades finalised and recommendations, "
    "keyed by report id.",
)
EVALUATION_AWARDS = _evaluation(
    "awards", 3, "Prizes granted and withdrawn, excellence defenses, keyed by report id."
)
EVALUATION_CREDITS = _evaluation(
    "credits", 6, "The credit ledger: credits awarded and revoked, keyed by student id."
)
EVALUATION_STAFF_ASSESSMENTS = _evaluation(
    "staff-assessments",
    3,
    "Staff assessments published or withdrawn and officers' sanctions imposed or annulled"
    " per term, keyed by person id.",
)


def _notifications(name: str, partitions: int, description: str) -> Topic:
    return Topic(f"campusflow.notifications.{name}", partitions, "notifications", description)


NOTIFICATIONS_DELIVERIES = _notifications(
    "deliveries",
    6,
    "What became of each message: sent, delivered, failed (with failover), dropped; "
    "keyed by message id.",
)
NOTIFICATIONS_ESCALATIONS = _notifications(
    "escalations", 3, "Escalation chains started, escalated and closed, keyed by chain id."
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
    SCHEDULING_ROTAS,
    SCHEDULING_SHIFTS,
    SCHEDULING_SWAPS,
    SCHEDULING_DUTY,
    SCHEDULING_TIMETABLES,
    SCHEDULING_MEETINGS,
    SCHEDULING_LEAVE,
    SCHEDULING_ATTENDANCE,
    SCHEDULING_ACTIVITIES,
    SCHEDULING_TASKS,
    SCHEDULING_INCIDENTS,
    EVALUATION_REPORTS,
    EVALUATION_REVIEWS,
    EVALUATION_AWARDS,
    EVALUATION_CREDITS,
    EVALUATION_STAFF_ASSESSMENTS,
    NOTIFICATIONS_DELIVERIES,
    NOTIFICATIONS_ESCALATIONS,
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
    recruitment.ProjectSeasonOpened: RECRUITMENT_PROJECT_TEAMS,
    recruitment.ProjectTeamRegistered: RECRUITMENT_PROJECT_TEAMS,
    recruitment.ProjectTeamApproved: RECRUITMENT_PROJECT_TEAMS,
    recruitment.ProjectTeamRejected: RECRUITMENT_PROJECT_TEAMS,
    recruitment.BeneficiaryRegistered: RECRUITMENT_BENEFICIARIES,
    recruitment.BeneficiaryUpdated: RECRUITMENT_BENEFICIARIES,
    recruitment.PupilDroppedOut: RECRUITMENT_BENEFICIARIES,
    recruitment.PupilReturnedToSchool: RECRUITMENT_BENEFICIARIES,
    recruitment.PairingCreated: RECRUITMENT_PAIRINGS,
    recruitment.PairingEnded: RECRUITMENT_PAIRINGS,
    recruitment.MembershipStarted: RECRUITMENT_MEMBERSHIPS,
    recruitment.MembershipEnded: RECRUITMENT_MEMBERSHIPS,
    scheduling.RotaPublished: SCHEDULING_ROTAS,
    scheduling.ShiftAssigned: SCHEDULING_SHIFTS,
    scheduling.ShiftChanged: SCHEDULING_SHIFTS,
    scheduling.ShiftCancelled: SCHEDULING_SHIFTS,
    scheduling.ShiftOffered: SCHEDULING_SHIFTS,
    scheduling.SwapRequested: SCHEDULING_SWAPS,
    scheduling.SwapDecided: SCHEDULING_SWAPS,
    scheduling.DutyCheckedIn: SCHEDULING_DUTY,
    scheduling.DutyMissed: SCHEDULING_DUTY,
    scheduling.HandoverRecorded: SCHEDULING_DUTY,
    scheduling.TimetablePublished: SCHEDULING_TIMETABLES,
    scheduling.LessonAssigned: SCHEDULING_TIMETABLES,
    scheduling.MeetingScheduled: SCHEDULING_MEETINGS,
    scheduling.MeetingCancelled: SCHEDULING_MEETINGS,
    scheduling.AttendanceRecorded: SCHEDULING_MEETINGS,
    scheduling.LeaveRequested: SCHEDULING_LEAVE,
    scheduling.LeaveDecided: SCHEDULING_LEAVE,
    scheduling.AttendanceSanctionImposed: SCHEDULING_ATTENDANCE,
    scheduling.ActivityScheduled: SCHEDULING_ACTIVITIES,
    scheduling.TaskDue: SCHEDULING_TASKS,
    scheduling.TaskPlanned: SCHEDULING_TASKS,
    scheduling.TaskDone: SCHEDULING_TASKS,
    scheduling.IncidentReported: SCHEDULING_INCIDENTS,
    evaluation.ReportExpected: EVALUATION_REPORTS,
    evaluation.ReportSubmitted: EVALUATION_REPORTS,
    evaluation.SimilarityFlagged: EVALUATION_REPORTS,
    evaluation.IntegrityDecided: EVALUATION_REPORTS,
    evaluation.FundsReclaimRequested: EVALUATION_REPORTS,
    evaluation.ReviewAssigned: EVALUATION_REVIEWS,
    evaluation.ReviewSubmitted: EVALUATION_REVIEWS,
    evaluation.GradeFinalised: EVALUATION_REVIEWS,
    evaluation.ReportRecommended: EVALUATION_REVIEWS,
    evaluation.AwardGranted: EVALUATION_AWARDS,
    evaluation.AwardWithdrawn: EVALUATION_AWARDS,
    evaluation.DefenseScheduled: EVALUATION_AWARDS,
    evaluation.DefenseDecided: EVALUATION_AWARDS,
    evaluation.DefenseWithdrawn: EVALUATION_AWARDS,
    evaluation.CreditsAwarded: EVALUATION_CREDITS,
    evaluation.CreditsRevoked: EVALUATION_CREDITS,
    evaluation.StaffAssessmentPublished: EVALUATION_STAFF_ASSESSMENTS,
    evaluation.StaffAssessmentWithdrawn: EVALUATION_STAFF_ASSESSMENTS,
    evaluation.StaffSanctionImposed: EVALUATION_STAFF_ASSESSMENTS,
    evaluation.StaffSanctionAnnulled: EVALUATION_STAFF_ASSESSMENTS,
    notifications.MessageSent: NOTIFICATIONS_DELIVERIES,
    notifications.MessageDelivered: NOTIFICATIONS_DELIVERIES,
    notifications.MessageFailed: NOTIFICATIONS_DELIVERIES,
    notifications.MessageDropped: NOTIFICATIONS_DELIVERIES,
    notifications.EscalationStarted: NOTIFICATIONS_ESCALATIONS,
    notifications.EscalationEscalated: NOTIFICATIONS_ESCALATIONS,
    notifications.EscalationClosed: NOTIFICATIONS_ESCALATIONS,
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
