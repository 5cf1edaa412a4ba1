"""SQL of reminders: their subjects (as the events last described them) and each
person's reminders of them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class Subject:
    college: str
    subject_kind: str
    subject_id: str
    starts_at: datetime
    fields: dict[str, Any]
    cancelled: bool


@dataclass(frozen=True)
class Reminder:
    reminder_id: UUID
    college: str
    subject_kind: str
    subject_id: str
    person_id: str
    lead_s: int
    kind: str
    starts_at: datetime
    fire_at: datetime
    status: str
    fired_at: datetime | None


_REMINDER_COLUMNS = (
    "reminder_id, college, subject_kind, subject_id, person_id, lead_s, kind, starts_at,"
    " fire_at, status, fired_at"
)


def _json_value(value: object) -> object:
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else str(value)


def _reminder(row: asyncpg.Record) -> Reminder:
    return Reminder(**dict(row))


async def put_subject(
    conn: asyncpg.Connection,
    *,
    college: str,
    subject_kind: str,
    subject_id: str,
    starts_at: datetime,
    fields: Mapping[str, Any],
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO reminder_subjects (college, subject_kind, subject_id, starts_at, fields,"
        " cancelled, updated_at) VALUES ($1, $2, $3, $4, $5::jsonb, false, $6)"
        " ON CONFLICT (college, subject_kind, subject_id) DO UPDATE SET"
        " starts_at = EXCLUDED.starts_at, fields = EXCLUDED.fields, cancelled = false,"
        " updated_at = EXCLUDED.updated_at",
        college,
        subject_kind,
        subject_id,
        starts_at,
        json.dumps(dict(fields), ensure_ascii=False, default=_json_value),
        now,
    )


async def subject(
    conn: asyncpg.Connection, *, college: str, subject_kind: str, subject_id: str
) -> Subject | None:
    row = await conn.fetchrow(
        "SELECT college, subject_kind, subject_id, starts_at, fields, cancelled"
        " FROM reminder_subjects WHERE college = $1 AND subject_kind = $2 AND subject_id = $3",
        college,
        subject_kind,
        subject_id,
    )
    if row is None:
        return None
    return Subject(**{**dict(row), "fields": json.loads(row["fields"])})


async def cancel_subject(
    conn: asyncpg.Connection, *, college: str, subject_kind: str, subject_id: str, now: datetime
) -> None:
    await conn.execute(
        "UPDATE reminder_subjects SET cancelled = true, updated_at = $4"
        " WHERE college = $1 AND subject_kind = $2 AND subject_id = $3",
        college,
        subject_kind,
        subject_id,
        now,
    )


async def upcoming_subjects_of_organisation(
    conn: asyncpg.Connection,
    *,
    college: str,
    subject_kind: str,
    organisation_kind: str,
    organisation_id: str,
    after: datetime,
) -> list[str]:
    """Subject ids (meetings) of an organisation still ahead and not cancelled."""
    rows = await conn.fetch(
        "SELECT subject_id FROM reminder_subjects WHERE college = $1 AND subject_kind = $2"
        " AND NOT cancelled AND starts_at > $5 AND fields->>'organisation_kind' = $3"
        " AND fields->>'organisation_id' = $4 ORDER BY subject_id",
        college,
        subject_kind,
        organisation_kind,
        organisation_id,
        after,
    )
    return [row["subject_id"] for row in rows]


async def open_subjects(
    conn: asyncpg.Connection, *, college: str, subject_kind: str, after: datetime
) -> list[Subject]:
    """A college's subjects of one kind still ahead and not cancelled (e.g. the campaigns
    still taking applications)."""
    rows = await conn.fetch(
        "SELECT college, subject_kind, subject_id, starts_at, fields, cancelled"
        " FROM reminder_subjects WHERE college = $1 AND subject_kind = $2"
        " AND NOT cancelled AND starts_at > $3 ORDER BY starts_at, subject_id",
        college,
        subject_kind,
        after,
    )
    return [Subject(**{**dict(row), "fields": json.loads(row["fields"])}) for row in rows]


async def reminders_of_subject(
    conn: asyncpg.Connection,
    *,
    college: str,
    subject_kind: str,
    subject_id: str,
    person_id: str | None = None,
) -> list[Reminder]:
    rows = await conn.fetch(
        f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE college = $1 AND subject_kind = $2"
        " AND subject_id = $3 AND ($4::text IS NULL OR person_id = $4)"
        " ORDER BY person_id, fire_at",
        college,
        subject_kind,
        subject_id,
        person_id,
    )
    return [_reminder(row) for row in rows]


async def put_reminders(
    conn: asyncpg.Connection, reminders: Sequence[Reminder], *, now: datetime
) -> set[UUID]:
    """Insert the reminders, or move them (back to pending at their new time), in one
    statement (distinct ids). One already sent for the same subject time stays sent.
    The ids pending afterwards."""
    if not reminders:
        return set()
    rows = await conn.fetch(
        "INSERT INTO reminders (reminder_id, college, subject_kind, subject_id, person_id,"
        " lead_s, kind, starts_at, fire_at, status, updated_at)"
        " SELECT r.id, r.college, r.subject_kind, r.subject_id, r.person_id, r.lead_s,"
        " r.kind, r.starts_at, r.fire_at, 'pending', $10"
        " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],"
        " $6::int[], $7::text[], $8::timestamptz[], $9::timestamptz[])"
        " AS r(id, college, subject_kind, subject_id, person_id, lead_s, kind, starts_at,"
        " fire_at)"
        " ON CONFLICT (reminder_id) DO UPDATE SET"
        " status = CASE WHEN reminders.status = 'sent'"
        "   AND reminders.starts_at = EXCLUDED.starts_at THEN 'sent' ELSE 'pending' END,"
        " fire_at = CASE WHEN reminders.status = 'sent'"
        "   AND reminders.starts_at = EXCLUDED.starts_at THEN reminders.fire_at"
        "   ELSE EXCLUDED.fire_at END,"
        " starts_at = EXCLUDED.starts_at, updated_at = EXCLUDED.updated_at"
        " RETURNING reminder_id, status",
        [r.reminder_id for r in reminders],
        [r.college for r in reminders],
        [r.subject_kind for r in reminders],
        [r.subject_id for r in reminders],
        [r.person_id for r in reminders],
        [r.lead_s for r in reminders],
        [r.kind for r in reminders],
        [r.starts_at for r in reminders],
        [r.fire_at for r in reminders],
        now,
    )
    return {row["reminder_id"] for row in rows if row["status"] == "pending"}


async def cancel_pending(
    conn: asyncpg.Connection, *, reminder_ids: Sequence[UUID], now: datetime
) -> None:
    """Those still pending are cancelled; one its timer fired meanwhile (the firing held
    its row, this waited for it) stays sent."""
    await conn.execute(
        "UPDATE reminders SET status = 'cancelled', updated_at = $2"
        " WHERE reminder_id = ANY($1::uuid[]) AND status = 'pending'",
        list(reminder_ids),
        now,
    )


async def set_status(
    conn: asyncpg.Connection,
    *,
    reminder_id: UUID,
    status: str,
    now: datetime,
    fired: bool = False,
) -> None:
    await conn.execute(
        "UPDATE reminders SET status = $2, updated_at = $3,"
        " fired_at = CASE WHEN $4 THEN $3 ELSE fired_at END WHERE reminder_id = $1",
        reminder_id,
        status,
        now,
        fired,
    )


async def reminder(conn: asyncpg.Connection, *, reminder_id: UUID) -> Reminder | None:
    row = await conn.fetchrow(
        f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE reminder_id = $1 FOR UPDATE",
        reminder_id,
    )
    return None if row is None else _reminder(row)


async def upcoming_of_person(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    after: datetime,
    limit: int,
    offset: int,
) -> list[tuple[Reminder, dict[str, Any]]]:
    rows = await conn.fetch(
        "SELECT r.reminder_id, r.college, r.subject_kind, r.subject_id, r.person_id, r.lead_s,"
        " r.kind, r.starts_at, r.fire_at, r.status, r.fired_at, s.fields"
        " FROM reminders r JOIN reminder_subjects s USING (college, subject_kind, subject_id)"
        " WHERE r.college = $1 AND r.person_id = $2 AND r.status = 'pending'"
        " AND r.starts_at > $3 ORDER BY r.fire_at, r.reminder_id LIMIT $4 OFFSET $5",
        college,
        person_id,
        after,
        limit,
        offset,
    )
    found = []
    for row in rows:
        values = dict(row)
        fields = json.loads(values.pop("fields"))
        found.append((Reminder(**values), fields))
    return found
