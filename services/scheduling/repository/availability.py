"""SQL of availability: class timetables (weekly slots or dated classes), explicit
unavailability, and the granted leave (meetings' table) that also makes a member busy."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, time
from uuid import UUID

import asyncpg

from services.scheduling.domain.availability import BusyPeriod, BusySlot
from services.scheduling.domain.class_timetables import ClassSession
from services.scheduling.domain.members import TimetableSource


def _slot_json(slot: BusySlot) -> dict[str, object]:
    return {"weekday": slot.weekday, "start": f"{slot.start:%H:%M}", "end": f"{slot.end:%H:%M}"}


def _slot(data: dict[str, object]) -> BusySlot:
    return BusySlot(
        weekday=int(str(data["weekday"])),
        start=time.fromisoformat(str(data["start"])),
        end=time.fromisoformat(str(data["end"])),
    )


async def replace_timetable(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    source: TimetableSource,
    weekly_slots: Sequence[BusySlot] = (),
    file_name: str = "",
    horizon: tuple[datetime, datetime] | None = None,
    sessions: Sequence[ClassSession] = (),
    uploaded_by: str,
    uploaded_at: datetime,
) -> None:
    """The member's timetable becomes this one (its former classes go with the old one)."""
    await conn.execute(
        "DELETE FROM class_timetables WHERE college = $1 AND person_id = $2", college, person_id
    )
    await conn.execute(
        "INSERT INTO class_timetables (college, person_id, source, weekly_slots, file_name,"
        " horizon_starts_at, horizon_ends_at, uploaded_by, uploaded_at)"
        " VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9)",
        college,
        person_id,
        source,
        json.dumps([_slot_json(slot) for slot in weekly_slots]),
        file_name,
        horizon[0] if horizon else None,
        horizon[1] if horizon else None,
        uploaded_by,
        uploaded_at,
    )
    if sessions:
        await conn.copy_records_to_table(
            "class_sessions",
            columns=("college", "person_id", "starts_at", "ends_at", "summary"),
            records=[(college, person_id, s.starts_at, s.ends_at, s.summary) for s in sessions],
        )


async def weekly_slots(
    conn: asyncpg.Connection, *, college: str, people: Sequence[str]
) -> dict[str, list[BusySlot]]:
    rows = await conn.fetch(
        "SELECT person_id, weekly_slots FROM class_timetables"
        " WHERE college = $1 AND person_id = ANY($2) AND source = 'weekly'",
        college,
        list(people),
    )
    return {row["person_id"]: [_slot(s) for s in json.loads(row["weekly_slots"])] for row in rows}


async def busy_periods(
    conn: asyncpg.Connection,
    *,
    college: str,
    people: Sequence[str],
    starts_at: datetime,
    ends_at: datetime,
) -> list[tuple[str, BusyPeriod]]:
    """Classes, explicit unavailability and granted leave overlapping [starts_at, ends_at)."""
    rows = await conn.fetch(
        "SELECT person_id, starts_at, ends_at, 'class' AS why, summary AS label, NULL::uuid AS ref"
        " FROM class_sessions WHERE college = $1 AND person_id = ANY($2)"
        "  AND starts_at < $4 AND ends_at > $3"
        " UNION ALL"
        " SELECT person_id, starts_at, ends_at, 'unavailable', reason, unavailability_id"
        " FROM unavailability WHERE college = $1 AND person_id = ANY($2)"
        "  AND starts_at < $4 AND ends_at > $3"
        " UNION ALL"
        " SELECT person_id, starts_at, ends_at, 'leave', reason, leave_id"
        " FROM leave_requests WHERE college = $1 AND person_id = ANY($2)"
        "  AND status = 'granted' AND starts_at < $4 AND ends_at > $3"
        " ORDER BY 2, 3",
        college,
        list(people),
        starts_at,
        ends_at,
    )
    return [
        (
            row["person_id"],
            BusyPeriod(
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                why=row["why"],
                label=row["label"],
                ref=row["ref"],
            ),
        )
        for row in rows
    ]


async def insert_unavailability(
    conn: asyncpg.Connection,
    *,
    college: str,
    unavailability_id: UUID,
    person_id: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    declared_by: str,
    declared_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO unavailability (college, unavailability_id, person_id, starts_at, ends_at,"
        " reason, declared_by, declared_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        college,
        unavailability_id,
        person_id,
        starts_at,
        ends_at,
        reason,
        declared_by,
        declared_at,
    )


async def delete_unavailability(
    conn: asyncpg.Connection, *, college: str, person_id: str, unavailability_id: UUID
) -> bool:
    deleted = await conn.fetchval(
        "DELETE FROM unavailability"
        " WHERE college = $1 AND person_id = $2 AND unavailability_id = $3 RETURNING true",
        college,
        person_id,
        unavailability_id,
    )
    return bool(deleted)
