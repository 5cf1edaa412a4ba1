"""SQL of meetings, and of who belongs to a meeting's organisation (the `memberships`
read model that recruitment's events fill)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.scheduling.domain.meetings import Meeting, MeetingFilter, Organisation
from services.scheduling.repository.rows import row_by_id
from shared.paging import Paging

_COLUMNS = (
    "college, meeting_id, organisation_kind, organisation_id, title, agenda, place,"
    " starts_at, ends_at, term, status, version, scheduled_by, scheduled_at, series_id,"
    " cancel_reason, cancelled_at"
)


def with_organisation(row: asyncpg.Record) -> dict[str, Any]:
    """A row's columns, its organisation_kind and organisation_id as one Organisation."""
    values = dict(row)
    kind = values.pop("organisation_kind")
    values["organisation"] = Organisation(kind=kind, id=values.pop("organisation_id"))
    return values


def _meeting(row: asyncpg.Record) -> Meeting:
    return Meeting(**with_organisation(row))


def _row(meeting: Meeting) -> tuple[object, ...]:
    return (
        meeting.college,
        meeting.meeting_id,
        meeting.organisation.kind,
        meeting.organisation.id,
        meeting.title,
        meeting.agenda,
        meeting.place,
        meeting.starts_at,
        meeting.ends_at,
        meeting.term,
        meeting.status,
        meeting.version,
        meeting.scheduled_by,
        meeting.scheduled_at,
        meeting.series_id,
        meeting.cancel_reason,
        meeting.cancelled_at,
    )


async def insert_meetings(conn: asyncpg.Connection, meetings: Sequence[Meeting]) -> None:
    await conn.executemany(
        f"INSERT INTO meetings ({_COLUMNS})"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
        [_row(meeting) for meeting in meetings],
    )


async def get_meeting(
    conn: asyncpg.Connection, *, college: str, meeting_id: UUID, for_update: bool = False
) -> Meeting | None:
    query = f"SELECT {_COLUMNS} FROM meetings WHERE college = $1 AND meeting_id = $2"
    return await row_by_id(conn, query, college, meeting_id, for_update=for_update, read=_meeting)


async def lock_meetings(
    conn: asyncpg.Connection, *, college: str, meeting_ids: Sequence[UUID]
) -> list[Meeting]:
    """Lock several meetings, always in the same order (no deadlock between two callers)."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM meetings WHERE college = $1 AND meeting_id = ANY($2::uuid[])"
        " ORDER BY meeting_id FOR UPDATE",
        college,
        list(meeting_ids),
    )
    return [_meeting(row) for row in rows]


async def record_cancelled(conn: asyncpg.Connection, meeting: Meeting) -> None:
    await conn.execute(
        "UPDATE meetings SET status = $3, version = $4, cancel_reason = $5, cancelled_at = $6"
        " WHERE college = $1 AND meeting_id = $2",
        meeting.college,
        meeting.meeting_id,
        meeting.status,
        meeting.version,
        meeting.cancel_reason,
        meeting.cancelled_at,
    )


async def find_meetings(
    conn: asyncpg.Connection, *, college: str, where: MeetingFilter, paging: Paging
) -> list[Meeting]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM meetings WHERE college = $1"
        " AND ($2::text IS NULL OR organisation_kind = $2)"
        " AND ($3::text IS NULL OR organisation_id = $3)"
        " AND ($4::text IS NULL OR term = $4)"
        " AND ($5::text IS NULL OR status = $5)"
        " AND ($6::timestamptz IS NULL OR starts_at >= $6)"
        " AND ($7::timestamptz IS NULL OR starts_at < $7)"
        " AND ($8::uuid IS NULL OR series_id = $8)"
        " ORDER BY starts_at, meeting_id LIMIT $9 OFFSET $10",
        college,
        where.organisation_kind,
        where.organisation_id,
        where.term,
        where.status,
        where.starts_from,
        where.starts_before,
        where.series_id,
        paging.limit,
        paging.offset,
    )
    return [_meeting(row) for row in rows]


async def meeting_days(
    conn: asyncpg.Connection,
    *,
    college: str,
    organisation: Organisation,
    starts_from: datetime,
    starts_before: datetime,
    time_zone: str,
) -> list[date]:
    """The campus days of an organisation's meetings (not cancelled) in a span."""
    rows = await conn.fetch(
        "SELECT (starts_at AT TIME ZONE $6)::date AS day FROM meetings"
        " WHERE college = $1 AND organisation_kind = $2 AND organisation_id = $3"
        " AND status = 'scheduled' AND starts_at >= $4 AND starts_at < $5",
        college,
        organisation.kind,
        organisation.id,
        starts_from,
        starts_before,
        time_zone,
    )
    return [row["day"] for row in rows]


