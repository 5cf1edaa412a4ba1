"""Reminders (提醒): when each one fires, and what becomes of it when its subject moves.

A reminder is one person, one subject (a duty shift, a meeting, a lesson, a report or
application deadline, a preparation task) and one lead (how long before the subject's
time). Its identity is stable, so an event seen twice, or a subject described again,
finds it instead of making another; the message it sends is keyed by its identity and
its firing time, so a subject that moves reminds again at the new time, and one that
does not, never twice.

When a reminder's time has already passed when it becomes known (a shift assigned
20 hours ahead has no T-24 h any more), it is skipped — unless every lead has passed
and the subject is still ahead: then ONE reminder (the nearest lead's) fires at once,
so a person put on something at short notice still hears of it before it starts.
Nothing is sent for a subject that has started.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid5

# The namespace of reminder ids (uuid5 over college, subject, person and lead).
REMINDER_NAMESPACE = UUID("4b8f6a2e-58a0-4b7c-9d0a-6c1f3e2d7a10")


class SubjectKind(StrEnum):
    SHIFT = "shift"
    MEETING = "meeting"
    LESSON = "lesson"
    REPORT_DEADLINE = "report_deadline"
    APPLICATION_DEADLINE = "application_deadline"
    TASK = "task"


# The notification kind (domain/kinds.py) each subject reminds with.
REMINDER_KIND: dict[SubjectKind, str] = {
    SubjectKind.SHIFT: "shift_reminder",
    SubjectKind.MEETING: "meeting_reminder",
    SubjectKind.LESSON: "lesson_reminder",
    SubjectKind.REPORT_DEADLINE: "deadline_reminder",
    SubjectKind.APPLICATION_DEADLINE: "deadline_reminder",
    SubjectKind.TASK: "task_reminder",
}


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


def parse_leads(text: str) -> tuple[timedelta, ...]:
    """Leads from settings: comma-separated minutes ("1440,60"), largest first, distinct.
    A negative or unreadable lead is a configuration error (ValueError)."""
    leads: set[timedelta] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        minutes = int(part)
        if minutes < 0:
            raise ValueError(f"a reminder lead cannot be negative: {part!r}")
        leads.add(timedelta(minutes=minutes))
    return tuple(sorted(leads, reverse=True))


def leads_within_window(
    leads: Sequence[timedelta], *, opens_at: datetime | None, closes_at: datetime
) -> tuple[timedelta, ...]:
    """The leads of an application window's deadline that fall inside the window: none
    before it opens (the T−48 h reminder of a one-day window would come before anyone can
    apply). When every lead falls before the opening, one reminder at the opening. No
    opening known: the leads as they are."""
    if opens_at is None or closes_at <= opens_at:
        return tuple(leads)
    inside = tuple(lead for lead in leads if closes_at - lead >= opens_at)
    return inside if inside or not leads else (closes_at - opens_at,)


@dataclass(frozen=True)
class Firing:
    """One reminder's plan: its lead and when it fires (`at_once`: its own time had
    passed, and it fires now as the subject's only reminder)."""

    lead: timedelta
    fire_at: datetime
    at_once: bool = False


def plan_firings(starts_at: datetime, leads: Sequence[timedelta], *, now: datetime) -> list[Firing]:
    """When the reminders of a subject starting at `starts_at` fire, seen at `now`."""
    if starts_at <= now or not leads:
        return []
    ahead = [Firing(lead, starts_at - lead) for lead in leads if starts_at - lead > now]
    if ahead:
        return ahead
    nearest = min(leads)
    return [Firing(nearest, now, at_once=True)]


def reminder_id(
    *, college: str, subject_kind: SubjectKind, subject_id: str, person_id: str, lead: timedelta
) -> UUID:
    """The stable identity of one person's reminder of one subject at one lead."""
    seconds = int(lead.total_seconds())
    return uuid5(REMINDER_NAMESPACE, f"{college}|{subject_kind}|{subject_id}|{person_id}|{seconds}")


def message_event_id(reminder: UUID, starts_at: datetime) -> UUID:
    """The event id the reminder's message is made from: once per reminder and subject
    time (a subject described again unchanged reminds nobody twice; a moved one again)."""
    return uuid5(reminder, starts_at.isoformat())


def remaining_lead(starts_at: datetime, fired_at: datetime, planned: timedelta) -> timedelta:
    """The lead the message states: the planned one, or what is really left when the
    reminder fires late (at once, or after a restart) — never more than planned."""
    left = max(starts_at - fired_at, timedelta(0))
    return min(planned, left)


def application_audience(pool: Iterable[str], applicants: Collection[str]) -> list[str]:
    """Who is reminded of a campaign's application deadline: the college's volunteer pool
    (its current members and the volunteers it enrolled) less everyone who applied to the
    campaign — once each, in the pool's order."""
    return [person for person in dict.fromkeys(pool) if person not in applicants]


@dataclass(frozen=True)
class ReminderChange:
    """What to do with a subject's reminders: `keep` are (person, firing) to schedule
    (new, or moved to their new time); `drop` are the persons whose pending reminders
    of this subject are cancelled."""

    keep: tuple[tuple[str, Firing], ...]
    drop: frozenset[str]


def reconcile(
    *,
    holders: Iterable[str],
    previous_holders: Iterable[str],
    starts_at: datetime,
    leads: Sequence[timedelta],
    now: datetime,
) -> ReminderChange:
    """A subject is (re)described: its holders now and before, its time now. Everyone
    still on it is reminded at the new time; whoever left it loses their reminders."""
    current = tuple(dict.fromkeys(holders))
    firings = plan_firings(starts_at, leads, now=now)
    keep = tuple((person, firing) for person in current for firing in firings)
    return ReminderChange(keep=keep, drop=frozenset(previous_holders) - set(current))
