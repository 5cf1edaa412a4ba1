"""The inbox: which events a consumer has already applied."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg


async def claim_new_events(
    conn: asyncpg.Connection, *, consumer: str, events: Sequence[tuple[UUID, str]]
) -> set[UUID]:
    """Record (consumer, event) pairs in the caller's transaction; return the ones not seen before.

    The effect of an event is applied only if its id comes back, in the same
    transaction, so a redelivered event changes nothing.
    """
    if not conn.is_in_transaction():
        raise RuntimeError("claim_new_events must run inside the effect's transaction")
    rows = await conn.fetch(
        "INSERT INTO inbox (consumer, event_id, event_type)"
        " SELECT $1, u.event_id, u.event_type"
        " FROM unnest($2::uuid[], $3::text[]) AS u(event_id, event_type)"
        " ON CONFLICT DO NOTHING RETURNING event_id",
        consumer,
        [event_id for event_id, _ in events],
        [event_type for _, event_type in events],
    )
    return {row["event_id"] for row in rows}
