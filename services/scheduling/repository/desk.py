"""SQL of the duty desk: shifts of published rotas as the desk sees them, sign-ins,
no-shows, handovers, the duty log, desk keys."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from services.scheduling.domain.desk import (
    CheckIn,
    DeskKey,
    DutyShift,
    Handover,
    HandoverNote,
    LogEntry,
    NoShow,
    ShiftHandovers,
)
from services.scheduling.domain.rules import RuleBroken
from shared.paging import Paging

# A shift of a published rota with the members holding its seats.
_SHIFTS = (
    "SELECT s.college, s.shift_id, s.rota_id, s.post, s.place, s.starts_at, s.ends_at,"
    " COALESCE(array_agg(ss.person_id ORDER BY ss.person_id)"
    " FILTER (WHERE ss.person_id IS NOT NULL), '{}') AS holders"
    " FROM shifts s JOIN rotas r ON r.rota_id = s.rota_id AND r.status = 'published'"
    " LEFT JOIN shift_seats ss ON ss.shift_id = s.shift_id"
)


def _shift(row: asyncpg.Record) -> DutyShift:
    return DutyShift(
        college=row["college"],
        shift_id=row["shift_id"],
        rota_id=row["rota_id"],
        post=row["post"],
        place=row["place"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        holders=tuple(row["holders"]),
    )


async def now_and_shift_end(
    conn: asyncpg.Connection, *, shift_id: UUID
) -> tuple[datetime, datetime | None]:
    """The transaction's time, and when the shift ends (None: no such shift), in one trip."""
    row = await conn.fetchrow(
        "SELECT now() AS now, (SELECT ends_at FROM shifts WHERE shift_id = $1) AS ends_at",
        shift_id,
    )
    assert row is not None
    return row["now"], row["ends_at"]


async def get_shift(conn: asyncpg.Connection, *, college: str, shift_id: UUID) -> DutyShift | None:
    row = await conn.fetchrow(
        f"{_SHIFTS} WHERE s.college = $1 AND s.shift_id = $2 GROUP BY s.shift_id",
        college,
        shift_id,
    )
    return None if row is None else _shift(row)


async def open_shifts(
    conn: asyncpg.Connection, *, college: str, post: str, now: datetime, early: timedelta
) -> list[DutyShift]:
    """The post's shifts whose check-in window holds `now` (from `early` before the start)."""
    rows = await conn.fetch(
        f"{_SHIFTS} WHERE s.college = $1 AND s.post = $2 AND s.starts_at <= $3::timestamptz + $4"
        " AND s.ends_at > $3 GROUP BY s.shift_id ORDER BY s.starts_at, s.shift_id",
        college,
        post,
        now,
        early,
    )
    return [_shift(row) for row in rows]


def _check_in(row: asyncpg.Record) -> CheckIn:
    return CheckIn(
        college=row["college"],
        check_in_id=row["check_in_id"],
        shift_id=row["shift_id"],
        person_id=row["person_id"],
        post=row["post"],
        checked_in_at=row["checked_in_at"],
        late=row["late"],
        code_step=row["code_step"],
    )


async def check_in_of(
    conn: asyncpg.Connection, *, shift_id: UUID, person_id: str
) -> CheckIn | None:
    row = await conn.fetchrow(
        "SELECT * FROM check_ins WHERE shift_id = $1 AND person_id = $2", shift_id, person_id
    )
    return None if row is None else _check_in(row)


async def check_ins_of_shift(conn: asyncpg.Connection, *, shift_id: UUID) -> list[CheckIn]:
    rows = await conn.fetch(
        "SELECT * FROM check_ins WHERE shift_id = $1 ORDER BY checked_in_at, person_id", shift_id
    )
    return [_check_in(row) for row in rows]


async def signed_in_shifts(
    conn: asyncpg.Connection, *, shift_ids: Sequence[UUID], person_id: str
) -> frozenset[UUID]:
    rows = await conn.fetch(
        "SELECT shift_id FROM check_ins WHERE shift_id = ANY($1::uuid[]) AND person_id = $2",
        list(shift_ids),
        person_id,
    )
    return frozenset(row["shift_id"] for row in rows)


async def insert_check_in(conn: asyncpg.Connection, record: CheckIn) -> bool:
    """False when the member had signed in for the shift already (a concurrent scan)."""
    inserted = await conn.fetchval(
        "INSERT INTO check_ins (college, check_in_id, shift_id, person_id, post, checked_in_at,"
        " late, code_step) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"
        " ON CONFLICT (shift_id, person_id) DO NOTHING RETURNING true",
        record.college,
        record.check_in_id,
        record.shift_id,
        record.person_id,
        record.post,
        record.checked_in_at,
        record.late,
        record.code_step,
    )
    return bool(inserted)


async def no_shows_of_shift(conn: asyncpg.Connection, *, shift_id: UUID) -> list[str]:
    rows = await conn.fetch(
        "SELECT person_id FROM no_shows WHERE shift_id = $1 ORDER BY person_id", shift_id
    )
    return [row["person_id"] for row in rows]


async def insert_no_show(conn: asyncpg.Connection, record: NoShow) -> bool:
    """False when the no-show was recorded already."""
    inserted = await conn.fetchval(
        "INSERT INTO no_shows (college, shift_id, person_id, post, starts_at, recorded_at)"
        " VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (shift_id, person_id) DO NOTHING RETURNING true",
        record.college,
        record.shift_id,
        record.person_id,
        record.post,
        record.starts_at,
        record.recorded_at,
    )
    return bool(inserted)


async def handover_exists(conn: asyncpg.Connection, *, shift_id: UUID, person_id: str) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM handovers WHERE shift_id = $1 AND person_id = $2", shift_id, person_id
    )
    return found is not None


