"""SQL of deliveries and their attempts: queued, claimed SKIP LOCKED by any replica's
dispatcher, recorded."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from services.notifications.domain.delivery_records import Attempt, ClaimedDelivery, Delivery


async def insert_delivery(
    conn: asyncpg.Connection,
    *,
    delivery_id: UUID,
    message_id: UUID,
    college: str,
    channel: str,
    dedupe_key: str,
    template_version: int,
    status: str,
    now: datetime,
) -> bool:
    """Queue (or, for the inbox, record as delivered) one channel's delivery of a message;
    False when its dedupe key (or id) already exists: nothing is sent twice."""
    made = await conn.fetchval(
        "INSERT INTO deliveries (delivery_id, message_id, college, channel, dedupe_key,"
        " template_version, status, attempts, next_attempt_at, created_at, updated_at)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7, CASE WHEN $7 = 'queued' THEN 0 ELSE 1 END, $8,$8,$8)"
        " ON CONFLICT DO NOTHING RETURNING true",
        delivery_id,
        message_id,
        college,
        channel,
        dedupe_key,
        template_version,
        status,
        now,
    )
    if made and status != "queued":
        await conn.execute(
            "INSERT INTO delivery_attempts (delivery_id, attempt, started_at, finished_at,"
            " outcome) VALUES ($1, 1, $2, $2, $3)",
            delivery_id,
            now,
            status,
        )
    return bool(made)


@dataclass(frozen=True)
class NewDelivery:
    """One channel's delivery of a message to insert: 'queued' for an outside channel,
    'delivered' for the inbox (recorded with its one finished attempt)."""

    delivery_id: UUID
    message_id: UUID
    college: str
    channel: str
    dedupe_key: str
    template_version: int
    status: str


async def insert_deliveries(
    conn: asyncpg.Connection, deliveries: Sequence[NewDelivery], *, now: datetime
) -> set[UUID]:
    """`insert_delivery` for many in one statement (a delivery not queued gets its one
    finished attempt in it too); the ids this call made: a dedupe key (or id) that
    already exists makes nothing, so nothing is sent twice."""
    if not deliveries:
        return set()
    rows = await conn.fetch(
        "WITH made AS ("
        "  INSERT INTO deliveries (delivery_id, message_id, college, channel, dedupe_key,"
        "   template_version, status, attempts, next_attempt_at, created_at, updated_at)"
        "  SELECT d.delivery_id, d.message_id, d.college, d.channel, d.dedupe_key,"
        "   d.template_version, d.status, CASE WHEN d.status = 'queued' THEN 0 ELSE 1 END,"
        "   $8, $8, $8"
        "  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],"
        "   $6::int[], $7::text[]) AS d(delivery_id, message_id, college, channel,"
        "   dedupe_key, template_version, status)"
        "  ON CONFLICT DO NOTHING RETURNING delivery_id, status),"
        " finished AS ("
        "  INSERT INTO delivery_attempts (delivery_id, attempt, started_at, finished_at,"
        "   outcome) SELECT delivery_id, 1, $8, $8, status FROM made"
        "  WHERE status <> 'queued')"
        " SELECT delivery_id FROM made",
        [d.delivery_id for d in deliveries],
        [d.message_id for d in deliveries],
        [d.college for d in deliveries],
        [d.channel for d in deliveries],
        [d.dedupe_key for d in deliveries],
        [d.template_version for d in deliveries],
        [d.status for d in deliveries],
        now,
    )
    return {row["delivery_id"] for row in rows}


async def claim_due(
    conn: asyncpg.Connection,
    *,
    claimer: str,
    now: datetime,
    claim_for_s: float,
    limit: int,
) -> list[ClaimedDelivery]:
    """Claim due deliveries: queued ones whose time came, and ones being sent whose claim
    lapsed (their dispatcher vanished). Each claim opens a new attempt."""
    until = now + timedelta(seconds=claim_for_s)
    rows = await conn.fetch(
        "WITH due AS ("
        "  SELECT delivery_id FROM deliveries"
        "  WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1"
        "  ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
        " UPDATE deliveries d SET status = 'sending', claimed_by = $3, claimed_until = $4,"
        "  next_attempt_at = $4, attempts = d.attempts + 1, updated_at = $1"
        " FROM due, messages m WHERE d.delivery_id = due.delivery_id"
        "  AND m.message_id = d.message_id"
        " RETURNING d.delivery_id, d.message_id, d.college, d.channel, d.attempts,"
        "  m.event_id, m.recipient_id, m.kind, m.fields, m.locale, m.channels, m.time_zone",
        now,
        limit,
        claimer,
        until,
    )
    if rows:
        await conn.executemany(
            "INSERT INTO delivery_attempts (delivery_id, attempt, started_at)"
            " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            [(row["delivery_id"], row["attempts"], now) for row in rows],
        )
    return [_claimed(row) for row in rows]


async def renew_claims(
    conn: asyncpg.Connection,
    *,
    claimer: str,
    delivery_ids: Sequence[UUID],
    now: datetime,
    claim_for_s: float,
) -> set[UUID]:
    """Extend this dispatcher's claims on the deliveries it has not recorded yet (a round
    whose sends outlast the claim keeps them; one it lost to a lapse stays lost). Rows a
    record is locking are skipped, never waited for (no deadlock with a group's record:
    it is about to clear the claim, or the next renewal extends it). The ids renewed."""
    until = now + timedelta(seconds=claim_for_s)
    rows = await conn.fetch(
        "UPDATE deliveries SET claimed_until = $3, next_attempt_at = $3"
        " WHERE delivery_id IN (SELECT delivery_id FROM deliveries"
        "  WHERE delivery_id = ANY($1::uuid[]) AND claimed_by = $2 AND status = 'sending'"
        "  FOR UPDATE SKIP LOCKED)"
        " RETURNING delivery_id",
        list(delivery_ids),
        claimer,
        until,
    )
    return {row["delivery_id"] for row in rows}


async def give_back_claims(
    conn: asyncpg.Connection, *, claimer: str, claimed: Sequence[tuple[UUID, int]], now: datetime
) -> int:
    """Undo the claims of (delivery id, attempt) this dispatcher never started sending (it
    is stopping, or the claim grew too short for a send): due again at once for any
    replica, the attempt unopened. How many deliveries were given back."""
    rows = await conn.fetch(
        "WITH mine AS ("
        "  SELECT * FROM unnest($1::uuid[], $2::int[]) AS c(delivery_id, attempt)),"
        " back AS ("
        "  UPDATE deliveries d SET status = 'queued', claimed_by = NULL, claimed_until = NULL,"
        "   next_attempt_at = $4, attempts = d.attempts - 1, updated_at = $4"
        "  FROM mine WHERE d.delivery_id = mine.delivery_id AND d.attempts = mine.attempt"
        "   AND d.claimed_by = $3 AND d.status = 'sending'"
        "  RETURNING d.delivery_id, mine.attempt)"
        " , unopened AS (DELETE FROM delivery_attempts a USING back"
        "  WHERE a.delivery_id = back.delivery_id AND a.attempt = back.attempt)"
        " SELECT delivery_id FROM back",
        [delivery_id for delivery_id, _ in claimed],
        [attempt for _, attempt in claimed],
        claimer,
        now,
    )
    return len(rows)


def _claimed(row: Any) -> ClaimedDelivery:
    return ClaimedDelivery(
        delivery_id=row["delivery_id"],
        message_id=row["message_id"],
        college=row["college"],
        channel=row["channel"],
        attempt=row["attempts"],
        event_id=row["event_id"],
        recipient_id=row["recipient_id"],
        kind=row["kind"],
        fields=_fields(row["fields"]),
        locale=row["locale"],
        channels=tuple(row["channels"]),
        time_zone=row["time_zone"],
    )


@dataclass(frozen=True)
class ClaimHeld:
    """A delivery still claimed by this dispatcher, locked, with what decides its next step."""

    tried: list[str]  # the channels its message tried so far, in order
    tries: int  # its attempts that count toward the limit (all but rate-limited ones)


async def lock_if_still_claimed(
    conn: asyncpg.Connection, *, delivery_id: UUID, claimer: str, attempt: int
) -> ClaimHeld | None:
    """Lock the delivery if this dispatcher's claim on it still holds (nobody took it over
    after a lapse). An attempt whose dispatcher vanished counts as a try: a delivery that
    crashes its sender cannot loop forever."""
    row = await conn.fetchrow(
        "SELECT (SELECT array_agg(o.channel ORDER BY o.created_at) FROM deliveries o"
        "         WHERE o.message_id = d.message_id) AS tried,"
        "       (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.delivery_id"
        "         AND a.outcome IS DISTINCT FROM 'rate_limited') AS tries"
        " FROM deliveries d WHERE d.delivery_id = $1 AND d.status = 'sending'"
        " AND d.claimed_by = $2 AND d.attempts = $3 FOR UPDATE",
        delivery_id,
        claimer,
        attempt,
    )
    if row is None:
        return None
    return ClaimHeld(tried=list(row["tried"] or []), tries=int(row["tries"]))


async def finish_attempt(
    conn: asyncpg.Connection,
    *,
    delivery_id: UUID,
    attempt: int,
    outcome: str,
    detail: str,
    now: datetime,
) -> None:
    await conn.execute(
        "UPDATE delivery_attempts SET finished_at = $3, outcome = $4, detail = $5"
        " WHERE delivery_id = $1 AND attempt = $2",
        delivery_id,
        attempt,
        now,
        outcome,
        detail[:2000],
    )


async def update_delivery(
    conn: asyncpg.Connection,
    *,
    delivery_id: UUID,
    status: str,
    now: datetime,
    next_attempt_at: datetime | None = None,
    provider_message_id: str | None = None,
    last_error: str | None = None,
) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = $2, updated_at = $3,"
        " next_attempt_at = COALESCE($4, next_attempt_at),"
        " provider_message_id = COALESCE($5, provider_message_id),"
        " last_error = COALESCE($6, last_error), claimed_by = NULL, claimed_until = NULL"
        " WHERE delivery_id = $1",
        delivery_id,
        status,
        now,
        next_attempt_at,
        provider_message_id,
        last_error,
    )


async def deliveries_of(conn: asyncpg.Connection, message_ids: Sequence[UUID]) -> list[Delivery]:
    """Deliveries of messages with their attempts, in the order they were made."""
    rows = await conn.fetch(
        "SELECT * FROM deliveries WHERE message_id = ANY($1::uuid[])"
        " ORDER BY created_at, delivery_id",
        list(message_ids),
    )
    attempts = await conn.fetch(
        "SELECT * FROM delivery_attempts WHERE delivery_id = ANY($1::uuid[])"
        " ORDER BY delivery_id, attempt",
        [row["delivery_id"] for row in rows],
    )
    by_delivery: dict[UUID, list[Attempt]] = {}
    for a in attempts:
        by_delivery.setdefault(a["delivery_id"], []).append(
            Attempt(
                attempt=a["attempt"],
                started_at=a["started_at"],
                finished_at=a["finished_at"],
                outcome=a["outcome"],
                detail=a["detail"],
            )
        )
    return [_delivery_of(row, by_delivery.get(row["delivery_id"], [])) for row in rows]


def _delivery_of(row: Any, tries: list[Attempt]) -> Delivery:
    return Delivery(
        delivery_id=row["delivery_id"],
        message_id=row["message_id"],
        college=row["college"],
        channel=row["channel"],
        dedupe_key=row["dedupe_key"],
        template_version=row["template_version"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        provider_message_id=row["provider_message_id"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        tries=tries,
    )


def _fields(value: Any) -> dict[str, object]:
    return json.loads(value) if isinstance(value, str) else dict(value)


@dataclass(frozen=True)
class ReceiptTarget:
    """The SMS delivery a provider's receipt is about, locked for the transaction."""

    delivery_id: UUID
    message_id: UUID
    status: str


