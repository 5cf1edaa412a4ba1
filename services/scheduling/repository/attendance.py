"""SQL of leave requests, attendance records and the sanctions imposed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.scheduling.domain.attendance import (
    AttendanceRecord,
    AttendanceRule,
    ImposedSanction,
    SanctionFilter,
)
from services.scheduling.domain.leave import Leave, LeaveFilter
from services.scheduling.domain.meetings import Organisation
from services.scheduling.repository.meetings import with_organisation
from services.scheduling.repository.rows import row_by_id
from shared.events.scheduling import Attendance
from shared.paging import Paging

# --- leave ----------------------------------------------------------------------------------

_LEAVE = (
    "college, leave_id, person_id, organisation_kind, organisation_id, meeting_id, starts_at,"
    " ends_at, reason, retroactive, status, requested_at, decided_by, decided_at, decision_note"
)


def _leave(row: asyncpg.Record) -> Leave:
    return Leave(**with_organisation(row))


async def insert_leave(conn: asyncpg.Connection, leave: Leave) -> None:
    await conn.execute(
        f"INSERT INTO leave_requests ({_LEAVE})"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
        leave.college,
        leave.leave_id,
        leave.person_id,
        leave.organisation.kind,
        leave.organisation.id,
        leave.meeting_id,
        leave.starts_at,
        leave.ends_at,
        leave.reason,
        leave.retroactive,
        leave.status,
        leave.requested_at,
        leave.decided_by,
        leave.decided_at,
        leave.decision_note,
    )


async def record_decision(conn: asyncpg.Connection, leave: Leave) -> None:
    await conn.execute(
        "UPDATE leave_requests SET status = $3, decided_by = $4, decided_at = $5,"
        " decision_note = $6 WHERE college = $1 AND leave_id = $2",
        leave.college,
        leave.leave_id,
        leave.status,
        leave.decided_by,
        leave.decided_at,
        leave.decision_note,
    )


async def get_leave(
    conn: asyncpg.Connection, *, college: str, leave_id: UUID, for_update: bool = False
) -> Leave | None:
    query = f"SELECT {_LEAVE} FROM leave_requests WHERE college = $1 AND leave_id = $2"
    return await row_by_id(conn, query, college, leave_id, for_update=for_update, read=_leave)


async def open_leave_for_meeting(
    conn: asyncpg.Connection, *, meeting_id: UUID, person_id: str
) -> bool:
    """Whether the member has a requested or granted leave for this very meeting."""
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM leave_requests WHERE meeting_id = $1 AND person_id = $2"
        " AND status IN ('requested', 'granted'))",
        meeting_id,
        person_id,
    )
    return found


async def granted_leave_of(
    conn: asyncpg.Connection,
    *,
    college: str,
    organisation: Organisation,
    person_ids: Sequence[str],
    starts_at: datetime,
    ends_at: datetime,
) -> list[Leave]:
    """Granted leave of these members of the organisation overlapping a span (a meeting)."""
    rows = await conn.fetch(
        f"SELECT {_LEAVE} FROM leave_requests WHERE college = $1 AND organisation_kind = $2"
        " AND organisation_id = $3 AND person_id = ANY($4::text[]) AND status = 'granted'"
        " AND starts_at < $6 AND ends_at > $5 ORDER BY requested_at, leave_id",
        college,
        organisation.kind,
        organisation.id,
        list(person_ids),
        starts_at,
        ends_at,
    )
    return [_leave(row) for row in rows]


async def find_leave(
    conn: asyncpg.Connection, *, college: str, where: LeaveFilter, paging: Paging
) -> list[Leave]:
    rows = await conn.fetch(
        f"SELECT {_LEAVE} FROM leave_requests WHERE college = $1"
        " AND ($2::text IS NULL OR person_id = $2) AND ($3::text IS NULL OR status = $3)"
        " AND ($4::uuid IS NULL OR meeting_id = $4)"
        " ORDER BY requested_at DESC, leave_id LIMIT $5 OFFSET $6",
        college,
        where.person_id,
        where.status,
        where.meeting_id,
        paging.limit,
        paging.offset,
    )
    return [_leave(row) for row in rows]


# --- attendance -----------------------------------------------------------------------------

_RECORD = "college, meeting_id, person_id, attendance, leave_id, recorded_by, recorded_at"


def _record(row: asyncpg.Record) -> AttendanceRecord:
    return AttendanceRecord(**dict(row))


async def attendance_at(
    conn: asyncpg.Connection, *, meeting_id: UUID, person_ids: Sequence[str] | None = None
) -> dict[str, AttendanceRecord]:
    rows = await conn.fetch(
        f"SELECT {_RECORD} FROM attendance WHERE meeting_id = $1"
        " AND ($2::text[] IS NULL OR person_id = ANY($2::text[])) ORDER BY person_id",
        meeting_id,
        None if person_ids is None else list(person_ids),
    )
    return {row["person_id"]: _record(row) for row in rows}


async def attendance_taken(conn: asyncpg.Connection, *, meeting_id: UUID) -> bool:
    taken: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM attendance WHERE meeting_id = $1)", meeting_id
    )
    return taken


async def save_attendance(conn: asyncpg.Connection, records: Sequence[AttendanceRecord]) -> None:
    await conn.executemany(
        f"INSERT INTO attendance ({_RECORD}) VALUES ($1,$2,$3,$4,$5,$6,$7)"
        " ON CONFLICT (meeting_id, person_id) DO UPDATE SET attendance = EXCLUDED.attendance,"
        " leave_id = EXCLUDED.leave_id, recorded_by = EXCLUDED.recorded_by,"
        " recorded_at = EXCLUDED.recorded_at",
        [
            (
                r.college,
                r.meeting_id,
                r.person_id,
                r.attendance,
                r.leave_id,
                r.recorded_by,
                r.recorded_at,
            )
            for r in records
        ],
    )


async def absences_at(
    conn: asyncpg.Connection, *, person_id: str, meeting_ids: Sequence[UUID]
) -> list[AttendanceRecord]:
    """The member's records at these meetings (to excuse when leave is granted late)."""
    rows = await conn.fetch(
        f"SELECT {_RECORD} FROM attendance WHERE person_id = $1"
        " AND meeting_id = ANY($2::uuid[]) ORDER BY meeting_id",
        person_id,
        list(meeting_ids),
    )
    return [_record(row) for row in rows]


