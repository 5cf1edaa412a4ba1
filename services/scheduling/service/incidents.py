"""Incident reports: stored and announced (IncidentReported), which starts the
notifications service's escalation chain. Each runs in the transaction it is handed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.scheduling.domain import incidents as domain
from services.scheduling.domain.incidents import Incident
from services.scheduling.domain.rules import NotFound
from services.scheduling.repository import activities as activities_repository
from services.scheduling.repository import incidents as repository
from services.scheduling.service import SOURCE
from shared.events.scheduling import IncidentReported
from shared.messaging.outbox import append_to_outbox


async def report_incident(
    conn: asyncpg.Connection,
    *,
    college: str,
    activity_id: UUID | None,
    department_id: str | None,
    title: str,
    summary: str,
    place: str,
    teacher_id: str | None,
    occurred_at: datetime,
    reported_by: str,
    now: datetime,
) -> Incident:
    domain.check_occurred_at(occurred_at, now=now)
    if activity_id is not None:
        activity = await activities_repository.get_activity(
            conn, college=college, activity_id=activity_id
        )
        if activity is None:
            raise NotFound("activity", activity_id)
        department_id = department_id or activity.department_id
        place = place or (activity.room or "")
    if not department_id:
        raise domain.department_missing()
    incident = Incident(
        incident_id=uuid4(),
        college=college,
        activity_id=activity_id,
        department_id=department_id,
        title=title,
        summary=summary,
        place=place,
        teacher_id=teacher_id,
        reported_by=reported_by,
        occurred_at=occurred_at,
        reported_at=now,
    )
    await repository.insert_incident(conn, incident)
    event = IncidentReported(**incident.__dict__)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return incident


async def get_incident(conn: asyncpg.Connection, *, college: str, incident_id: UUID) -> Incident:
    found = await repository.get_incident(conn, college=college, incident_id=incident_id)
    if found is None:
        raise NotFound("incident", incident_id)
    return found
