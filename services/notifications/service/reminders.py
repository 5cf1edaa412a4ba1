"""Reminder use cases: a subject described, moved or cancelled; a person put on it or
taken off; a reminder fired by its durable timer (kind `notifications.reminder`, keyed
by the reminder id: moving it re-schedules the same timer, cancelling deletes it).
Each runs in the transaction it is handed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from services.notifications.domain.kinds import kind_named
from services.notifications.domain.reminders import (
    REMINDER_KIND,
    Firing,
    ReminderStatus,
    SubjectKind,
    message_event_id,
    parse_leads,
    reconcile,
    remaining_lead,
    reminder_id,
)
from services.notifications.repository import reminders as repository
from services.notifications.repository.reminders import Reminder
from services.notifications.service.messages import notify
from services.notifications.settings import NotificationsSettings, settings_for_use_cases
from shared.paging import Paging
from shared.timers import DueAction, cancel_many, schedule_many

REMINDER_TIMER = "notifications.reminder"


def leads_for(
    subject_kind: SubjectKind, settings: NotificationsSettings | None = None
) -> tuple[timedelta, ...]:
    chosen = settings or settings_for_use_cases()
    text = {
        SubjectKind.SHIFT: chosen.shift_reminder_leads_min,
        SubjectKind.MEETING: chosen.meeting_reminder_leads_min,
        SubjectKind.LESSON: chosen.lesson_reminder_leads_min,
        SubjectKind.REPORT_DEADLINE: chosen.deadline_reminder_leads_min,
        SubjectKind.APPLICATION_DEADLINE: chosen.deadline_reminder_leads_min,
        SubjectKind.TASK: chosen.task_reminder_leads_min,
    }[subject_kind]
    return parse_leads(text)


async def _schedule(
    conn: asyncpg.Connection,
    *,
    college: str,
    subject_kind: SubjectKind,
    subject_id: str,
    starts_at: datetime,
    keep: Sequence[tuple[str, Firing]],
    now: datetime,
) -> None:
    """Each (person, firing) written as a reminder and, when pending afterwards, its timer
    set (one statement each for all of them)."""
    planned = [
        Reminder(
            reminder_id=reminder_id(
                college=college,
                subject_kind=subject_kind,
                subject_id=subject_id,
                person_id=person_id,
                lead=firing.lead,
            ),
            college=college,
            subject_kind=subject_kind,
            subject_id=subject_id,
            person_id=person_id,
            lead_s=int(firing.lead.total_seconds()),
            kind=REMINDER_KIND[subject_kind],
            starts_at=starts_at,
            fire_at=firing.fire_at,
            status=ReminderStatus.PENDING,
            fired_at=None,
        )
        for person_id, firing in keep
    ]
    pending = await repository.put_reminders(conn, planned, now=now)
    await schedule_many(
        conn,
        kind=REMINDER_TIMER,
        timers=[
            (str(found.reminder_id), found.fire_at, {"college": college})
            for found in planned
            if found.reminder_id in pending
        ],
    )


async def _cancel(
    conn: asyncpg.Connection, reminders: Iterable[Reminder], *, now: datetime
) -> None:
    """The pending ones' timers deleted, then those still pending marked cancelled at
    once (one fired meanwhile stays sent)."""
    cancelled = [r.reminder_id for r in reminders if r.status == ReminderStatus.PENDING]
    await cancel_many(conn, kind=REMINDER_TIMER, keys=[str(found) for found in cancelled])
    if cancelled:
        await repository.cancel_pending(conn, reminder_ids=cancelled, now=now)


async def describe_subject(
    conn: asyncpg.Connection,
    *,
    college: str,
    subject_kind: SubjectKind,
    subject_id: str,
    starts_at: datetime,
    fields: Mapping[str, Any],
    holders: Sequence[str] | None,
    now: datetime,
    leads: Sequence[timedelta] | None = None,
    others_kept: bool = False,
) -> None:
    """The subject as an event describes it now. Everyone on it (`holders`; None: those
    already reminded of it) is reminded at its (perhaps new) time; whoever was on it
    and is not in `holders` loses their pending reminders (unless `others_kept`: the
    holders are put on it, everyone else is left as they are)."""
    await repository.put_subject(
        conn,
        college=college,
        subject_kind=subject_kind,
        subject_id=subject_id,
        starts_at=starts_at,
        fields=fields,
        now=now,
    )
    existing = await repository.reminders_of_subject(
        conn, college=college, subject_kind=subject_kind, subject_id=subject_id
    )
    if others_kept and holders is not None:
        existing = [r for r in existing if r.person_id in holders]
    previous = {r.person_id for r in existing if r.status != ReminderStatus.CANCELLED}
    change = reconcile(
        holders=holders if holders is not None else sorted(previous),
        previous_holders=previous,
        starts_at=starts_at,
        leads=leads or leads_for(subject_kind),
        now=now,
    )
    planned = {(person, int(f.lead.total_seconds())) for person, f in change.keep}
    stale = [r for r in existing if (r.person_id, int(r.lead_s)) not in planned]
    await _cancel(conn, stale, now=now)
    await _schedule(
        conn,
        college=college,
        subject_kind=subject_kind,
        subject_id=subject_id,
        starts_at=starts_at,
        keep=change.keep,
        now=now,
    )


async def add_person(
    conn: asyncpg.Connection,
    *,
    college: str,
    subject_kind: SubjectKind,
    subject_id: str,
    person_id: str,
    starts_at: datetime,
    fields: Mapping[str, Any],
    now: datetime,
    leads: Sequence[timedelta] | None = None,
) -> None:
    """A person is put on a subject (a seat on a shift): reminded of it, others untouched."""
    await describe_subject(
        conn,
        college=college,
        subject_kind=subject_kind,
        subject_id=subject_id,
        starts_at=starts_at,
        fields=fields,
        holders=[person_id],
        now=now,
        leads=leads,
        others_kept=True,
    )


async def remove_person(
    conn: asyncpg.Connection,
    *,
    college: str,
    subject_kind: SubjectKind,
    subject_id: str,
    person_id: str,
    now: datetime,
) -> None:
    """A person is no longer on the subject: their pending reminders of it are cancelled."""
    found = await repository.reminders_of_subject(
        conn,
        college=college,
        subject_kind=subject_kind,
        subject_id=subject_id,
        person_id=person_id,
    )
    await _cancel(conn, found, now=now)


async def cancel_subject(
    conn: asyncpg.Connection,
    *,
    college: str,
    subject_kind: SubjectKind,
    subject_id: str,
    now: datetime,
) -> None:
    """The subject is cancelled (or done with): nobody is reminded of it any more."""
    await repository.cancel_subject(
        conn, college=college, subject_kind=subject_kind, subject_id=subject_id, now=now
    )
    found = await repository.reminders_of_subject(
        conn, college=college, subject_kind=subject_kind, subject_id=subject_id
    )
    await _cancel(conn, found, now=now)


async def leave_organisation(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    organisation_kind: str,
    organisation_id: str,
    now: datetime,
) -> None:
    """A member left an organisation: not reminded of its meetings still ahead."""
    meetings = await repository.upcoming_subjects_of_organisation(
        conn,
        college=college,
        subject_kind=SubjectKind.MEETING,
        organisation_kind=organisation_kind,
        organisation_id=organisation_id,
        after=now,
    )
    for meeting in meetings:
        await remove_person(
            conn,
            college=college,
            subject_kind=SubjectKind.MEETING,
            subject_id=meeting,
            person_id=person_id,
            now=now,
        )


async def subject_of(
    conn: asyncpg.Connection, *, college: str, subject_kind: SubjectKind, subject_id: str
) -> repository.Subject | None:
    return await repository.subject(
        conn, college=college, subject_kind=subject_kind, subject_id=subject_id
    )


async def fire_reminder(conn: asyncpg.Connection, action: DueAction, now: datetime) -> None:
    """The durable timer of one reminder: its message to the person, once."""
    found = await repository.reminder(conn, reminder_id=UUID(action.key))
    if found is None or found.status != ReminderStatus.PENDING:
        return
    described = await repository.subject(
        conn,
        college=found.college,
        subject_kind=found.subject_kind,
        subject_id=found.subject_id,
    )
    if described is None or described.cancelled or described.starts_at <= now:
        await repository.set_status(
            conn, reminder_id=found.reminder_id, status=ReminderStatus.SKIPPED, now=now
        )
        return
    lead = remaining_lead(described.starts_at, now, timedelta(seconds=found.lead_s))
    given = {**described.fields, "lead": int(lead.total_seconds())}
    # Only the kind's declared fields (a subject also keeps what finds it, e.g. a
    # meeting's organisation).
    fields = {name: given.get(name) for name in kind_named(found.kind).fields}
    await notify(
        conn,
        college=found.college,
        event_id=message_event_id(found.reminder_id, described.starts_at),
        kind=found.kind,
        recipient_ids=[found.person_id],
        fields=fields,
        subject_id=found.subject_id,
        now=now,
    )
    await repository.set_status(
        conn, reminder_id=found.reminder_id, status=ReminderStatus.SENT, now=now, fired=True
    )


async def upcoming_reminders(
    conn: asyncpg.Connection, *, college: str, person_id: str, now: datetime, paging: Paging
) -> list[tuple[Reminder, dict[str, Any]]]:
    return await repository.upcoming_of_person(
        conn,
        college=college,
        person_id=person_id,
        after=now,
        limit=paging.limit,
        offset=paging.offset,
    )


REMINDER_DUE_ACTIONS = {REMINDER_TIMER: fire_reminder}