@contextmanager
def _unique_violation_means(constraint: str, broken: RuleBroken) -> Iterator[None]:
    """Two requests racing past the use case's check meet here: the second is refused."""
    try:
        yield
    except asyncpg.UniqueViolationError as race:
        if race.constraint_name != constraint:
            raise
        raise broken from race


async def insert_handover(conn: asyncpg.Connection, record: Handover) -> None:
    already = RuleBroken(
        "handover_already_recorded",
        field="shift_id",
        message=f"{record.person_id} already recorded the handover of shift {record.shift_id}",
    )
    with _unique_violation_means("handovers_shift_id_person_id_key", already):
        await conn.execute(
            "INSERT INTO handovers (college, handover_id, shift_id, person_id, post, work_done,"
            " problems, unfinished_tasks, important_notes, recorded_at)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
            record.college,
            record.handover_id,
            record.shift_id,
            record.person_id,
            record.post,
            record.note.work_done,
            record.note.problems,
            record.note.unfinished_tasks,
            record.note.important_notes,
            record.recorded_at,
        )


def _note(row: asyncpg.Record) -> HandoverNote:
    return HandoverNote(
        work_done=row["work_done"],
        problems=row["problems"],
        unfinished_tasks=row["unfinished_tasks"],
        important_notes=row["important_notes"],
    )


async def latest_handovers(
    conn: asyncpg.Connection, *, college: str, post: str, started_before: datetime
) -> ShiftHandovers | None:
    """The notes of the latest shift at `post` started before `started_before` that has any."""
    rows = await conn.fetch(
        "SELECT h.*, s.starts_at AS shift_starts_at, s.ends_at AS shift_ends_at"
        " FROM handovers h JOIN shifts s ON s.shift_id = h.shift_id"
        " WHERE h.shift_id = ("
        "   SELECT h2.shift_id FROM handovers h2 JOIN shifts s2 ON s2.shift_id = h2.shift_id"
        "   WHERE h2.college = $1 AND h2.post = $2 AND s2.starts_at < $3"
        "   ORDER BY s2.starts_at DESC, h2.recorded_at DESC LIMIT 1)"
        " ORDER BY h.recorded_at, h.person_id",
        college,
        post,
        started_before,
    )
    if not rows:
        return None
    first = rows[0]
    return ShiftHandovers(
        shift_id=first["shift_id"],
        post=first["post"],
        starts_at=first["shift_starts_at"],
        ends_at=first["shift_ends_at"],
        notes=tuple(
            Handover(
                college=row["college"],
                handover_id=row["handover_id"],
                shift_id=row["shift_id"],
                person_id=row["person_id"],
                post=row["post"],
                note=_note(row),
                recorded_at=row["recorded_at"],
            )
            for row in rows
        ),
    )


async def duty_log(
    conn: asyncpg.Connection, *, college: str, post: str, paging: Paging
) -> list[LogEntry]:
    """The post's duty log, newest first."""
    rows = await conn.fetch(
        "SELECT l.kind, l.at, l.shift_id, l.post, l.person_id, l.late,"
        " s.starts_at AS shift_starts_at, s.ends_at AS shift_ends_at,"
        " h.work_done, h.problems, h.unfinished_tasks, h.important_notes"
        " FROM duty_log l JOIN shifts s ON s.shift_id = l.shift_id"
        " LEFT JOIN handovers h ON h.handover_id = l.handover_id"
        " WHERE l.college = $1 AND l.post = $2"
        " ORDER BY l.at DESC, l.kind, l.person_id, l.shift_id LIMIT $3 OFFSET $4",
        college,
        post,
        paging.limit,
        paging.offset,
    )
    return [
        LogEntry(
            kind=row["kind"],
            at=row["at"],
            shift_id=row["shift_id"],
            post=row["post"],
            person_id=row["person_id"],
            shift_starts_at=row["shift_starts_at"],
            shift_ends_at=row["shift_ends_at"],
            late=row["late"],
            handover=_note(row) if row["kind"] == "handover" else None,
        )
        for row in rows
    ]


async def insert_desk_key(conn: asyncpg.Connection, key: DeskKey, *, key_hash: bytes) -> None:
    await conn.execute(
        "INSERT INTO desk_keys (college, key_id, post, key_hash, label, issued_by, issued_at)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7)",
        key.college,
        key.key_id,
        key.post,
        key_hash,
        key.label,
        key.issued_by,
        key.issued_at,
    )


async def revoke_desk_key(
    conn: asyncpg.Connection, *, college: str, post: str, key_id: UUID, now: datetime
) -> bool:
    """False when no key of the post has that id (revoking twice is no error)."""
    status = await conn.execute(
        "UPDATE desk_keys SET revoked_at = COALESCE(revoked_at, $4)"
        " WHERE college = $1 AND post = $2 AND key_id = $3",
        college,
        post,
        key_id,
        now,
    )
    return status != "UPDATE 0"


async def desk_keys(conn: asyncpg.Connection, *, college: str, post: str) -> list[DeskKey]:
    rows = await conn.fetch(
        "SELECT college, key_id, post, label, issued_by, issued_at, revoked_at FROM desk_keys"
        " WHERE college = $1 AND post = $2 ORDER BY issued_at DESC, key_id",
        college,
        post,
    )
    return [DeskKey(**dict(row)) for row in rows]


async def desk_key_opens(
    conn: asyncpg.Connection, *, college: str, post: str, key_hash: bytes
) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM desk_keys WHERE key_hash = $1 AND college = $2 AND post = $3"
        " AND revoked_at IS NULL",
        key_hash,
        college,
        post,
    )
    return found is not None
