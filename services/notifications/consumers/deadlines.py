"""The reminders consumer's handlers for preparation tasks and application deadlines
(the consumer itself, with shifts, meetings, lessons and report deadlines, is in
`consumers/reminders.py`).

- a preparation task: its assignee (TaskPlanned, published when the task gets its
  deadline; a later one for the same task moves the reminders to its time or to its
  assignee); TaskDone cancels them;
- a campaign's application deadline: the college's volunteer pool who have not applied
  (service/application_deadlines.py says who and why); CampaignOpened schedules,
  ApplicationSubmitted takes the applicant off, MembershipStarted / VolunteerEnrolled
  put a person on the open campaigns, CampaignClosed cancels (MembershipEnded is handled
  with the meetings' in `consumers/reminders.py`);
- a project season's application deadline, the same way: ProjectSeasonOpened schedules,
  ProjectTeamRegistered takes the team's students off.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from services.notifications.domain.reminders import SubjectKind
from services.notifications.service import application_deadlines, reminders
from shared.events.base import Envelope
from shared.events.recruitment import (
    ApplicationSubmitted,
    CampaignClosed,
    CampaignOpened,
    MembershipStarted,
    ProjectSeasonOpened,
    ProjectTeamRegistered,
    VolunteerEnrolled,
)
from shared.events.scheduling import TaskDone, TaskPlanned
from shared.messaging.consumer import AnyHandler, Handler


def _now() -> datetime:
    return datetime.now(UTC)


# --- preparation tasks --------------------------------------------------------------------


def task_title(activity_title: str, title: str) -> str:
    """How a reminder names a task: its activity, then the task ("义务助教 · 活动宣传")."""
    return f"{activity_title} · {title}"


async def on_task_planned(conn: asyncpg.Connection, event: TaskPlanned, envelope: Envelope) -> None:
    await reminders.describe_subject(
        conn,
        college=event.college,
        subject_kind=SubjectKind.TASK,
        subject_id=str(event.task_id),
        starts_at=event.due_at,
        fields={
            "title": task_title(event.activity_title, event.title),
            "due_at": event.due_at,
            "activity_id": str(event.activity_id),
            "department_id": event.department_id,
        },
        # Nobody named: nobody is reminded (and a former assignee no longer).
        holders=[event.assignee_id] if event.assignee_id is not None else [],
        now=_now(),
    )


async def on_task_done(conn: asyncpg.Connection, event: TaskDone, envelope: Envelope) -> None:
    await reminders.cancel_subject(
        conn,
        college=event.college,
        subject_kind=SubjectKind.TASK,
        subject_id=str(event.task_id),
        now=_now(),
    )


# --- application deadlines -----------------------------------------------------------------


async def on_campaign_opened(
    conn: asyncpg.Connection, event: CampaignOpened, envelope: Envelope
) -> None:
    await application_deadlines.campaign_opened(
        conn,
        college=event.college,
        campaign_id=event.campaign_id,
        title=event.title,
        closes_at=event.applications_close_at,
        opens_at=event.applications_open_at,
        now=_now(),
    )


async def on_campaign_closed(
    conn: asyncpg.Connection, event: CampaignClosed, envelope: Envelope
) -> None:
    await application_deadlines.campaign_closed(
        conn, college=event.college, campaign_id=event.campaign_id, now=_now()
    )


async def on_application_submitted(
    conn: asyncpg.Connection, event: ApplicationSubmitted, envelope: Envelope
) -> None:
    await application_deadlines.applied(
        conn,
        college=event.college,
        campaign_id=event.campaign_id,
        person_id=event.applicant_id,
        applied_at=event.submitted_at,
        now=_now(),
    )


async def on_project_season_opened(
    conn: asyncpg.Connection, event: ProjectSeasonOpened, envelope: Envelope
) -> None:
    await application_deadlines.campaign_opened(
        conn,
        college=event.college,
        campaign_id=application_deadlines.season_deadline(event.season),
        title=event.title,
        closes_at=event.applications_close_at,
        what="project",
        opens_at=event.applications_open_at,
        now=_now(),
    )


async def on_project_team_registered(
    conn: asyncpg.Connection, event: ProjectTeamRegistered, envelope: Envelope
) -> None:
    for student in sorted({event.leader_id, *event.member_ids}):
        await application_deadlines.applied(
            conn,
            college=event.college,
            campaign_id=application_deadlines.season_deadline(event.season),
            person_id=student,
            applied_at=event.registered_at,
            now=_now(),
        )


async def on_membership_started(
    conn: asyncpg.Connection, event: MembershipStarted, envelope: Envelope
) -> None:
    await application_deadlines.joined_pool(
        conn,
        college=event.college,
        person_id=event.person_id,
        source=application_deadlines.MEMBERSHIP,
        source_id=str(event.membership_id),
        since=event.started_at,
        now=_now(),
    )


async def on_volunteer_enrolled(
    conn: asyncpg.Connection, event: VolunteerEnrolled, envelope: Envelope
) -> None:
    await application_deadlines.joined_pool(
        conn,
        college=event.college,
        person_id=event.volunteer_id,
        source=application_deadlines.VOLUNTEER,
        source_id=event.campaign_id,
        since=event.enrolled_at,
        now=_now(),
    )


DEADLINE_HANDLERS: tuple[AnyHandler, ...] = (
    Handler(TaskPlanned, on_task_planned),
    Handler(TaskDone, on_task_done),
    Handler(CampaignOpened, on_campaign_opened),
    Handler(CampaignClosed, on_campaign_closed),
    Handler(ApplicationSubmitted, on_application_submitted),
    Handler(ProjectSeasonOpened, on_project_season_opened),
    Handler(ProjectTeamRegistered, on_project_team_registered),
    Handler(MembershipStarted, on_membership_started),
    Handler(VolunteerEnrolled, on_volunteer_enrolled),
)
