"""Events the scheduling service publishes.

Each event is keyed by its aggregate: a rota, a shift, a swap, a timetable, a
meeting, a leave request, an activity or a preparation task, so one aggregate's
events stay in order. Sanctions stay keyed by person (recruitment ends the
person's membership).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from shared.events.base import DomainEvent

PersonId = Annotated[str, Field(min_length=1, max_length=64)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=4000)]
OrganisationKind = Literal["department", "brigade", "detachment", "group", "squad"]

# --- duty rotas (值班) ---------------------------------------------------------------


class RotaPublished(DomainEvent):
    """A duty rota was checked (no hard violation) and published: its assignments are pinned."""

    event_type = "campusflow.scheduling.rota.published.v1"
    key_field = "rota_id"

    rota_id: UUID
    name: ShortText
    starts_on: date
    ends_on: date
    shifts: int = Field(ge=0)
    assignments: int = Field(ge=0)
    published_at: AwareDatetime


ShiftChange = Literal["repair", "swap", "open_shift"]


class ShiftAssigned(DomainEvent):
    """A member holds a seat on a dated shift of a published rota."""

    event_type = "campusflow.scheduling.shift.assigned.v1"
    key_field = "shift_id"

    shift_id: UUID
    rota_id: UUID
    person_id: PersonId
    post: ShortText
    place: str = Field(default="", max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class ShiftChanged(DomainEvent):
    """A seat on a shift passed from one member to another (repair, approved swap, open shift)."""

    event_type = "campusflow.scheduling.shift.changed.v1"
    key_field = "shift_id"

    shift_id: UUID
    rota_id: UUID
    from_person_id: PersonId
    to_person_id: PersonId
    why: ShiftChange
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class ShiftCancelled(DomainEvent):
    """A member's seat on a shift was cancelled and nobody took it over."""

    event_type = "campusflow.scheduling.shift.cancelled.v1"
    key_field = "shift_id"

    shift_id: UUID
    rota_id: UUID
    person_id: PersonId
    reason: ShortText
    starts_at: AwareDatetime


class ShiftOffered(DomainEvent):
    """A member who cannot come offered their shift to eligible others (an open shift)."""

    event_type = "campusflow.scheduling.shift.offered.v1"
    key_field = "shift_id"

    offer_id: UUID
    shift_id: UUID
    rota_id: UUID
    person_id: PersonId
    eligible: list[PersonId] = Field(max_length=5000)
    starts_at: AwareDatetime


class SwapRequested(DomainEvent):
    """Two members asked to swap shifts; the department head decides."""

    event_type = "campusflow.scheduling.swap.requested.v1"
    key_field = "swap_id"

    swap_id: UUID
    rota_id: UUID
    requester_id: PersonId
    requester_shift_id: UUID
    partner_id: PersonId
    partner_shift_id: UUID


class SwapDecided(DomainEvent):
    """The department head approved or refused a swap (an approved swap was checked first)."""

    event_type = "campusflow.scheduling.swap.decided.v1"
    key_field = "swap_id"

    swap_id: UUID
    rota_id: UUID
    decision: Literal["approved", "refused"]
    decided_by: PersonId
    reason: str = Field(default="", max_length=500)


# --- sign-in (签到), no-shows and handover (交接) ---------------------------------------


class DutyCheckedIn(DomainEvent):
    """A member signed in for their shift at the duty desk."""

    event_type = "campusflow.scheduling.duty.checked_in.v1"
    key_field = "shift_id"

    shift_id: UUID
    person_id: PersonId
    post: ShortText
    checked_in_at: AwareDatetime
    late: bool


class DutyMissed(DomainEvent):
    """Nobody signed in by the shift's start plus grace: a no-show."""

    event_type = "campusflow.scheduling.duty.missed.v1"
    key_field = "shift_id"

    shift_id: UUID
    person_id: PersonId
    post: ShortText
    starts_at: AwareDatetime


class HandoverRecorded(DomainEvent):
    """A shift closed with a handover note for the next shift."""

    event_type = "campusflow.scheduling.handover.recorded.v1"
    key_field = "shift_id"

    handover_id: UUID
    shift_id: UUID
    person_id: PersonId
    post: ShortText
    unfinished_tasks: LongText = ""
    recorded_at: AwareDatetime


# --- teaching timetables (课表) -------------------------------------------------------


class TimetablePublished(DomainEvent):
    """A teaching timetable was checked (no hard violation) and published."""

    event_type = "campusflow.scheduling.timetable.published.v1"
    key_field = "timetable_id"

    timetable_id: UUID
    name: ShortText
    starts_on: date
    ends_on: date
    schools: int = Field(ge=0)
    lessons: int = Field(ge=0)
    published_at: AwareDatetime


