"""SQL of recording a dispatcher's finished attempts, many in two statements: lock the
deliveries still claimed by it, then write each attempt's outcome, its delivery's next
state and its message's status at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.notifications.repository.deliveries import ClaimHeld


async def lock_still_claimed(
    conn: asyncpg.Connection, claims: Sequence[tuple[UUID, int]], *, claimer: str
) -> dict[UUID, ClaimHeld]:
    """`lock_if_still_claimed` of many (delivery id, attempt): those this dispatcher's
    claim still holds, locked in id order (two dispatchers never deadlock on them)."""
    if not claims:
        return {}
    rows = await conn.fetch(
        "SELECT d.delivery_id,"
        " (SELECT array_agg(o.channel ORDER BY o.created_at) FROM deliveries o"
        "   WHERE o.message_id = d.message_id) AS tried,"
        " (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.delivery_id"
        "   AND a.outcome IS DISTINCT FROM 'rate_limited') AS tries"
        " FROM deliveries d JOIN unnest($1::uuid[], $2::int[]) AS w(delivery_id, attempt)"
        "  ON d.delivery_id = w.delivery_id AND d.attempts = w.attempt"
        " WHERE d.status = 'sending' AND d.claimed_by = $3"
        " ORDER BY d.delivery_id FOR UPDATE OF d",
        [delivery_id for delivery_id, _ in claims],
        [attempt for _, attempt in claims],
        claimer,
    )
    return {
        row["delivery_id"]: ClaimHeld(tried=list(row["tried"] or []), tries=int(row["tries"]))
        for row in rows
    }


@dataclass(frozen=True)
class Outcome:
    """One attempt's outcome and what it does to its delivery and message (a None keeps
    the delivery's value)."""

    delivery_id: UUID
    attempt: int
    outcome: str
    detail: str
    status: str  # the delivery's
    message_id: UUID
    message_status: str
    next_attempt_at: datetime | None = None
    provider_message_id: str | None = None
    last_error: str | None = None


async def record_outcomes(
    conn: asyncpg.Connection, outcomes: Sequence[Outcome], *, now: datetime
) -> None:
    """Finish the attempts, move their deliveries on (claims released) and set their
    messages' statuses, in one statement."""
    if not outcomes:
        return
    # One status per message (the last given wins, as recording one by one would).
    statuses = {o.message_id: o.message_status for o in outcomes}
    await conn.execute(
        "WITH w AS (SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[],"
        "  $5::text[], $6::timestamptz[], $7::text[], $8::text[])"
        "  AS w(delivery_id, attempt, outcome, detail, status, next_attempt_at,"
        "  provider_message_id, last_error)),"
        " finished AS ("
        "  UPDATE delivery_attempts a SET finished_at = $11, outcome = w.outcome,"
        "   detail = w.detail FROM w"
        "  WHERE a.delivery_id = w.delivery_id AND a.attempt = w.attempt),"
        " moved AS ("
        "  UPDATE deliveries d SET status = w.status, updated_at = $11,"
        "   next_attempt_at = COALESCE(w.next_attempt_at, d.next_attempt_at),"
        "   provider_message_id = COALESCE(w.provider_message_id, d.provider_message_id),"
        "   last_error = COALESCE(w.last_error, d.last_error),"
        "   claimed_by = NULL, claimed_until = NULL"
        "  FROM w WHERE d.delivery_id = w.delivery_id)"
        " UPDATE messages m SET status = s.status, updated_at = $11"
        " FROM unnest($9::uuid[], $10::text[]) AS s(message_id, status)"
        " WHERE m.message_id = s.message_id",
        [o.delivery_id for o in outcomes],
        [o.attempt for o in outcomes],
        [o.outcome for o in outcomes],
        [o.detail[:2000] for o in outcomes],
        [o.status for o in outcomes],
        [o.next_attempt_at for o in outcomes],
        [o.provider_message_id for o in outcomes],
        [o.last_error for o in outcomes],
        list(statuses),
        list(statuses.values()),
        now,
    )
