"""Volunteer application use cases; each runs in the one transaction it is handed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.recruitment.domain.applications import (
    ApplicationFilter,
    ApplicationStatus,
    VolunteerApplication,
    Withdrawal,
    submit_application,
    withdraw_application,
)
from services.recruitment.domain.paging import Paging
from services.recruitment.domain.rules import NotFound
from services.recruitment.domain.selection import Outcome, promote_first_on_waitlist
from services.recruitment.repository import applications as repository
from services.recruitment.repository import volunteers as volunteers_repository
from services.recruitment.service import SOURCE
from services.recruitment.service import pairing as pairing_service
from services.recruitment.service.campaigns import campaign_of
from shared.events.base import DomainEvent
from shared.messaging.outbox import append_to_outbox


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
    position_id: str | None = None,
    grade_year: int | None = None,
    answers: tuple[str, ...] = (),
    application_id: UUID | None = None,
) -> VolunteerApplication:
    campaign = await campaign_of(conn, college=college, campaign_id=campaign_id)
    application, event = submit_application(
        application_id=application_id or uuid4(),
        campaign=campaign,
        position_id=position_id,
        applicant_id=applicant_id,
        applicant_name=applicant_name,
        motivation=motivation,
        skills=skills,
        grade_year=grade_year,
        answers=answers,
        has_active_application=await repository.has_active_application(
            conn, college=college, campaign_id=campaign_id, applicant_id=applicant_id
        ),
        now=now,
    )
    await repository.insert_application(conn, application)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return application


async def withdraw_volunteer_application(
    conn: asyncpg.Connection,
    *,
    college: str,
    application_id: UUID,
    applicant_id: str,
    now: datetime,
) -> Withdrawal:
    """Withdraw; if an admitted volunteer leaves, their pairings end and the first on
    the waitlist is promoted."""
    found = await application_of(
        conn, college=college, application_id=application_id, applicant_id=applicant_id
    )
    # Campaign lock first, then the application: the same order as decisions take.
    campaign = await campaign_of(
        conn, college=college, campaign_id=found.campaign_id, for_update=True
    )
    application = await repository.get_application(
        conn, college=college, application_id=application_id, for_update=True
    )
    assert application is not None
    withdrawn, event = withdraw_application(application, now=now)
    events: list[DomainEvent] = [event]
    changed = [withdrawn]
    promotion = Outcome()
    if application.status is ApplicationStatus.ADMITTED:
        place = await volunteers_repository.deactivate(
            conn,
            college=college,
            campaign_id=application.campaign_id,
            application_id=application.id,
        )
        # Their children are unpaired again (PairingEnded via the outbox, below).
        await pairing_service.end_pairings_of_withdrawn_volunteer(
            conn, college=college, volunteer_id=application.applicant_id, now=now
        )
        waitlist = await repository.applications_of_position(
            conn,
            college=college,
            campaign_id=application.campaign_id,
            position_id=application.position_id or "",
        )
        promotion = promote_first_on_waitlist(
            freed_by=application,
            waitlist=waitlist,
            place=place,
            now=now,
            campaign_title=campaign.title,
        )
        changed += promotion.applications
        events += promotion.events
    await repository.save_progress(conn, changed)
    await volunteers_repository.enrol(conn, promotion.volunteers)
    await append_to_outbox(conn, events, source=SOURCE, now=now)
    return Withdrawal(withdrawn, promotion.applications[0] if promotion.applications else None)


async def application_of(
    conn: asyncpg.Connection,
    *,
    college: str,
    application_id: UUID,
    applicant_id: str | None = None,
) -> VolunteerApplication:
    """The college's application; with `applicant_id`, only if it is that applicant's own:
    someone else's is as good as missing."""
    application = await repository.get_application(
        conn, college=college, application_id=application_id
    )
    if application is None:
        raise NotFound("application", application_id)
    if applicant_id is not None and application.applicant_id != applicant_id:
        raise NotFound("application", application_id)
    return application


async def applications_in(
    conn: asyncpg.Connection, *, college: str, where: ApplicationFilter, paging: Paging
) -> list[VolunteerApplication]:
    return await repository.list_applications(conn, college=college, where=where, paging=paging)
