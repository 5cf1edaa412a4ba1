"""Evaluation's consumers of scheduling's events: duty and meeting records become the
staff assessment's facts, each stored with the id of the event it came from.

Idempotent twice over: the kernel's inbox skips an event id this consumer has applied,
and the facts table is keyed by event id (a replay from another group inserts nothing).
Order does not matter: facts are stored as they come and folded only when an
assessment is published. A malformed message is dead-lettered by the kernel; an event
id reused with other data is refused (RuleBroken) and dead-lettered too.
"""

from __future__ import annotations

import asyncpg

from services.evaluation.service import staff_facts
from shared.events.base import Envelope
from shared.events.scheduling import (
    AttendanceRecorded,
    AttendanceSanctionImposed,
    DutyCheckedIn,
    DutyMissed,
    HandoverRecorded,
    ShiftAssigned,
    ShiftCancelled,
    ShiftChanged,
)
from shared.messaging.consumer import EventConsumer, Handler


async def on_duty_event(
    conn: asyncpg.Connection, event: staff_facts.DutyEvent, envelope: Envelope
) -> None:
    await staff_facts.record(conn, event=event, event_id=envelope.id)


DUTY_FACTS = EventConsumer(
    "evaluation.duty-facts",
    handlers=[
        Handler(ShiftAssigned, on_duty_event),
        Handler(ShiftChanged, on_duty_event),
        Handler(ShiftCancelled, on_duty_event),
        Handler(DutyCheckedIn, on_duty_event),
        Handler(DutyMissed, on_duty_event),
        Handler(HandoverRecorded, on_duty_event),
        Handler(AttendanceRecorded, on_duty_event),
        Handler(AttendanceSanctionImposed, on_duty_event),
    ],
    description=(
        "Keeps scheduling's shift, duty-desk, handover, attendance and sanction events as"
        " staff-assessment facts keyed by their event id, in any order, replays ignored."
    ),
)

STAFF_CONSUMERS: tuple[EventConsumer, ...] = (DUTY_FACTS,)
