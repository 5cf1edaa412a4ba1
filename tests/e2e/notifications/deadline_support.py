"""What the task and application-deadline reminder tests share: the events another
service published on Kafka for one aggregate, read back with their CloudEvents ids (to
wait for their consumption, or to redeliver them as they were)."""

from __future__ import annotations

from uuid import UUID, uuid4

import asyncpg

from shared.events.base import DomainEvent
from shared.events.recruitment import MembershipStarted
from shared.events.registry import spec_for_model
from tests.e2e.notifications.remesc_support import consumed, now_s
from tests.e2e.notifications.routing_support import Produced, produce, with_ids
from tests.support.kafka import header, read_topic, wait_until


async def step(bootstrap: str, events: list[DomainEvent]) -> list[Produced]:
    """The events produced, each under a new id, and consumed by the reminders consumers."""
    produced = with_ids(events)
    await produce(bootstrap, produced)
    await consumed(bootstrap, produced)
    return produced


async def published(bootstrap: str, model: type[DomainEvent], key: str) -> list[Produced]:
    """The aggregate's events of one type as their service published them, in order."""
    topic = spec_for_model(model).topic.name
    found: list[Produced] = []
    for record in await read_topic(bootstrap, topic):
        event_id = header(record, "ce_id")
        if record.key == key.encode() and header(record, "ce_type") == model.event_type:
            assert event_id is not None
            found.append((model.model_validate_json(record.value), UUID(event_id)))
    return found


async def wait_published(
    bootstrap: str, model: type[DomainEvent], keys: list[str], timeout_s: float = 60
) -> dict[str, Produced]:
    """The first event of the type for each key, waiting for the outbox relay."""
    seen: dict[str, Produced] = {}

    async def all_there() -> bool:
        for key in keys:
            if key not in seen and (events := await published(bootstrap, model, key)):
                seen[key] = events[0]
        return len(seen) == len(keys)

    await wait_until(all_there, timeout_s=timeout_s, what=f"{model.__name__} of {keys}")
    return seen


async def pending_reminders(dsn: str, college: str, campaign: str) -> dict[str, int]:
    """person -> how many of their reminders of the campaign's deadline are pending."""
    conn = await asyncpg.connect(dsn, server_settings={"search_path": "notifications"})
    try:
        rows = await conn.fetch(
            "SELECT person_id, count(*) AS n FROM reminders WHERE college = $1"
            " AND subject_kind = 'application_deadline' AND subject_id = $2"
            " AND status = 'pending' GROUP BY person_id",
            college,
            campaign,
        )
    finally:
        await conn.close()
    return {row["person_id"]: row["n"] for row in rows}


def joined(college: str, person: str) -> MembershipStarted:
    """The person joins a department of the college now: into its volunteer pool."""
    return MembershipStarted(
        college=college,
        membership_id=uuid4(),
        person_id=person,
        organisation_kind="department",
        organisation_id="volunteers",
        how="admitted",
        started_at=now_s(),
    )
