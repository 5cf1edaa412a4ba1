"""Volunteer application use cases; each runs in the one transaction it is handed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.recruitment.domain.applications import VolunteerApplication, submit_application
from services.recruitment.repository import applications as repository
from shared.messaging.outbox import append_to_outbox

SOURCE = "/campusflow/recruitment"


async def submit_volunteer_application(
    conn: asyncpg.Connection,
    *,
    college: str,
    campaign_id: str,
    applicant_id: str,
    applicant_name: str,
    motivation: str,
    skills: tuple[str, ...],
    now: datetime,
    application_id: UUID | None = None,
) -> VolunteerApplication:
    application, event = submit_application(
        application_id=application_id or uuid4(),
        college=college,
        campaign_id=campaign_id,
        applicant_id=applicant_id,
        applicant_name=applicant_name,
        motivation=motivation,
        skills=skills,
        has_active_application=await repository.has_active_application(
            conn, college=college, campaign_id=campaign_id, applicant_id=applicant_id
        ),
        now=now,
    )
    await repository.insert_application(conn, application)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return application


async def find_application(
    conn: asyncpg.Connection, *, college: str, application_id: UUID
) -> VolunteerApplication | None:
    return await repository.get_application(conn, college=college, application_id=application_id)
