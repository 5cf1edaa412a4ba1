"""SQL of volunteer applications."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.recruitment.domain.applications import ApplicationStatus, VolunteerApplication


def _application(row: asyncpg.Record) -> VolunteerApplication:
    return VolunteerApplication(
        id=row["id"],
        college=row["college"],
        campaign_id=row["campaign_id"],
        applicant_id=row["applicant_id"],
        applicant_name=row["applicant_name"],
        motivation=row["motivation"],
        skills=tuple(row["skills"]),
        status=ApplicationStatus(row["status"]),
        submitted_at=row["submitted_at"],
    )


async def has_active_application(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, applicant_id: str
) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM applications WHERE college = $1 AND campaign_id = $2"
        " AND applicant_id = $3 AND status = 'submitted'",
        college,
        campaign_id,
        applicant_id,
    )
    return found is not None


async def insert_application(conn: asyncpg.Connection, application: VolunteerApplication) -> None:
    await conn.execute(
        "INSERT INTO applications (id, college, campaign_id, applicant_id, applicant_name,"
        " motivation, skills, status, submitted_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        application.id,
        application.college,
        application.campaign_id,
        application.applicant_id,
        application.applicant_name,
        application.motivation,
        list(application.skills),
        application.status.value,
        application.submitted_at,
    )


async def get_application(
    conn: asyncpg.Connection, *, college: str, application_id: UUID
) -> VolunteerApplication | None:
    row = await conn.fetchrow(
        "SELECT * FROM applications WHERE college = $1 AND id = $2", college, application_id
    )
    return _application(row) if row else None
