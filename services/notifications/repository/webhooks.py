"""SQL of outbound webhooks' deliveries: queued in order per endpoint, claimed one head
per endpoint, their attempts, the delivery log and replays (the endpoints themselves:
repository/webhook_endpoints.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class ClaimedWebhook:
    """The head of one endpoint's queue, claimed for one attempt."""

    delivery_id: UUID
    endpoint_id: UUID
    college: str
    url: str
    secret: str
    sequence: int
    event_id: UUID
    event_type: str
    body: Mapping[str, Any]
    attempt: int  # the number of this attempt (1 = first)
    first_attempt_at: datetime


@dataclass(frozen=True)
class DeliveryRecord:
    delivery_id: UUID
    endpoint_id: UUID
    sequence: int
    event_id: UUID
    event_type: str
    occurred_at: datetime
    replay_of: UUID | None
    status: str
    attempts: int
    next_attempt_at: datetime
    first_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    finished_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class AttemptRecord:
    attempt: int
    started_at: datetime
    finished_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


async def offer(
    conn: asyncpg.Connection,
    *,
    college: str,
    event_type: str,
    event_id: UUID,
    occurred_at: datetime,
    body: Mapping[str, Any],
    now: datetime,
) -> int:
    """One pending delivery per active endpoint of the college subscribed to the event
    type (none when the event was offered before). The endpoints' rows are locked in id
    order while their sequences are taken, so sequence order is commit order: a delivery
    can never be numbered below one the dispatcher has already sent. (Two consumers'
    transactions locking overlapping endpoints in different orders across their batches
    may deadlock; PostgreSQL aborts one and the consumer kernel retries it.)"""
    rows = await conn.fetch(
        """
        WITH targets AS (
            SELECT endpoint_id FROM webhook_endpoints
            WHERE college = $1 AND active
              AND (cardinality(event_types) = 0 OR $2 = ANY (event_types))
              AND NOT EXISTS (
                  SELECT 1 FROM webhook_deliveries d
                  WHERE d.endpoint_id = webhook_endpoints.endpoint_id
                    AND d.event_id = $3 AND d.replay_of IS NULL)
            ORDER BY endpoint_id
            FOR UPDATE
        ), numbered AS (
            UPDATE webhook_endpoints e SET next_sequence = e.next_sequence + 1
            FROM targets t WHERE e.endpoint_id = t.endpoint_id
            RETURNING e.endpoint_id, e.next_sequence - 1 AS sequence
        )
        INSERT INTO webhook_deliveries (delivery_id, endpoint_id, college, sequence, event_id,
            event_type, occurred_at, body, status, next_attempt_at, created_at, updated_at)
        SELECT gen_random_uuid(), endpoint_id, $1, sequence, $3, $2, $4, $5::jsonb,
               'pending', $6, $6, $6
        FROM numbered
        ON CONFLICT (endpoint_id, event_id) WHERE replay_of IS NULL DO NOTHING
        RETURNING delivery_id
        """,
        college,
        event_type,
        event_id,
        occurred_at,
        json.dumps(body, ensure_ascii=False),
        now,
    )
    return len(rows)


async def replay(
    conn: asyncpg.Connection,
    *,
    endpoint_id: UUID,
    occurred_from: datetime,
    occurred_to: datetime,
    now: datetime,
) -> int:
    """New deliveries, in the old ones' order and with new higher sequences, of every
    event offered to the endpoint that occurred in [from, to). The endpoint's row is
    locked for the numbering (the caller's transaction)."""
    await conn.execute(
        "SELECT 1 FROM webhook_endpoints WHERE endpoint_id = $1 FOR UPDATE", endpoint_id
    )
    rows = await conn.fetch(
        """
        WITH originals AS (
            SELECT delivery_id, event_id, event_type, occurred_at, body, college,
                   row_number() OVER (ORDER BY sequence) AS n
            FROM webhook_deliveries
            WHERE endpoint_id = $1 AND replay_of IS NULL
              AND occurred_at >= $2 AND occurred_at < $3
        ), base AS (
            SELECT next_sequence FROM webhook_endpoints WHERE endpoint_id = $1
        ), added AS (
            INSERT INTO webhook_deliveries (delivery_id, endpoint_id, college, sequence,
                event_id, event_type, occurred_at, body, replay_of, status, next_attempt_at,
                created_at, updated_at)
            SELECT gen_random_uuid(), $1, o.college, b.next_sequence + o.n - 1, o.event_id,
                   o.event_type, o.occurred_at, o.body, o.delivery_id, 'pending', $4, $4, $4
            FROM originals o CROSS JOIN base b
            RETURNING 1
        )
        UPDATE webhook_endpoints SET next_sequence = next_sequence + (SELECT count(*) FROM added)
        WHERE endpoint_id = $1
        RETURNING (SELECT count(*) FROM added) AS added
        """,
        endpoint_id,
        occurred_from,
        occurred_to,
        now,
    )
    return int(rows[0]["added"]) if rows else 0


