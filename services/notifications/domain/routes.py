"""The routing table: which event tells whom what (code, reviewed like code).

Each route maps one event type to a notification kind (domain/kinds.py), the people it
concerns and the kind's fields. Recipients and fields are pure functions of the event
and the facts notifications folded from earlier events (its read models, and its
contact directory) — never read from another service's schema. The service looks up
only the facts a route declares it needs. Every declared field of the kind is given,
None when the event and the facts do not say.

An event type may also tell a second audience, with a kind of its own (`ALSO`, e.g. a
school's contacts hear of the lessons volunteers teach there); `routes_for` gives them
all, the main route first.

An event type without a route is counted and skipped (service/routing.py). Reminders and
escalation chains (shift_reminder, incident_alert, return_to_school_notice, ...) start
from the same events in their own consumers, not here.
"""

from __future__ import annotations

from typing import Any

from services.notifications.domain.route_model import Facts, Need, Route, lesson_fields, route
from services.notifications.domain.routes_schools import SCHOOL_ROUTES
from services.notifications.domain.routes_staff import STAFF_ROUTES
from shared.events import evaluation as ev
from shared.events import recruitment as rc
from shared.events import scheduling as sc


def _campaign(
    event: rc.ApplicationSubmitted
    | rc.InterviewScheduled
    | rc.ApplicantAdmitted
    | rc.ApplicantWaitlisted
    | rc.ApplicantRejected
    | rc.ApplicantPromoted,
    facts: Facts,
) -> str:
    """What the applicant knows the campaign by: its title, its id failing that."""
    title = getattr(event, "campaign_title", None)
    return title or facts.campaign_title or event.campaign_id


def _team_title(facts: Facts) -> str | None:
    return facts.team.title if facts.team else None


def _report_title(facts: Facts) -> str | None:
    if facts.report and facts.report.title:
        return facts.report.title
    return _team_title(facts)


def _report_authors(facts: Facts) -> tuple[str, ...]:
    return facts.report.author_ids if facts.report else ()


def _defense_slot(event: ev.DefenseScheduled | ev.DefenseWithdrawn, facts: Facts) -> dict:
    return {
        "title": _report_title(facts),
        "room": event.room or None,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
    }


def _shift(facts: Facts, name: str) -> object:
    return getattr(facts.shift, name) if facts.shift else None


C, T, R, S, M = Need.CAMPAIGN, Need.TEAM, Need.REPORT, Need.SHIFT, Need.MEETING

_RECRUITMENT: tuple[Route[Any], ...] = (
    route(
        rc.ApplicationSubmitted,
        "application_received",
        lambda e, f: [e.applicant_id],
        lambda e, f: {
            "applicant_name": e.applicant_name,
            "campaign": _campaign(e, f),
            "submitted_at": e.submitted_at,
        },
        C,
    ),
    route(
        rc.InterviewScheduled,
        "interview_scheduled",
        lambda e, f: [e.applicant_id],
        lambda e, f: {
            "campaign": _campaign(e, f),
            "starts_at": e.starts_at,
            "ends_at": e.ends_at,
            "place": e.place,
        },
        C,
    ),
    route(
        rc.ApplicantAdmitted,
        "applicant_admitted",
        lambda e, f: [e.applicant_id],
        lambda e, f: {"campaign": _campaign(e, f), "squad": e.squad_id},
        C,
    ),
    route(
        rc.ApplicantWaitlisted,
        "applicant_waitlisted",
        lambda e, f: [e.applicant_id],
        lambda e, f: {"campaign": _campaign(e, f), "rank": e.rank},
        C,
    ),
    route(
        rc.ApplicantRejected,
        "applicant_rejected",
        lambda e, f: [e.applicant_id],
        lambda e, f: {"campaign": _campaign(e, f), "reason": e.reason},
        C,
    ),
    route(
        rc.ApplicantPromoted,
        "applicant_promoted",
        lambda e, f: [e.applicant_id],
        lambda e, f: {"campaign": _campaign(e, f)},
        C,
    ),
    route(
        rc.MembershipStarted,
        "membership_started",
        lambda e, f: [e.person_id],
        lambda e, f: {"organisation": e.organisation_id, "role": e.role},
        subject=lambda e: e.membership_id,
    ),
    route(
        rc.MembershipEnded,
        "membership_ended",
        lambda e, f: [e.person_id],
        lambda e, f: {"organisation": e.organisation_id, "how": e.how, "reason": e.reason},
        subject=lambda e: e.membership_id,
    ),
    route(
        rc.ProjectTeamApproved,
        "team_approved",
        lambda e, f: f.team.everyone if f.team else (),
        lambda e, f: {
            "title": _team_title(f),
            "project_class": e.project_class,
            "budget_yuan": e.budget_yuan,
        },
        T,
    ),
    route(
        rc.ProjectTeamRejected,
        "team_rejected",
        lambda e, f: f.team.everyone if f.team else (),
        lambda e, f: {"title": _team_title(f), "reason": e.reason},
        T,
    ),
    route(
        rc.PairingCreated,
        "pairing_created",
        lambda e, f: [e.volunteer_id],
        lambda e, f: {"school": e.school_id, "reasons": list(e.reasons)},
        subject=lambda e: e.pairing_id,
    ),
    route(
        rc.PairingEnded,
        "pairing_ended",
        lambda e, f: [e.volunteer_id],
        lambda e, f: {"school": f.pairing_school, "reason": e.reason},
        Need.PAIRING,
        subject=lambda e: e.pairing_id,
    ),
)