class LessonAssigned(DomainEvent):
    """One dated lesson of a published timetable and the volunteer who teaches it (支教).

    Emitted per lesson with TimetablePublished, so each volunteer is told and reminded."""

    event_type = "campusflow.scheduling.lesson.assigned.v1"
    key_field = "timetable_id"

    lesson_id: UUID
    timetable_id: UUID
    volunteer_id: PersonId
    school: ShortText  # as the timetable names it
    school_id: str | None = Field(default=None, max_length=64)  # the timetable's school id
    class_name: ShortText
    subject: ShortText
    room: str = Field(default="", max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime


# --- meetings, leave and attendance (会议 / 请假 / 考勤) ---------------------------------


class MeetingScheduled(DomainEvent):
    """A presidium or department meeting was put on the calendar, with its agenda."""

    event_type = "campusflow.scheduling.meeting.scheduled.v1"
    key_field = "meeting_id"

    meeting_id: UUID
    organisation_kind: OrganisationKind
    organisation_id: ShortText
    title: ShortText
    agenda: LongText = ""
    place: str = Field(default="", max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    term: ShortText


class MeetingCancelled(DomainEvent):
    """A meeting was cancelled."""

    event_type = "campusflow.scheduling.meeting.cancelled.v1"
    key_field = "meeting_id"

    meeting_id: UUID
    reason: ShortText


class LeaveRequested(DomainEvent):
    """A member asked the department head for leave, before or retroactively right after."""

    event_type = "campusflow.scheduling.leave.requested.v1"
    key_field = "leave_id"

    leave_id: UUID
    person_id: PersonId
    meeting_id: UUID | None = None
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: ShortText
    retroactive: bool


class LeaveDecided(DomainEvent):
    """The department head granted or refused a leave request."""

    event_type = "campusflow.scheduling.leave.decided.v1"
    key_field = "leave_id"

    leave_id: UUID
    person_id: PersonId
    decision: Literal["granted", "refused"]
    decided_by: PersonId


Attendance = Literal["present", "late", "excused", "unexcused"]


class AttendanceRecorded(DomainEvent):
    """A member's attendance at a meeting was taken."""

    event_type = "campusflow.scheduling.attendance.recorded.v1"
    key_field = "meeting_id"

    meeting_id: UUID
    person_id: PersonId
    attendance: Attendance
    term: ShortText
    recorded_at: AwareDatetime


# DOMAIN.md §2 attendance rules: one unexcused absence → verbal warning; 5 late
# arrivals or more than 3 unexcused absences → compulsory withdrawal; leave for
# more than 1/3 of a term's meetings and activities → expulsion.
Sanction = Literal["verbal_warning", "compulsory_withdrawal", "expulsion"]


class AttendanceSanctionImposed(DomainEvent):
    """Attendance rules imposed a sanction on a member of a department or corps unit."""

    event_type = "campusflow.scheduling.attendance_sanction.imposed.v1"
    key_field = "person_id"

    sanction_id: UUID
    person_id: PersonId
    organisation_kind: OrganisationKind
    organisation_id: str = Field(min_length=1, max_length=64)
    sanction: Sanction
    reason: str = Field(min_length=1, max_length=500)
    term: str = Field(min_length=1, max_length=32)
    imposed_at: AwareDatetime


# --- activity calendar (活动日历) ------------------------------------------------------


class ActivityScheduled(DomainEvent):
    """A department's activity got a time and room that clash with no shared person or room."""

    event_type = "campusflow.scheduling.activity.scheduled.v1"
    key_field = "activity_id"

    activity_id: UUID
    department_id: ShortText
    title: ShortText
    room: str = Field(default="", max_length=200)
    people: list[PersonId] = Field(default_factory=list, max_length=500)
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class TaskDue(DomainEvent):
    """A preparation task of an activity reached its deadline (fired by a durable timer)."""

    event_type = "campusflow.scheduling.task.due.v1"
    key_field = "task_id"

    task_id: UUID
    activity_id: UUID
    department_id: ShortText
    title: ShortText
    assignee_id: PersonId | None = None
    due_at: AwareDatetime


class TaskPlanned(DomainEvent):
    """A preparation task has its deadline and the person (if any) who does it.

    Published when its activity is scheduled (no use case changes the deadline or the
    assignee afterwards yet; one that does publishes it again): the latest one describes
    the task."""

    event_type = "campusflow.scheduling.task.planned.v1"
    key_field = "task_id"

    task_id: UUID
    activity_id: UUID
    department_id: ShortText
    title: ShortText
    activity_title: ShortText
    assignee_id: PersonId | None = None
    due_at: AwareDatetime


class TaskDone(DomainEvent):
    """A preparation task was marked done by its assignee or an officer.

    Nobody is reminded of it any more, and its deadline never fires."""

    event_type = "campusflow.scheduling.task.done.v1"
    key_field = "task_id"

    task_id: UUID
    activity_id: UUID
    department_id: ShortText
    done_by: PersonId
    done_at: AwareDatetime


class IncidentReported(DomainEvent):
    """A safety incident on an outing or activity: the escalation chain starts (teacher,
    then grade leader, then the moral-education office) until someone acknowledges."""

    event_type = "campusflow.scheduling.incident.reported.v1"
    key_field = "incident_id"

    incident_id: UUID
    activity_id: UUID | None = None
    department_id: ShortText
    title: ShortText
    summary: LongText = ""
    place: str = Field(default="", max_length=200)
    reported_by: PersonId
    teacher_id: PersonId | None = Field(
        default=None, description="The teacher in charge of the outing, told first"
    )
    occurred_at: AwareDatetime
    reported_at: AwareDatetime
