"""Recruitment's event consumers: validate, call the use case (inbox and DLT are the kernel's)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from services.recruitment.service import memberships
from shared.events.base import Envelope
from shared.events.evaluation import StaffSanctionAnnulled, StaffSanctionImposed
from shared.events.scheduling import AttendanceSanctionImposed
from shared.messaging.consumer import EventConsumer, Handler


async def on_attendance_sanction_imposed(
    conn: asyncpg.Connection, event: AttendanceSanctionImposed, envelope: Envelope
) -> None:
    await memberships.apply_attendance_sanction(conn, event=event, now=datetime.now(UTC))


async def on_staff_sanction_imposed(
    conn: asyncpg.Connection, event: StaffSanctionImposed, envelope: Envelope
) -> None:
    await memberships.apply_staff_sanction(conn, event=event, now=datetime.now(UTC))


async def on_staff_sanction_annulled(
    conn: asyncpg.Connection, event: StaffSanctionAnnulled, envelope: Envelope
) -> None:
    await memberships.annul_staff_sanction(conn, event=event, now=datetime.now(UTC))


ATTENDANCE_SANCTIONS = EventConsumer(
    "recruitment.attendance-sanctions",
    handlers=[Handler(AttendanceSanctionImposed, on_attendance_sanction_imposed)],
    description="Ends a membership on compulsory withdrawal or expulsion; records every sanction.",
)

STAFF_SANCTIONS = EventConsumer(
    "recruitment.staff-sanctions",
    handlers=[
        Handler(StaffSanctionImposed, on_staff_sanction_imposed),
        Handler(StaffSanctionAnnulled, on_staff_sanction_annulled),
    ],
    description="Ends the membership an officer's dismissal (辞退) names, records it; starts "
    "the membership again when the dismissal is annulled.",
)

CONSUMERS: tuple[EventConsumer, ...] = (ATTENDANCE_SANCTIONS, STAFF_SANCTIONS)