_SCHEDULING: tuple[Route[Any], ...] = (
    route(
        sc.ShiftAssigned,
        "shift_assigned",
        lambda e, f: [e.person_id],
        lambda e, f: {
            "post": e.post,
            "place": e.place or None,
            "starts_at": e.starts_at,
            "ends_at": e.ends_at,
        },
    ),
    route(
        sc.ShiftChanged,
        "shift_changed",
        # The one who now holds the seat, and the one who no longer does.
        lambda e, f: [e.to_person_id, e.from_person_id],
        lambda e, f: {
            "post": _shift(f, "post"),
            "place": _shift(f, "place") or None,
            "starts_at": e.starts_at,
            "ends_at": e.ends_at,
            "why": e.why,
        },
        S,
    ),
    route(
        sc.ShiftCancelled,
        "shift_cancelled",
        lambda e, f: [e.person_id],
        lambda e, f: {"post": _shift(f, "post"), "starts_at": e.starts_at, "reason": e.reason},
        S,
    ),
    route(
        sc.ShiftOffered,
        "shift_offered",
        lambda e, f: [p for p in e.eligible if p != e.person_id],
        lambda e, f: {"post": _shift(f, "post"), "starts_at": e.starts_at},
        S,
        subject=lambda e: e.offer_id,
    ),
    route(
        sc.SwapDecided,
        "swap_decided",
        lambda e, f: [f.swap.requester_id, f.swap.partner_id] if f.swap else (),
        lambda e, f: {"decision": e.decision, "reason": e.reason or None},
        Need.SWAP,
    ),
    route(
        sc.DutyMissed,
        "duty_missed",
        lambda e, f: [e.person_id],
        lambda e, f: {"post": e.post, "starts_at": e.starts_at},
    ),
    route(
        sc.HandoverRecorded,
        "handover_recorded",
        # The next shift at the same post takes over; nobody is told when it is not known.
        lambda e, f: [p for p in f.next_shift_holders if p != e.person_id],
        lambda e, f: {
            "post": e.post,
            "unfinished_tasks": e.unfinished_tasks or None,
            "recorded_at": e.recorded_at,
        },
        Need.NEXT_SHIFT_HOLDERS,
        subject=lambda e: e.handover_id,
    ),
    route(
        sc.LessonAssigned,
        "lesson_assigned",
        lambda e, f: [e.volunteer_id],
        lambda e, f: lesson_fields(e),
        subject=lambda e: e.lesson_id,
    ),
    route(
        sc.MeetingScheduled,
        "meeting_scheduled",
        lambda e, f: f.members,
        lambda e, f: {
            "title": e.title,
            "agenda": e.agenda or None,
            "place": e.place or None,
            "starts_at": e.starts_at,
            "ends_at": e.ends_at,
        },
        Need.MEMBERS,
    ),
    route(
        sc.MeetingCancelled,
        "meeting_cancelled",
        lambda e, f: f.members,
        lambda e, f: {
            "title": f.meeting.title if f.meeting else None,
            "starts_at": f.meeting.starts_at if f.meeting else None,
        },
        M,
        Need.MEMBERS,
    ),
    route(
        sc.LeaveDecided,
        "leave_decided",
        lambda e, f: [e.person_id],
        lambda e, f: {"decision": e.decision},
    ),
    route(
        sc.AttendanceSanctionImposed,
        "attendance_sanction",
        lambda e, f: [e.person_id],
        lambda e, f: {"sanction": e.sanction, "reason": e.reason, "term": e.term},
        subject=lambda e: e.sanction_id,
    ),
    route(
        sc.ActivityScheduled,
        "activity_scheduled",
        lambda e, f: e.people,
        lambda e, f: {
            "title": e.title,
            "room": e.room or None,
            "starts_at": e.starts_at,
            "ends_at": e.ends_at,
        },
    ),
    route(
        sc.TaskDue,
        "task_due",
        lambda e, f: [e.assignee_id],
        lambda e, f: {"title": e.title, "activity": f.activity_title, "due_at": e.due_at},
        Need.ACTIVITY,
    ),
)

