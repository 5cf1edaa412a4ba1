"""Scheduling's event consumers: validate, call the use case (inbox and DLT are the kernel's)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from services.scheduling.service import members
from shared.events.base import Envelope
from shared.events.recruitment import MembershipEnded, MembershipStarted, VolunteerEnrolled
from shared.messaging.consumer import EventConsumer, Handler


async def on_volunteer_enrolled(
    conn: asyncpg.Connection, event: VolunteerEnrolled, envelope: Envelope
) -> None:
    await members.enrol_volunteer(conn, event=event)


async def on_membership_started(
    conn: asyncpg.Connection, event: MembershipStarted, envelope: Envelope
) -> None:
    await members.start_membership(conn, event=event)


async def on_membership_ended(
    conn: asyncpg.Connection, event: MembershipEnded, envelope: Envelope
) -> None:
    await members.end_membership(conn, event=event, now=datetime.now(UTC))


MEMBER_POOL = EventConsumer(
    "scheduling.member-pool",
    handlers=[
        Handler(VolunteerEnrolled, on_volunteer_enrolled),
        Handler(MembershipStarted, on_membership_started),
        Handler(MembershipEnded, on_membership_ended),
    ],
    description=(
        "Keeps the member pool: volunteers with their skills, and their department and"
        " corps memberships, whatever order the facts arrive in; a member who has left"
        " every organisation gives up their upcoming rota seats (rotas repaired)."
    ),
)

CONSUMERS: tuple[EventConsumer, ...] = (MEMBER_POOL,)