async def count_term_meetings(
    conn: asyncpg.Connection, *, college: str, organisation: Organisation, term: str
) -> int:
    """The organisation's meetings of the term that are not cancelled (future ones too)."""
    count: int = await conn.fetchval(
        "SELECT count(*) FROM meetings WHERE college = $1 AND organisation_kind = $2"
        " AND organisation_id = $3 AND term = $4 AND status = 'scheduled'",
        college,
        organisation.kind,
        organisation.id,
        term,
    )
    return count


async def meetings_covered(
    conn: asyncpg.Connection,
    *,
    college: str,
    organisation: Organisation,
    starts_at: datetime,
    ends_at: datetime,
    meeting_id: UUID | None,
) -> list[UUID]:
    """The meetings (not cancelled) a leave covers: its meeting, or those its period overlaps."""
    rows = await conn.fetch(
        "SELECT meeting_id FROM meetings WHERE college = $1 AND organisation_kind = $2"
        " AND organisation_id = $3 AND status = 'scheduled'"
        " AND (CASE WHEN $6::uuid IS NULL THEN starts_at < $5 AND ends_at > $4"
        "      ELSE meeting_id = $6 END)"
        " ORDER BY meeting_id",
        college,
        organisation.kind,
        organisation.id,
        starts_at,
        ends_at,
        meeting_id,
    )
    return [row["meeting_id"] for row in rows]


async def terms_overlapping(
    conn: asyncpg.Connection,
    *,
    college: str,
    organisation: Organisation,
    starts_at: datetime,
    ends_at: datetime,
) -> list[str]:
    """The organisation's terms whose meetings' span (first start to last end) overlaps."""
    rows = await conn.fetch(
        "SELECT term FROM meetings WHERE college = $1 AND organisation_kind = $2"
        " AND organisation_id = $3 AND status = 'scheduled' GROUP BY term"
        " HAVING min(starts_at) < $5 AND max(ends_at) > $4 ORDER BY term",
        college,
        organisation.kind,
        organisation.id,
        starts_at,
        ends_at,
    )
    return [row["term"] for row in rows]


# --- the people of an organisation (the memberships read model) ----------------------------


async def members_among(
    conn: asyncpg.Connection,
    *,
    college: str,
    organisation: Organisation,
    person_ids: Sequence[str],
    during: tuple[datetime, datetime] | None = None,
) -> set[str]:
    """Those of `person_ids` who are current members of the organisation, or (with
    `during`) were members at some moment of that span."""
    starts_at, ends_at = during if during is not None else (None, None)
    rows = await conn.fetch(
        "SELECT DISTINCT person_id FROM memberships WHERE college = $1"
        " AND organisation_kind = $2 AND organisation_id = $3 AND person_id = ANY($4::text[])"
        " AND (ended_at IS NULL OR ($5::timestamptz IS NOT NULL"
        "      AND started_at < $6 AND ended_at > $5))",
        college,
        organisation.kind,
        organisation.id,
        list(person_ids),
        starts_at,
        ends_at,
    )
    return {row["person_id"] for row in rows}


async def current_members(
    conn: asyncpg.Connection, *, college: str, organisation: Organisation, limit: int = 2000
) -> list[str]:
    rows = await conn.fetch(
        "SELECT DISTINCT person_id FROM memberships WHERE college = $1"
        " AND organisation_kind = $2 AND organisation_id = $3 AND ended_at IS NULL"
        " ORDER BY person_id LIMIT $4",
        college,
        organisation.kind,
        organisation.id,
        limit,
    )
    return [row["person_id"] for row in rows]
