"""SQL of volunteer applications."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.recruitment.domain.applications import (
    ApplicationFilter,
    ApplicationStatus,
    VolunteerApplication,
    one_active_application_broken,
)
from services.recruitment.domain.paging import Paging
from services.recruitment.repository.records import record_to, unique_violation_means


def _application(row: asyncpg.Record) -> VolunteerApplication:
    return record_to(VolunteerApplication, row, status=ApplicationStatus(row["status"]))


async def has_active_application(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, applicant_id: str
) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM applications WHERE college = $1 AND campaign_id = $2"
        " AND applicant_id = $3 AND status <> 'withdrawn'",
        college,
        campaign_id,
        applicant_id,
    )
    return found is not None


async def insert_application(conn: asyncpg.Connection, application: VolunteerApplication) -> None:
    # Two submissions at the same instant: the partial unique index refuses the second.
    with unique_violation_means("applications_one_active", one_active_application_broken()):
        await conn.execute(
            "INSERT INTO applications (id, college, campaign_id, position_id, applicant_id,"
            " applicant_name, motivation, skills, grade_year, answers, status, submitted_at)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
            application.id,
            application.college,
            application.campaign_id,
            application.position_id,
            application.applicant_id,
            application.applicant_name,
            application.motivation,
            list(application.skills),
            application.grade_year,
            list(application.answers),
            application.status.value,
            application.submitted_at,
        )


async def save_progress(
    conn: asyncpg.Connection, applications: Sequence[VolunteerApplication]
) -> None:
    """Write what screening, decisions and withdrawals change; the rest never changes."""
    await conn.executemany(
        "UPDATE applications SET status = $3, screening_reasons = $4, waitlist_rank = $5,"
        " decision_reason = $6, decided_at = $7, withdrawn_at = $8"
        " WHERE college = $1 AND id = $2",
        [
            (
                a.college,
                a.id,
                a.status.value,
                list(a.screening_reasons),
                a.waitlist_rank,
                a.decision_reason,
                a.decided_at,
                a.withdrawn_at,
            )
            for a in applications
        ],
    )


async def get_application(
    conn: asyncpg.Connection, *, college: str, application_id: UUID, for_update: bool = False
) -> VolunteerApplication | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT * FROM applications WHERE college = $1 AND id = $2{lock}",
        college,
        application_id,
    )
    return _application(row) if row else None


async def applications_of_position(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, position_id: str
) -> list[VolunteerApplication]:
    rows = await conn.fetch(
        "SELECT * FROM applications WHERE college = $1 AND campaign_id = $2"
        " AND position_id = $3 ORDER BY submitted_at, id",
        college,
        campaign_id,
        position_id,
    )
    return [_application(r) for r in rows]


async def submitted_applications(
    conn: asyncpg.Connection, *, college: str, campaign_id: str
) -> list[VolunteerApplication]:
    rows = await conn.fetch(
        "SELECT * FROM applications WHERE college = $1 AND campaign_id = $2"
        " AND status = 'submitted' ORDER BY submitted_at, id FOR UPDATE",
        college,
        campaign_id,
    )
    return [_application(r) for r in rows]


async def list_applications(
    conn: asyncpg.Connection, *, college: str, where: ApplicationFilter, paging: Paging
) -> list[VolunteerApplication]:
    # NULL filters match everything, so one statement serves officers and applicants.
    rows = await conn.fetch(
        "SELECT * FROM applications WHERE college = $1"
        " AND ($2::text IS NULL OR campaign_id = $2)"
        " AND ($3::text IS NULL OR applicant_id = $3)"
        " AND ($4::text IS NULL OR status = $4)"
        " ORDER BY submitted_at, id LIMIT $5 OFFSET $6",
        college,
        where.campaign_id,
        where.applicant_id,
        where.status,
        paging.limit,
        paging.offset,
    )
    return [_application(r) for r in rows]
