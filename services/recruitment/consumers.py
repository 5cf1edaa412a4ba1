"""Recruitment's event consumers: validate, call the use case (inbox and DLT are the kernel's)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from services.recruitment.service import memberships
from shared.events.base import DomainEvent, Envelope
from shared.events.registry import SCHEDULING_ATTENDANCE
from shared.events.scheduling import AttendanceSanctionImposed
from shared.messaging.consumer import EventConsumer
from shared.messaging.failures import PermanentFailure


async def on_attendance_sanction_imposed(
    conn: asyncpg.Connection, event: DomainEvent, envelope: Envelope
) -> None:
    if not isinstance(event, AttendanceSanctionImposed):
        raise PermanentFailure(f"expected AttendanceSanctionImposed, got {type(event).__name__}")
    await memberships.apply_attendance_sanction(conn, event=event, now=datetime.now(UTC))


ATTENDANCE_SANCTIONS = EventConsumer(
    name="recruitment.attendance-sanctions",
    topics=(SCHEDULING_ATTENDANCE.name,),
    handlers={AttendanceSanctionImposed.event_type: on_attendance_sanction_imposed},
    description="Ends a membership on compulsory withdrawal or expulsion; records every sanction.",
)

CONSUMERS: tuple[EventConsumer, ...] = (ATTENDANCE_SANCTIONS,)
