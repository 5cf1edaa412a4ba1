"""A person's upcoming reminders (their own only): what will remind them, and when."""

from __future__ import annotations

from fastapi import APIRouter

from services.notifications.api.common import ME
from services.notifications.schemas.reminders import ReminderPage, ReminderView
from services.notifications.service import reminders as service
from shared.web.auth import CurrentPrincipal
from shared.web.dependencies import Now, Paged, ReadOnly
from shared.web.problems import Problem

router = APIRouter(tags=["reminders"])


@router.get(f"{ME}/reminders", summary="My upcoming reminders, soonest first")
async def my_reminders(
    principal: CurrentPrincipal, conn: ReadOnly, page: Paged, now: Now
) -> ReminderPage:
    if principal.college is None:
        raise Problem.forbidden("reminders belong to a person of a college")
    found = await service.upcoming_reminders(
        conn, college=principal.college, person_id=principal.user_id, now=now, paging=page
    )
    return ReminderPage(
        items=[
            ReminderView(
                reminder_id=reminder.reminder_id,
                kind=reminder.kind,
                subject_kind=reminder.subject_kind,
                subject_id=reminder.subject_id,
                starts_at=reminder.starts_at,
                fire_at=reminder.fire_at,
                lead_s=reminder.lead_s,
                fields=fields,
            )
            for reminder, fields in found
        ],
        limit=page.limit,
        offset=page.offset,
    )
