"""Safety incidents (突发事件) on outings and activities: anyone of the college on it (a
student volunteer, a teacher, an officer) reports one; IncidentReported starts the
escalation chain in the notifications service."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, status

from services.scheduling.api.common import PREFIX, STAFF, College
from services.scheduling.schemas.incidents import IncidentForm, IncidentView
from services.scheduling.service import incidents as service
from shared.web.auth import Principal
from shared.web.dependencies import Now, ReadOnly, Transaction, caller

router = APIRouter(prefix=PREFIX, tags=["incidents"])
COLLEGE = "/colleges/{college}"

Reporter = Annotated[Principal, Depends(caller("student", "teacher", *STAFF))]


@router.post(
    f"{COLLEGE}/incidents",
    status_code=status.HTTP_201_CREATED,
    summary="Report a safety incident on an outing or activity; emits IncidentReported",
)
async def report_incident(
    college: College, form: IncidentForm, reporter: Reporter, conn: Transaction, now: Now
) -> IncidentView:
    incident = await service.report_incident(
        conn,
        college=college,
        activity_id=form.activity_id,
        department_id=form.department_id,
        title=form.title,
        summary=form.summary,
        place=form.place,
        teacher_id=form.teacher_id,
        occurred_at=form.occurred_at,
        reported_by=reporter.user_id,
        now=now,
    )
    return IncidentView.model_validate(incident)


@router.get(f"{COLLEGE}/incidents/{{incident_id}}", summary="One incident report")
async def get_incident(
    college: College, incident_id: UUID, reporter: Reporter, conn: ReadOnly
) -> IncidentView:
    return IncidentView.model_validate(
        await service.get_incident(conn, college=college, incident_id=incident_id)
    )