async def unexcused_at(conn: asyncpg.Connection, *, meeting_id: UUID) -> list[str]:
    rows = await conn.fetch(
        "SELECT person_id FROM attendance WHERE meeting_id = $1 AND attendance = 'unexcused'"
        " ORDER BY person_id",
        meeting_id,
    )
    return [row["person_id"] for row in rows]


async def term_marks(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    organisation: Organisation,
    term: str,
) -> list[tuple[Attendance, datetime]]:
    """The member's attendance at the organisation's meetings of the term (not cancelled),
    with each meeting's end."""
    rows = await conn.fetch(
        "SELECT a.attendance, m.ends_at FROM attendance a"
        " JOIN meetings m ON m.meeting_id = a.meeting_id"
        " WHERE m.college = $1 AND a.person_id = $2 AND m.organisation_kind = $3"
        " AND m.organisation_id = $4 AND m.term = $5 AND m.status = 'scheduled'"
        " ORDER BY m.starts_at",
        college,
        person_id,
        organisation.kind,
        organisation.id,
        term,
    )
    return [(row["attendance"], row["ends_at"]) for row in rows]


async def activity_standing(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    organisation: Organisation,
    term: str,
) -> tuple[int, int]:
    """(activities of the term the member was due at, those their granted leave covers).

    A department's activities (the activity calendar's table) carry no term: the term's
    span is that of its meetings, first start to last end. Leave for activities is leave
    for a period (leave for one meeting covers that meeting only).
    """
    if organisation.kind != "department":
        return 0, 0
    row = await conn.fetchrow(
        "WITH span AS (SELECT min(starts_at) AS first, max(ends_at) AS last FROM meetings"
        "  WHERE college = $1 AND organisation_kind = 'department' AND organisation_id = $2"
        "  AND term = $3 AND status = 'scheduled')"
        " SELECT count(*) AS due, count(*) FILTER (WHERE EXISTS ("
        "  SELECT 1 FROM leave_requests l WHERE l.college = a.college AND l.person_id = $4"
        "  AND l.organisation_kind = 'department' AND l.organisation_id = $2"
        "  AND l.status = 'granted' AND l.meeting_id IS NULL"
        "  AND l.starts_at < a.ends_at AND l.ends_at > a.starts_at)) AS on_leave"
        " FROM activities a, span WHERE a.college = $1 AND a.department_id = $2"
        " AND a.status = 'scheduled' AND $4 = ANY (a.people)"
        " AND a.starts_at >= span.first AND a.starts_at < span.last",
        college,
        organisation.id,
        term,
        person_id,
    )
    return (row["due"], row["on_leave"]) if row else (0, 0)


