"""Notifications' reminder and escalation consumers (REM-ESC): they keep the reminders'
own tables from the events that describe shifts, meetings, lessons, report and
application deadlines and preparation tasks, and start and stop escalation chains from
the events of their cases.
Inbox (exactly once per consumer) and dead letters are the kernel's.

Who is reminded of what:
- a duty shift: the member holding the seat (ShiftAssigned); a ShiftChanged moves the
  seat's reminders from one person to the other (and to the new time); ShiftCancelled
  takes them away from the person;
- a meeting: the current members of its organisation (notifications' own membership
  read model) when MeetingScheduled arrives (again: moved); MeetingCancelled cancels;
- a lesson: its volunteer teacher (LessonAssigned, one per lesson of a published
  timetable);
- a report deadline: the submitter and every author (ReportExpected.closes_at); the
  first submission (ReportSubmitted) cancels the reminders;
- a preparation task and a campaign's application deadline: `consumers/deadlines.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from services.notifications.consumers.deadlines import DEADLINE_HANDLERS
from services.notifications.domain.escalations import ChainName
from services.notifications.domain.reminders import SubjectKind
from services.notifications.repository import read_models
from services.notifications.service import application_deadlines, escalations, reminders
from shared.events.base import Envelope
from shared.events.evaluation import ReportExpected, ReportSubmitted
from shared.events.recruitment import MembershipEnded, PupilDroppedOut, PupilReturnedToSchool
from shared.events.scheduling import (
    IncidentReported,
    LessonAssigned,
    MeetingCancelled,
    MeetingScheduled,
    ShiftAssigned,
    ShiftCancelled,
    ShiftChanged,
)
from shared.messaging.consumer import EventConsumer, Handler


def _now() -> datetime:
    return datetime.now(UTC)


# --- shifts ---------------------------------------------------------------------------


async def on_shift_assigned(
    conn: asyncpg.Connection, event: ShiftAssigned, envelope: Envelope
) -> None:
    await reminders.add_person(
        conn,
        college=event.college,
        subject_kind=SubjectKind.SHIFT,
        subject_id=str(event.shift_id),
        person_id=event.person_id,
        starts_at=event.starts_at,
        fields={"post": event.post, "place": event.place, "starts_at": event.starts_at},
        now=_now(),
    )


async def on_shift_changed(
    conn: asyncpg.Connection, event: ShiftChanged, envelope: Envelope
) -> None:
    now = _now()
    subject_id = str(event.shift_id)
    known = await reminders.subject_of(
        conn, college=event.college, subject_kind=SubjectKind.SHIFT, subject_id=subject_id
    )
    if known is not None:
        post, place = str(known.fields.get("post", "")), str(known.fields.get("place", ""))
    else:
        shift = await read_models.shift(conn, college=event.college, shift_id=event.shift_id)
        post, place = (shift.post, shift.place) if shift is not None else ("", "")
    await reminders.remove_person(
        conn,
        college=event.college,
        subject_kind=SubjectKind.SHIFT,
        subject_id=subject_id,
        person_id=event.from_person_id,
        now=now,
    )
    fields = {"post": post, "place": place, "starts_at": event.starts_at}
    if known is not None and known.starts_at != event.starts_at:
        # The shift itself moved: everyone still on it is reminded at the new time.
        await reminders.describe_subject(
            conn,
            college=event.college,
            subject_kind=SubjectKind.SHIFT,
            subject_id=subject_id,
            starts_at=event.starts_at,
            fields=fields,
            holders=None,
            now=now,
        )
    await reminders.add_person(
        conn,
        college=event.college,
        subject_kind=SubjectKind.SHIFT,
        subject_id=subject_id,
        person_id=event.to_person_id,
        starts_at=event.starts_at,
        fields=fields,
        now=now,
    )


async def on_shift_cancelled(
    conn: asyncpg.Connection, event: ShiftCancelled, envelope: Envelope
) -> None:
    await reminders.remove_person(
        conn,
        college=event.college,
        subject_kind=SubjectKind.SHIFT,
        subject_id=str(event.shift_id),
        person_id=event.person_id,
        now=_now(),
    )


# --- meetings and lessons -----------------------------------------------------------------


async def on_meeting_scheduled(
    conn: asyncpg.Connection, event: MeetingScheduled, envelope: Envelope
) -> None:
    members = await read_models.current_members(
        conn,
        college=event.college,
        organisation_kind=event.organisation_kind,
        organisation_id=event.organisation_id,
    )
    await reminders.describe_subject(
        conn,
        college=event.college,
        subject_kind=SubjectKind.MEETING,
        subject_id=str(event.meeting_id),
        starts_at=event.starts_at,
        fields={
            "title": event.title,
            "agenda": event.agenda,
            "place": event.place,
            "starts_at": event.starts_at,
            "organisation_kind": event.organisation_kind,
            "organisation_id": event.organisation_id,
        },
        holders=members,
        now=_now(),
    )


async def on_membership_ended(
    conn: asyncpg.Connection, event: MembershipEnded, envelope: Envelope
) -> None:
    now = _now()
    await reminders.leave_organisation(
        conn,
        college=event.college,
        person_id=event.person_id,
        organisation_kind=event.organisation_kind,
        organisation_id=event.organisation_id,
        now=now,
    )
    # Out of the volunteer pool too, unless still a member elsewhere (or a volunteer).
    await application_deadlines.left_pool(
        conn,
        college=event.college,
        person_id=event.person_id,
        source=application_deadlines.MEMBERSHIP,
        source_id=str(event.membership_id),
        ended_at=event.ended_at,
        now=now,
    )


async def on_meeting_cancelled(
    conn: asyncpg.Connection, event: MeetingCancelled, envelope: Envelope
) -> None:
    await reminders.cancel_subject(
        conn,
        college=event.college,
        subject_kind=SubjectKind.MEETING,
        subject_id=str(event.meeting_id),
        now=_now(),
    )


async def on_lesson_assigned(
    conn: asyncpg.Connection, event: LessonAssigned, envelope: Envelope
) -> None:
    await reminders.describe_subject(
        conn,
        college=event.college,
        subject_kind=SubjectKind.LESSON,
        subject_id=str(event.lesson_id),
        starts_at=event.starts_at,
        fields={
            "school": event.school,
            "class_name": event.class_name,
            "subject": event.subject,
            "room": event.room,
            "starts_at": event.starts_at,
        },
        holders=[event.volunteer_id],
        now=_now(),
    )


# --- report deadlines --------------------------------------------------------------------


async def on_report_expected(
    conn: asyncpg.Connection, event: ReportExpected, envelope: Envelope
) -> None:
    await reminders.describe_subject(
        conn,
        college=event.college,
        subject_kind=SubjectKind.REPORT_DEADLINE,
        subject_id=str(event.report_id),
        starts_at=event.closes_at,
        fields={
            "what": "report",
            "title": event.title or event.season,
            "due_at": event.closes_at,
        },
        holders=[event.submitter_id, *event.author_ids],
        now=_now(),
    )


async def on_report_submitted(
    conn: asyncpg.Connection, event: ReportSubmitted, envelope: Envelope
) -> None:
    await reminders.cancel_subject(
        conn,
        college=event.college,
        subject_kind=SubjectKind.REPORT_DEADLINE,
        subject_id=str(event.report_id),
        now=_now(),
    )


REMINDERS = EventConsumer(
    "notifications.reminders",
    handlers=[
        Handler(ShiftAssigned, on_shift_assigned),
        Handler(ShiftChanged, on_shift_changed),
        Handler(ShiftCancelled, on_shift_cancelled),
        Handler(MeetingScheduled, on_meeting_scheduled),
        Handler(MeetingCancelled, on_meeting_cancelled),
        Handler(MembershipEnded, on_membership_ended),
        Handler(LessonAssigned, on_lesson_assigned),
        Handler(ReportExpected, on_report_expected),
        Handler(ReportSubmitted, on_report_submitted),
        *DEADLINE_HANDLERS,
    ],
    description="Keeps reminders before shifts, meetings, lessons, report and application "
    "deadlines and preparation tasks: scheduled, moved and cancelled with their subjects.",
)

# --- escalation chains -------------------------------------------------------------------


async def on_incident_reported(
    conn: asyncpg.Connection, event: IncidentReported, envelope: Envelope
) -> None:
    await escalations.start_chain(
        conn,
        college=event.college,
        chain=ChainName.INCIDENT,
        subject_id=str(event.incident_id),
        title=event.title,
        facts={
            "title": event.title,
            "summary": event.summary,
            "place": event.place,
            "occurred_at": event.occurred_at.isoformat(),
            "teacher_id": event.teacher_id,
            "department_id": event.department_id,
            "activity_id": None if event.activity_id is None else str(event.activity_id),
            "reported_by": event.reported_by,
        },
        now=_now(),
    )


async def on_pupil_dropped_out(
    conn: asyncpg.Connection, event: PupilDroppedOut, envelope: Envelope
) -> None:
    await escalations.start_chain(
        conn,
        college=event.college,
        chain=ChainName.DROPOUT,
        subject_id=str(event.case_id),
        title=f"辍学返校 {event.school_id}",
        facts={
            "beneficiary_id": str(event.beneficiary_id),
            "school": event.school_id,
            "school_id": event.school_id,
            "county": event.county,
            "return_by": event.return_by.isoformat(),
            "reported_by": event.reported_by,
        },
        now=_now(),
    )


async def on_pupil_returned(
    conn: asyncpg.Connection, event: PupilReturnedToSchool, envelope: Envelope
) -> None:
    await escalations.resolve_case(
        conn,
        college=event.college,
        chain=ChainName.DROPOUT,
        subject_id=str(event.case_id),
        by=event.recorded_by,
        now=_now(),
    )


ESCALATIONS = EventConsumer(
    "notifications.escalations",
    handlers=[
        Handler(IncidentReported, on_incident_reported),
        Handler(PupilDroppedOut, on_pupil_dropped_out),
        Handler(PupilReturnedToSchool, on_pupil_returned),
    ],
    description="Starts escalation chains for incidents and dropouts; a pupil's return "
    "resolves the dropout chain.",
)

REMINDER_CONSUMERS: tuple[EventConsumer, ...] = (REMINDERS, ESCALATIONS)
