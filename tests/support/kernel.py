"""A test consumer whose effect is deliberately NOT idempotent, to prove the kernel's guarantees.

Its effect appends a row per application (no unique key), so an event applied
twice shows up as two rows: only the inbox stands between a redelivery and a
double effect.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg

from shared.db.provision import provision_schema
from shared.events import ApplicationSubmitted, EncodedEvent, encode
from shared.events.base import Envelope
from shared.messaging.consumer import EventConsumer, EventHandler, Handler
from shared.messaging.failures import PermanentFailure

SCHEMA = "kernel_test"
MIGRATIONS = Path(__file__).parent / "kernel_migrations"
BROKEN_RULE_APPLICANT = "breaks-a-rule"


async def provision_kernel_schema(admin_dsn: str) -> str:
    """Create the test role/schema with the kernel's tables; return its DSN."""
    return await provision_schema(admin_dsn, SCHEMA, migrations=MIGRATIONS)


async def record_effect(
    conn: asyncpg.Connection, event: ApplicationSubmitted, envelope: Envelope
) -> None:
    if event.applicant_id == BROKEN_RULE_APPLICANT:
        raise PermanentFailure("this applicant breaks a recruitment rule")
    await conn.execute(
        "INSERT INTO effects (event_id, application_id, consumer_pid) VALUES ($1, $2, $3)",
        envelope.id,
        event.application_id,
        os.getpid(),
    )


def kernel_consumer(
    name: str, effect: EventHandler[ApplicationSubmitted] = record_effect
) -> EventConsumer:
    """Applies ApplicationSubmitted (read from the registry's topic) with `effect`."""
    return EventConsumer(name, handlers=[Handler(ApplicationSubmitted, effect)])


def application(*, college: str = "cs", applicant: str = "s1") -> ApplicationSubmitted:
    return ApplicationSubmitted(
        college=college,
        application_id=uuid4(),
        campaign_id="kernel-test",
        applicant_id=applicant,
        applicant_name="测试",
        submitted_at=datetime.now(UTC),
    )


def encoded(event: ApplicationSubmitted, event_id: UUID | None = None) -> EncodedEvent:
    return encode(event, source="/tests", now=datetime.now(UTC), event_id=event_id)


async def effect_counts(pool: asyncpg.Pool, application_ids: list[UUID]) -> dict[UUID, int]:
    rows = await pool.fetch(
        "SELECT application_id, count(*) AS n FROM effects"
        " WHERE application_id = ANY($1::uuid[]) GROUP BY application_id",
        application_ids,
    )
    return {row["application_id"]: row["n"] for row in rows}
