"""Interview use cases for special squads; each runs in the one transaction it is handed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.recruitment.domain.interviews import (
    InterviewSlot,
    SlotOffer,
    book_slot,
    offer_slot,
    record_result,
)
from services.recruitment.domain.paging import Paging
from services.recruitment.domain.rules import NotFound
from services.recruitment.repository import applications as applications_repository
from services.recruitment.repository import interviews as repository
from services.recruitment.service import SOURCE
from services.recruitment.service.campaigns import campaign_of
from shared.messaging.outbox import append_to_outbox


async def offer_interview_slots(
    conn: asyncpg.Connection,
    *,
    college: str,
    campaign_id: str,
    position_id: str,
    offers: Sequence[SlotOffer],
    now: datetime,
) -> list[InterviewSlot]:
    campaign = await campaign_of(conn, college=college, campaign_id=campaign_id)
    position = campaign.position(position_id)
    if position is None:
        raise NotFound("position", position_id)
    slots = [
        offer_slot(
            slot_id=uuid4(),
            college=college,
            campaign_id=campaign_id,
            position=position,
            starts_at=offer.starts_at,
            ends_at=offer.ends_at,
            place=offer.place,
            now=now,
        )
        for offer in offers
    ]
    await repository.insert_slots(conn, slots)
    return slots


async def book_interview(
    conn: asyncpg.Connection,
    *,
    college: str,
    campaign_id: str,
    slot_id: UUID,
    application_id: UUID,
    applicant_id: str,
    now: datetime,
) -> InterviewSlot:
    slot = await _slot(conn, college=college, campaign_id=campaign_id, slot_id=slot_id)
    application = await applications_repository.get_application(
        conn, college=college, application_id=application_id, for_update=True
    )
    if application is None or application.applicant_id != applicant_id:
        raise NotFound("application", application_id)
    booked, event = book_slot(
        slot,
        application=application,
        application_has_booking=await repository.has_booking(conn, application_id=application_id),
        now=now,
    )
    await repository.save_booking(conn, booked)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return booked


async def record_interview_result(
    conn: asyncpg.Connection,
    *,
    college: str,
    campaign_id: str,
    slot_id: UUID,
    score: int,
    recommended: bool,
    now: datetime,
) -> InterviewSlot:
    slot = await _slot(conn, college=college, campaign_id=campaign_id, slot_id=slot_id)
    completed, event = record_result(slot, score=score, recommended=recommended, now=now)
    await repository.save_result(conn, completed)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return completed


async def slots_of(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, paging: Paging
) -> list[InterviewSlot]:
    return await repository.list_slots(
        conn, college=college, campaign_id=campaign_id, paging=paging
    )


async def _slot(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, slot_id: UUID
) -> InterviewSlot:
    # Locked: two applicants racing for one slot are served one after the other.
    slot = await repository.get_slot(
        conn, college=college, campaign_id=campaign_id, slot_id=slot_id
    )
    if slot is None:
        raise NotFound("interview slot", slot_id)
    return slot
