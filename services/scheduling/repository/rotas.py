"""SQL of rotas: drafts, published shifts and their seats, absences, the audit log, and the
solve jobs a draft is made from."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.scheduling.domain.rostering import Assignment
from services.scheduling.domain.rotas import Absence, DatedShift, Rota
from services.scheduling.repository.rows import row_by_id
from shared.paging import Paging


@dataclass(frozen=True)
class SolveJob:
    job_id: UUID
    kind: str
    status: str
    problem: Mapping[str, Any]
    result: Mapping[str, Any] | None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    rota_id: UUID
    at: datetime
    actor_id: str
    action: str
    shift_id: UUID | None
    details: Mapping[str, Any]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def get_solve_job(conn: asyncpg.Connection, *, college: str, job_id: UUID) -> SolveJob | None:
    row = await conn.fetchrow(
        "SELECT job_id, kind, status, problem, result FROM solve_jobs"
        " WHERE college = $1 AND job_id = $2",
        college,
        job_id,
    )
    if row is None:
        return None
    return SolveJob(
        row["job_id"], row["kind"], row["status"], _json(row["problem"]), _json(row["result"])
    )


# --- rotas ---------------------------------------------------------------------------------

_ROTA = (
    "SELECT college, rota_id, name, starts_on, ends_on, status, problem, assignments, job_id,"
    " created_by, created_at, published_at, published_by FROM rotas"
)


def _rota(row: asyncpg.Record) -> Rota:
    return Rota(
        college=row["college"],
        rota_id=row["rota_id"],
        name=row["name"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        status=row["status"],
        document=_json(row["problem"]),
        assignments=tuple(
            Assignment(a["staff"], a["day"], a["shift_type"]) for a in _json(row["assignments"])
        ),
        job_id=row["job_id"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        published_at=row["published_at"],
        published_by=row["published_by"],
    )


async def insert_rota(conn: asyncpg.Connection, rota: Rota) -> None:
    await conn.execute(
        "INSERT INTO rotas (college, rota_id, name, starts_on, ends_on, problem, status,"
        " created_at, job_id, assignments, created_by)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10::jsonb, $11)",
        rota.college,
        rota.rota_id,
        rota.name,
        rota.starts_on,
        rota.ends_on,
        json.dumps(rota.document),
        rota.status,
        rota.created_at,
        rota.job_id,
        json.dumps(
            [{"staff": a.staff, "day": a.day, "shift_type": a.shift_type} for a in rota.assignments]
        ),
        rota.created_by,
    )


async def get_rota(
    conn: asyncpg.Connection, *, college: str, rota_id: UUID, for_update: bool = False
) -> Rota | None:
    query = f"{_ROTA} WHERE college = $1 AND rota_id = $2"
    return await row_by_id(conn, query, college, rota_id, for_update=for_update, read=_rota)


async def rota_of_job(conn: asyncpg.Connection, *, job_id: UUID) -> UUID | None:
    found: UUID | None = await conn.fetchval("SELECT rota_id FROM rotas WHERE job_id = $1", job_id)
    return found


async def list_rotas(
    conn: asyncpg.Connection, *, college: str, published_only: bool, paging: Paging
) -> list[Rota]:
    rows = await conn.fetch(
        f"{_ROTA} WHERE college = $1 AND (NOT $2 OR status = 'published')"
        " ORDER BY starts_on DESC, created_at DESC, rota_id LIMIT $3 OFFSET $4",
        college,
        published_only,
        paging.limit,
        paging.offset,
    )
    return [_rota(row) for row in rows]


async def mark_published(
    conn: asyncpg.Connection, *, rota_id: UUID, published_by: str, at: datetime
) -> None:
    await conn.execute(
        "UPDATE rotas SET status = 'published', published_at = $2, published_by = $3"
        " WHERE rota_id = $1",
        rota_id,
        at,
        published_by,
    )


async def published_rotas_with_seats_of(
    conn: asyncpg.Connection, *, college: str, person_id: str, ending_after: datetime
) -> list[UUID]:
    """Published rotas on which the member holds a seat of a shift ending after the time."""
    rows = await conn.fetch(
        "SELECT DISTINCT r.rota_id FROM rotas r JOIN shifts s ON s.rota_id = r.rota_id"
        " JOIN shift_seats ss ON ss.shift_id = s.shift_id"
        " WHERE r.college = $1 AND r.status = 'published' AND ss.person_id = $2"
        " AND s.ends_at > $3 ORDER BY r.rota_id",
        college,
        person_id,
        ending_after,
    )
    return [row["rota_id"] for row in rows]


# --- shifts and seats ------------------------------------------------------------------------

_SHIFT = (
    "SELECT s.shift_id, s.rota_id, s.day, s.day - r.starts_on AS day_index, s.shift_type,"
    " s.post, s.place, s.starts_at, s.ends_at, s.seats,"
    " COALESCE(array_agg(ss.person_id ORDER BY ss.person_id)"
    " FILTER (WHERE ss.person_id IS NOT NULL), '{}') AS holders"
    " FROM shifts s JOIN rotas r ON r.rota_id = s.rota_id"
    " LEFT JOIN shift_seats ss ON ss.shift_id = s.shift_id"
)


def _shift(row: asyncpg.Record) -> DatedShift:
    return DatedShift(
        shift_id=row["shift_id"],
        rota_id=row["rota_id"],
        day=row["day"],
        day_index=row["day_index"],
        shift_type=row["shift_type"],
        post=row["post"],
        place=row["place"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        seats=row["seats"],
        holders=tuple(row["holders"]),
    )


async def insert_shifts(
    conn: asyncpg.Connection, *, college: str, shifts: Sequence[DatedShift], at: datetime
) -> None:
    await conn.executemany(
        "INSERT INTO shifts (college, shift_id, rota_id, post, place, shift_type, day,"
        " starts_at, ends_at, seats) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        [
            (
                college,
                s.shift_id,
                s.rota_id,
                s.post,
                s.place,
                s.shift_type,
                s.day,
                s.starts_at,
                s.ends_at,
                s.seats,
            )
            for s in shifts
        ],
    )
    await conn.executemany(
        "INSERT INTO shift_seats (college, shift_id, person_id, pinned, assigned_at)"
        " VALUES ($1, $2, $3, true, $4)",
        [(college, s.shift_id, holder, at) for s in shifts for holder in s.holders],
    )


async def shifts_of_rota(conn: asyncpg.Connection, *, rota_id: UUID) -> list[DatedShift]:
    rows = await conn.fetch(
        f"{_SHIFT} WHERE s.rota_id = $1 GROUP BY s.shift_id, r.starts_on"
        " ORDER BY s.starts_at, s.post, s.shift_type",
        rota_id,
    )
    return [_shift(row) for row in rows]


async def get_shift(conn: asyncpg.Connection, *, college: str, shift_id: UUID) -> DatedShift | None:
    row = await conn.fetchrow(
        f"{_SHIFT} WHERE s.college = $1 AND s.shift_id = $2 AND r.status = 'published'"
        " GROUP BY s.shift_id, r.starts_on",
        college,
        shift_id,
    )
    return None if row is None else _shift(row)


async def shifts_of_member(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    ending_after: datetime | None,
    paging: Paging,
) -> list[DatedShift]:
    rows = await conn.fetch(
        f"{_SHIFT} WHERE s.college = $1 AND r.status = 'published'"
        " AND ($3::timestamptz IS NULL OR s.ends_at > $3)"
        " AND EXISTS (SELECT 1 FROM shift_seats m WHERE m.shift_id = s.shift_id"
        " AND m.person_id = $2)"
        " GROUP BY s.shift_id, r.starts_on ORDER BY s.starts_at, s.shift_id LIMIT $4 OFFSET $5",
        college,
        person_id,
        ending_after,
        paging.limit,
        paging.offset,
    )
    return [_shift(row) for row in rows]


async def move_seat(
    conn: asyncpg.Connection, *, shift_id: UUID, from_person: str, to_person: str, at: datetime
) -> bool:
    """The seat passes to another member (its version counts the change); False if
    `from_person` holds no seat on the shift."""
    moved = await conn.fetchval(
        "UPDATE shift_seats SET person_id = $3, version = version + 1, assigned_at = $4"
        " WHERE shift_id = $1 AND person_id = $2 RETURNING true",
        shift_id,
        from_person,
        to_person,
        at,
    )
    return bool(moved)


async def drop_seat(conn: asyncpg.Connection, *, shift_id: UUID, person_id: str) -> bool:
    dropped = await conn.fetchval(
        "DELETE FROM shift_seats WHERE shift_id = $1 AND person_id = $2 RETURNING true",
        shift_id,
        person_id,
    )
    return bool(dropped)


# --- absences --------------------------------------------------------------------------------


async def insert_absence(
    conn: asyncpg.Connection,
    *,
    college: str,
    absence_id: UUID,
    rota_id: UUID,
    absence: Absence,
    recorded_by: str,
) -> None:
    await conn.execute(
        "INSERT INTO rota_absences (college, absence_id, rota_id, person_id, kind, starts_at,"
        " ends_at, reason, recorded_by, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        college,
        absence_id,
        rota_id,
        absence.person_id,
        absence.kind,
        absence.starts_at,
        absence.ends_at,
        absence.reason,
        recorded_by,
        absence.recorded_at,
    )


async def absences_of_rota(conn: asyncpg.Connection, *, rota_id: UUID) -> list[Absence]:
    rows = await conn.fetch(
        "SELECT person_id, kind, starts_at, ends_at, recorded_at, reason FROM rota_absences"
        " WHERE rota_id = $1 ORDER BY recorded_at, absence_id",
        rota_id,
    )
    return [Absence(**dict(row)) for row in rows]


# --- the audit log ---------------------------------------------------------------------------


async def audit(
    conn: asyncpg.Connection,
    *,
    college: str,
    rota_id: UUID,
    at: datetime,
    actor_id: str,
    action: str,
    shift_id: UUID | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO rota_audit (college, rota_id, at, actor_id, action, shift_id, details)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
        college,
        rota_id,
        at,
        actor_id,
        action,
        shift_id,
        json.dumps(dict(details or {}), default=str),
    )


async def audit_many(
    conn: asyncpg.Connection,
    *,
    college: str,
    rota_id: UUID,
    at: datetime,
    actor_id: str,
    entries: Iterable[tuple[str, UUID | None, Mapping[str, Any]]],
) -> None:
    await conn.executemany(
        "INSERT INTO rota_audit (college, rota_id, at, actor_id, action, shift_id, details)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
        [
            (college, rota_id, at, actor_id, action, shift_id, json.dumps(dict(d), default=str))
            for action, shift_id, d in entries
        ],
    )


async def audit_of_rota(
    conn: asyncpg.Connection, *, college: str, rota_id: UUID, paging: Paging
) -> list[AuditEntry]:
    rows = await conn.fetch(
        "SELECT id, rota_id, at, actor_id, action, shift_id, details FROM rota_audit"
        " WHERE college = $1 AND rota_id = $2 ORDER BY id LIMIT $3 OFFSET $4",
        college,
        rota_id,
        paging.limit,
        paging.offset,
    )
    return [AuditEntry(**{**dict(row), "details": _json(row["details"])}) for row in rows]
