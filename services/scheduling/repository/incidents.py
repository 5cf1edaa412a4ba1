"""SQL of safety incidents."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.scheduling.domain.incidents import Incident

_COLUMNS = (
    "incident_id, college, activity_id, department_id, title, summary, place, teacher_id,"
    " reported_by, occurred_at, reported_at"
)


async def insert_incident(conn: asyncpg.Connection, incident: Incident) -> None:
    await conn.execute(
        f"INSERT INTO incidents ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        incident.incident_id,
        incident.college,
        incident.activity_id,
        incident.department_id,
        incident.title,
        incident.summary,
        incident.place,
        incident.teacher_id,
        incident.reported_by,
        incident.occurred_at,
        incident.reported_at,
    )


async def get_incident(
    conn: asyncpg.Connection, *, college: str, incident_id: UUID
) -> Incident | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM incidents WHERE college = $1 AND incident_id = $2",
        college,
        incident_id,
    )
    return None if row is None else Incident(**dict(row))
