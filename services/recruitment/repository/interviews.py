"""SQL of interview slots and their bookings and results."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.recruitment.domain.interviews import InterviewSlot, one_booking_per_application_broken
from services.recruitment.domain.paging import Paging
from services.recruitment.domain.selection import InterviewResult
from services.recruitment.repository.records import record_to, unique_violation_means


async def insert_slots(conn: asyncpg.Connection, slots: Sequence[InterviewSlot]) -> None:
    await conn.executemany(
        "INSERT INTO interview_slots (id, college, campaign_id, position_id, starts_at,"
        " ends_at, place) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        [
            (s.id, s.college, s.campaign_id, s.position_id, s.starts_at, s.ends_at, s.place)
            for s in slots
        ],
    )


async def get_slot(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, slot_id: UUID
) -> InterviewSlot | None:
    # Locked: two applicants racing for one slot are served one after the other.
    row = await conn.fetchrow(
        "SELECT * FROM interview_slots WHERE college = $1 AND campaign_id = $2 AND id = $3"
        " FOR UPDATE",
        college,
        campaign_id,
        slot_id,
    )
    return record_to(InterviewSlot, row) if row else None


async def has_booking(conn: asyncpg.Connection, *, application_id: UUID) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM interview_slots WHERE application_id = $1", application_id
    )
    return found is not None


async def save_booking(conn: asyncpg.Connection, slot: InterviewSlot) -> None:
    # The same application booking two slots at once: the unique index refuses the second.
    with unique_violation_means(
        "interview_slots_one_booking", one_booking_per_application_broken()
    ):
        await conn.execute(
            "UPDATE interview_slots SET application_id = $2, applicant_id = $3, booked_at = $4"
            " WHERE id = $1",
            slot.id,
            slot.application_id,
            slot.applicant_id,
            slot.booked_at,
        )


async def save_result(conn: asyncpg.Connection, slot: InterviewSlot) -> None:
    await conn.execute(
        "UPDATE interview_slots SET score = $2, recommended = $3, completed_at = $4 WHERE id = $1",
        slot.id,
        slot.score,
        slot.recommended,
        slot.completed_at,
    )


async def list_slots(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, paging: Paging
) -> list[InterviewSlot]:
    rows = await conn.fetch(
        "SELECT * FROM interview_slots WHERE college = $1 AND campaign_id = $2"
        " ORDER BY starts_at, id LIMIT $3 OFFSET $4",
        college,
        campaign_id,
        paging.limit,
        paging.offset,
    )
    return [record_to(InterviewSlot, r) for r in rows]


async def results_of_position(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, position_id: str
) -> dict[UUID, InterviewResult]:
    rows = await conn.fetch(
        "SELECT application_id, score, recommended FROM interview_slots"
        " WHERE college = $1 AND campaign_id = $2 AND position_id = $3"
        " AND completed_at IS NOT NULL",
        college,
        campaign_id,
        position_id,
    )
    return {r["application_id"]: record_to(InterviewResult, r) for r in rows}