# --- sanctions ------------------------------------------------------------------------------

_SANCTION = (
    "college, sanction_id, person_id, organisation_kind, organisation_id, term, rule,"
    " sanction, reason, meeting_id, imposed_at"
)


def _sanction(row: asyncpg.Record) -> ImposedSanction:
    values = with_organisation(row)
    values["rule"] = AttendanceRule(str(values["rule"]))
    return ImposedSanction(**values)


async def lock_standing(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    organisation: Organisation,
    term: str,
) -> None:
    """Serialise the sanction rules of one member's term (two meetings' attendance taken
    at once must not both impose a sanction). Held until the transaction ends."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        "\x1f".join(("attendance", college, person_id, organisation.kind, organisation.id, term)),
    )


async def imposed_rules(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    organisation: Organisation,
    term: str,
) -> frozenset[AttendanceRule]:
    rows = await conn.fetch(
        "SELECT rule FROM sanctions WHERE college = $1 AND person_id = $2"
        " AND organisation_kind = $3 AND organisation_id = $4 AND term = $5",
        college,
        person_id,
        organisation.kind,
        organisation.id,
        term,
    )
    return frozenset(AttendanceRule(row["rule"]) for row in rows)


async def insert_sanction(conn: asyncpg.Connection, imposed: ImposedSanction) -> bool:
    """False when this rule already imposed its sanction for the term (then: no event)."""
    inserted = await conn.fetchval(
        f"INSERT INTO sanctions ({_SANCTION}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"
        " ON CONFLICT (college, person_id, organisation_kind, organisation_id, term, rule)"
        " DO NOTHING RETURNING true",
        imposed.college,
        imposed.sanction_id,
        imposed.person_id,
        imposed.organisation.kind,
        imposed.organisation.id,
        imposed.term,
        imposed.rule.value,
        imposed.sanction,
        imposed.reason,
        imposed.meeting_id,
        imposed.imposed_at,
    )
    return bool(inserted)


async def find_sanctions(
    conn: asyncpg.Connection, *, college: str, where: SanctionFilter, paging: Paging
) -> list[ImposedSanction]:
    rows = await conn.fetch(
        f"SELECT {_SANCTION} FROM sanctions WHERE college = $1"
        " AND ($2::text IS NULL OR person_id = $2) AND ($3::text IS NULL OR term = $3)"
        " ORDER BY imposed_at DESC, sanction_id LIMIT $4 OFFSET $5",
        college,
        where.person_id,
        where.term,
        paging.limit,
        paging.offset,
    )
    return [_sanction(row) for row in rows]