async def claim_heads(
    conn: asyncpg.Connection, *, claimer: str, now: datetime, claim_for_s: float, limit: int
) -> list[ClaimedWebhook]:
    """Claim the due head (lowest pending sequence) of up to `limit` active endpoints:
    an endpoint's later deliveries wait behind its head, other endpoints do not."""
    rows = await conn.fetch(
        """
        WITH heads AS (
            SELECT DISTINCT ON (d.endpoint_id) d.delivery_id
            FROM webhook_deliveries d
            JOIN webhook_endpoints e ON e.endpoint_id = d.endpoint_id AND e.active
            WHERE d.status = 'pending'
            ORDER BY d.endpoint_id, d.sequence
        ), due AS (
            SELECT d.delivery_id FROM webhook_deliveries d JOIN heads h USING (delivery_id)
            WHERE d.status = 'pending' AND d.next_attempt_at <= $2
              AND (d.claimed_until IS NULL OR d.claimed_until < $2)
            ORDER BY d.next_attempt_at
            LIMIT $4
            FOR UPDATE OF d SKIP LOCKED
        )
        UPDATE webhook_deliveries d
        SET claimed_by = $1, claimed_until = $2 + make_interval(secs => $3),
            attempts = d.attempts + 1, first_attempt_at = coalesce(d.first_attempt_at, $2),
            updated_at = $2
        FROM due, webhook_endpoints e
        WHERE d.delivery_id = due.delivery_id AND e.endpoint_id = d.endpoint_id
        RETURNING d.delivery_id, d.endpoint_id, d.college, e.url, e.secret, d.sequence,
                  d.event_id, d.event_type, d.body, d.attempts, d.first_attempt_at
        """,
        claimer,
        now,
        claim_for_s,
        limit,
    )
    return [
        ClaimedWebhook(
            delivery_id=r["delivery_id"],
            endpoint_id=r["endpoint_id"],
            college=r["college"],
            url=r["url"],
            secret=r["secret"],
            sequence=r["sequence"],
            event_id=r["event_id"],
            event_type=r["event_type"],
            body=json.loads(r["body"]),
            attempt=r["attempts"],
            first_attempt_at=r["first_attempt_at"],
        )
        for r in rows
    ]


async def record_attempt(
    conn: asyncpg.Connection,
    *,
    claimed: ClaimedWebhook,
    claimer: str,
    started_at: datetime,
    finished_at: datetime,
    status_code: int | None,
    error: str | None,
    status: str,
    next_attempt_at: datetime | None,
) -> bool:
    """Log the attempt and move the delivery on (delivered, failed, or pending again at
    `next_attempt_at`); False when this claimer's claim was lost meanwhile."""
    moved = await conn.execute(
        """
        UPDATE webhook_deliveries
        SET status = $3::text, next_attempt_at = coalesce($4::timestamptz, next_attempt_at),
            claimed_by = NULL, claimed_until = NULL, last_status_code = $5, last_error = $6,
            finished_at = CASE WHEN $3::text = 'pending' THEN NULL ELSE $7::timestamptz END,
            updated_at = $7::timestamptz
        WHERE delivery_id = $1 AND claimed_by = $2 AND status = 'pending'
        """,
        claimed.delivery_id,
        claimer,
        status,
        next_attempt_at,
        status_code,
        error,
        finished_at,
    )
    if not moved.endswith(" 1"):
        return False
    await conn.execute(
        "INSERT INTO webhook_attempts (delivery_id, attempt, started_at, finished_at,"
        " status_code, error, duration_ms) VALUES ($1,$2,$3,$4,$5,$6,$7)"
        " ON CONFLICT (delivery_id, attempt) DO NOTHING",
        claimed.delivery_id,
        claimed.attempt,
        started_at,
        finished_at,
        status_code,
        error,
        int((finished_at - started_at) / timedelta(milliseconds=1)),
    )
    return True


async def deliveries_of(
    conn: asyncpg.Connection,
    *,
    endpoint_id: UUID,
    status: str | None,
    created_from: datetime | None,
    created_to: datetime | None,
    limit: int,
    offset: int,
) -> list[DeliveryRecord]:
    rows = await conn.fetch(
        "SELECT * FROM webhook_deliveries WHERE endpoint_id = $1"
        " AND ($2::text IS NULL OR status = $2)"
        " AND ($3::timestamptz IS NULL OR created_at >= $3)"
        " AND ($4::timestamptz IS NULL OR created_at < $4)"
        " ORDER BY sequence DESC LIMIT $5 OFFSET $6",
        endpoint_id,
        status,
        created_from,
        created_to,
        limit,
        offset,
    )
    return [DeliveryRecord(**{f: r[f] for f in DeliveryRecord.__dataclass_fields__}) for r in rows]


async def attempts_of(
    conn: asyncpg.Connection, delivery_ids: Sequence[UUID]
) -> dict[UUID, list[AttemptRecord]]:
    rows = await conn.fetch(
        "SELECT * FROM webhook_attempts WHERE delivery_id = ANY($1::uuid[])"
        " ORDER BY delivery_id, attempt",
        list(delivery_ids),
    )
    found: dict[UUID, list[AttemptRecord]] = {}
    for row in rows:
        found.setdefault(row["delivery_id"], []).append(
            AttemptRecord(**{f: row[f] for f in AttemptRecord.__dataclass_fields__})
        )
    return found