_OUT_ID = "left(encode(sha256(('campusflow-' || delivery_id::text)::bytea), 'hex'), 32)"


async def lock_sms_delivery(
    conn: asyncpg.Connection, *, biz_id: str, out_id: str
) -> ReceiptTarget | None:
    """The SMS delivery whose BizId (kept at send) is `biz_id`, else whose OutId (derived
    from its idempotency key, the same on every attempt) is `out_id`; locked."""
    row = None
    if biz_id:
        row = await conn.fetchrow(
            "SELECT delivery_id, message_id, status FROM deliveries"
            " WHERE channel = 'sms' AND provider_message_id = $1 FOR UPDATE",
            biz_id,
        )
    if row is None and out_id:
        row = await conn.fetchrow(
            "SELECT delivery_id, message_id, status FROM deliveries"
            f" WHERE channel = 'sms' AND {_OUT_ID} = $1 FOR UPDATE",
            out_id,
        )
    if row is None:
        return None
    return ReceiptTarget(row["delivery_id"], row["message_id"], row["status"])


async def claimed_for_receipt(conn: asyncpg.Connection, delivery_id: UUID) -> ClaimedDelivery:
    """A sent delivery as the dispatcher knew it when it claimed it (for the failover a
    bounce receipt starts)."""
    row = await conn.fetchrow(
        "SELECT d.delivery_id, d.message_id, d.college, d.channel, d.attempts,"
        "  m.event_id, m.recipient_id, m.kind, m.fields, m.locale, m.channels, m.time_zone"
        " FROM deliveries d JOIN messages m ON m.message_id = d.message_id"
        " WHERE d.delivery_id = $1",
        delivery_id,
    )
    return _claimed(row)


async def tried_channels(conn: asyncpg.Connection, message_id: UUID) -> list[str]:
    """The channels a message tried so far, in order."""
    rows = await conn.fetch(
        "SELECT channel FROM deliveries WHERE message_id = $1 ORDER BY created_at", message_id
    )
    return [row["channel"] for row in rows]
