"""Recruitment's event consumers: validate, call the use case (inbox and DLT are the kernel's)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from services.recruitment.service import memberships
from shared.events.base import Envelope
from shared.events.scheduling import AttendanceSanctionImposed
from shared.messaging.consumer import EventConsumer, Handler


async def on_attendance_sanction_imposed(
    conn: asyncpg.Connection, event: AttendanceSanctionImposed, envelope: Envelope
) -> None:
    await memberships.apply_attendance_sanction(conn, event=event, now=datetime.now(UTC))


ATTENDANCE_SANCTIONS = EventConsumer(
    "recruitment.attendance-sanctions",
    handlers=[Handler(AttendanceSanctionImposed, on_attendance_sanction_imposed)],
    description="Ends a membership on compulsory withdrawal or expulsion; records every sanction.",
)

CONSUMERS: tuple[EventConsumer, ...] = (ATTENDANCE_SANCTIONS,)
