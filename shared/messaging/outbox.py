"""The transactional outbox: events are rows until the relay publishes them."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from shared.events.base import DomainEvent
from shared.events.codec import encode

OUTBOX_LANES = 16
# NOTIFY on this channel (suffixed with the schema) is delivered when the writing
# transaction commits, and wakes the relay at once instead of at its next poll.
WAKE_CHANNEL_PREFIX = "campusflow_outbox_"


def lane_for(key: bytes) -> int:
    return zlib.crc32(key) % OUTBOX_LANES


async def append_to_outbox(
    conn: asyncpg.Connection,
    events: Sequence[DomainEvent],
    *,
    source: str,
    now: datetime,
    traceparent: str | None = None,
) -> None:
    """Record events in the caller's transaction; they are published only if it commits."""
    if not conn.is_in_transaction():
        raise RuntimeError("append_to_outbox must run inside the state change's transaction")
    rows = []
    for event in events:
        encoded = encode(event, source=source, now=now, traceparent=traceparent)
        headers = {name: value.decode() for name, value in encoded.headers}
        rows.append(
            (
                encoded.envelope.id,
                encoded.topic,
                encoded.key,
                json.dumps(headers),
                encoded.value,
                lane_for(encoded.key),
            )
        )
    await conn.executemany(
        "INSERT INTO outbox (event_id, topic, message_key, headers, payload, lane)"
        " VALUES ($1, $2, $3, $4::jsonb, $5, $6)",
        rows,
    )
    await conn.execute("SELECT pg_notify($1 || current_schema(), '')", WAKE_CHANNEL_PREFIX)


@dataclass(frozen=True)
class PendingMessage:
    id: int
    lane: int
    topic: str
    key: bytes
    headers: list[tuple[str, bytes]]
    value: bytes


async def claim_pending(conn: asyncpg.Connection, *, limit: int) -> list[PendingMessage]:
    """Lock the lanes no other relay holds, then their oldest unsent rows.

    Must run in a transaction: the locks and row locks last until it ends.
    """
    rows = await conn.fetch(
        """
        WITH lanes AS (
            SELECT lane FROM generate_series(0, $2 - 1) AS lane
            WHERE pg_try_advisory_xact_lock(hashtext(current_schema() || '.outbox'), lane)
        )
        SELECT id, lane, topic, message_key, headers, payload FROM outbox
        WHERE sent_at IS NULL AND lane IN (SELECT lane FROM lanes)
        ORDER BY id
        LIMIT $1
        FOR UPDATE SKIP LOCKED
        """,
        limit,
        OUTBOX_LANES,
    )
    return [
        PendingMessage(
            id=row["id"],
            lane=row["lane"],
            topic=row["topic"],
            key=bytes(row["message_key"]),
            headers=[(k, v.encode()) for k, v in json.loads(row["headers"]).items()],
            value=bytes(row["payload"]),
        )
        for row in rows
    ]


async def mark_sent(conn: asyncpg.Connection, ids: Sequence[int]) -> None:
    await conn.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])", list(ids))


async def record_failure(conn: asyncpg.Connection, *, message_id: int, error: str) -> None:
    """Recorded in the relay round's transaction, which commits what did go out."""
    await conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
        message_id,
        error[:2000],
    )


async def count_unsent(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))


async def prune_delivered(
    conn: asyncpg.Connection, *, sent_before: datetime, received_before: datetime
) -> tuple[int, int]:
    """Forget outbox rows sent, and inbox rows received, before the given times.

    The inbox must remember an event longer than it can possibly come again (a
    redelivery, a dead-letter replay), so its retention is the longer one.
    """
    sent = await conn.execute("DELETE FROM outbox WHERE sent_at < $1", sent_before)
    received = await conn.execute("DELETE FROM inbox WHERE received_at < $1", received_before)
    return int(sent.split()[-1]), int(received.split()[-1])