_EVALUATION: tuple[Route[Any], ...] = (
    route(
        ev.ReportExpected,
        "report_expected",
        lambda e, f: e.author_ids,
        lambda e, f: {"title": e.title or _team_title(f), "closes_at": e.closes_at},
        T,
    ),
    route(
        ev.ReviewAssigned,
        "review_assigned",
        lambda e, f: [e.reviewer_id],
        lambda e, f: {"title": _report_title(f), "season": e.season},
        R,
    ),
    route(
        ev.SimilarityFlagged,
        "similarity_flagged",
        lambda e, f: f.committee_chairs,
        lambda e, f: {"title": _report_title(f), "containment": e.containment},
        R,
        Need.COMMITTEE_CHAIR,
    ),
    route(
        ev.IntegrityDecided,
        "integrity_decided",
        lambda e, f: _report_authors(f),
        lambda e, f: {"title": _report_title(f), "decision": e.decision, "reason": e.reason},
        R,
    ),
    route(
        ev.GradeFinalised,
        "grade_finalised",
        lambda e, f: e.author_ids,
        lambda e, f: {"title": _report_title(f), "grade": e.grade, "passed": e.passed},
        R,
    ),
    route(
        ev.AwardGranted,
        "award_granted",
        lambda e, f: e.author_ids,
        lambda e, f: {"title": _report_title(f), "prize": e.prize},
        R,
    ),
    route(
        ev.DefenseScheduled,
        "defense_scheduled",
        # The authors defend; the panel sits.
        lambda e, f: [*_report_authors(f), *e.panel_ids],
        lambda e, f: _defense_slot(e, f),
        R,
        subject=lambda e: e.defense_id,
    ),
    route(
        ev.AwardWithdrawn,
        "award_withdrawn",
        lambda e, f: _report_authors(f),
        lambda e, f: {"title": _report_title(f), "prize": e.prize, "reason": e.reason},
        R,
    ),
    route(
        ev.DefenseWithdrawn,
        "defense_withdrawn",
        # Everyone told of the slot hears it is off: the authors and the panel. Not why:
        # the authors heard it with the integrity decision, the panel need not.
        lambda e, f: [*_report_authors(f), *e.panel_ids],
        lambda e, f: {**_defense_slot(e, f), "decided": e.decided},
        R,
        subject=lambda e: e.defense_id,
    ),
    route(
        ev.CreditsAwarded,
        "credits_awarded",
        lambda e, f: [e.student_id],
        lambda e, f: {"credits": e.credits, "balance": e.balance, "season": e.season},
        subject=lambda e: e.entry_id,
    ),
    route(
        ev.CreditsRevoked,
        "credits_revoked",
        lambda e, f: [e.student_id],
        lambda e, f: {"credits": e.credits, "balance": e.balance, "reason": e.reason},
        subject=lambda e: e.entry_id,
    ),
    *STAFF_ROUTES,
)

ROUTES: dict[str, Route[Any]] = {
    route.event_type: route for route in (*_RECRUITMENT, *_SCHEDULING, *_EVALUATION)
}


ALSO: dict[str, tuple[Route[Any], ...]] = {}
for _also in SCHOOL_ROUTES:
    ALSO[_also.event_type] = (*ALSO.get(_also.event_type, ()), _also)


def route_for(event_type: str) -> Route[Any] | None:
    """The event type's route, or None: no one is told (the event is counted and skipped)."""
    return ROUTES.get(event_type)


def routes_for(event_type: str) -> tuple[Route[Any], ...]:
    """Every route of the event type, its main one first; () when it has none."""
    main = ROUTES.get(event_type)
    return ((main,) if main else ()) + ALSO.get(event_type, ())
