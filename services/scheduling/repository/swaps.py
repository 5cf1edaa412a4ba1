"""SQL of swap requests and open-shift offers."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.scheduling.domain.shift_changes import Offer, Swap
from services.scheduling.repository.rows import row_by_id
from shared.paging import Paging

_SWAP = (
    "SELECT college, swap_id, rota_id, requester_id, requester_shift_id, partner_id,"
    " partner_shift_id, status, requested_at, decided_by, decided_at, reason FROM shift_swaps"
)
_OFFER = (
    "SELECT college, offer_id, rota_id, shift_id, person_id, eligible, status, offered_at,"
    " taken_by, taken_at FROM shift_offers"
)


def _swap(row: asyncpg.Record) -> Swap:
    return Swap(**dict(row))


def _offer(row: asyncpg.Record) -> Offer:
    return Offer(**{**dict(row), "eligible": tuple(row["eligible"])})


async def insert_swap(conn: asyncpg.Connection, swap: Swap) -> None:
    """Raises UniqueViolationError when the same request is pending already."""
    await conn.execute(
        "INSERT INTO shift_swaps (college, swap_id, rota_id, requester_id, requester_shift_id,"
        " partner_id, partner_shift_id, status, requested_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        swap.college,
        swap.swap_id,
        swap.rota_id,
        swap.requester_id,
        swap.requester_shift_id,
        swap.partner_id,
        swap.partner_shift_id,
        swap.status,
        swap.requested_at,
    )


async def get_swap(
    conn: asyncpg.Connection, *, college: str, swap_id: UUID, for_update: bool = False
) -> Swap | None:
    query = f"{_SWAP} WHERE college = $1 AND swap_id = $2"
    return await row_by_id(conn, query, college, swap_id, for_update=for_update, read=_swap)


async def save_decision(conn: asyncpg.Connection, swap: Swap) -> None:
    await conn.execute(
        "UPDATE shift_swaps SET status = $2, decided_by = $3, decided_at = $4, reason = $5"
        " WHERE swap_id = $1",
        swap.swap_id,
        swap.status,
        swap.decided_by,
        swap.decided_at,
        swap.reason,
    )


async def swaps_of_rota(
    conn: asyncpg.Connection, *, college: str, rota_id: UUID, person_id: str | None, paging: Paging
) -> list[Swap]:
    rows = await conn.fetch(
        f"{_SWAP} WHERE college = $1 AND rota_id = $2"
        " AND ($3::text IS NULL OR requester_id = $3 OR partner_id = $3)"
        " ORDER BY requested_at DESC, swap_id LIMIT $4 OFFSET $5",
        college,
        rota_id,
        person_id,
        paging.limit,
        paging.offset,
    )
    return [_swap(row) for row in rows]


async def void_swaps_of_seat(
    conn: asyncpg.Connection, *, shift_id: UUID, person_id: str, keep: UUID | None = None
) -> list[UUID]:
    """Pending swaps that give away this seat no longer stand once it changed hands."""
    rows = await conn.fetch(
        "UPDATE shift_swaps SET status = 'void' WHERE status = 'requested'"
        " AND ((requester_shift_id = $1 AND requester_id = $2)"
        " OR (partner_shift_id = $1 AND partner_id = $2))"
        " AND ($3::uuid IS NULL OR swap_id <> $3) RETURNING swap_id",
        shift_id,
        person_id,
        keep,
    )
    return [row["swap_id"] for row in rows]


async def insert_offer(conn: asyncpg.Connection, offer: Offer) -> None:
    """Raises UniqueViolationError when the seat is offered already."""
    await conn.execute(
        "INSERT INTO shift_offers (college, offer_id, rota_id, shift_id, person_id, eligible,"
        " status, offered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        offer.college,
        offer.offer_id,
        offer.rota_id,
        offer.shift_id,
        offer.person_id,
        list(offer.eligible),
        offer.status,
        offer.offered_at,
    )


async def get_offer(
    conn: asyncpg.Connection, *, college: str, offer_id: UUID, for_update: bool = False
) -> Offer | None:
    query = f"{_OFFER} WHERE college = $1 AND offer_id = $2"
    return await row_by_id(conn, query, college, offer_id, for_update=for_update, read=_offer)


async def save_taken(conn: asyncpg.Connection, offer: Offer) -> bool:
    """Only an open offer is taken: False when another taker was first."""
    done = await conn.fetchval(
        "UPDATE shift_offers SET status = 'taken', taken_by = $2, taken_at = $3"
        " WHERE offer_id = $1 AND status = 'open' RETURNING true",
        offer.offer_id,
        offer.taken_by,
        offer.taken_at,
    )
    return bool(done)


async def offers_of_rota(
    conn: asyncpg.Connection, *, college: str, rota_id: UUID, open_only: bool, paging: Paging
) -> list[Offer]:
    rows = await conn.fetch(
        f"{_OFFER} WHERE college = $1 AND rota_id = $2 AND (NOT $3 OR status = 'open')"
        " ORDER BY offered_at DESC, offer_id LIMIT $4 OFFSET $5",
        college,
        rota_id,
        open_only,
        paging.limit,
        paging.offset,
    )
    return [_offer(row) for row in rows]


async def void_offers_of_seat(
    conn: asyncpg.Connection, *, shift_id: UUID, person_id: str, keep: UUID | None = None
) -> list[UUID]:
    rows = await conn.fetch(
        "UPDATE shift_offers SET status = 'void' WHERE status = 'open' AND shift_id = $1"
        " AND person_id = $2 AND ($3::uuid IS NULL OR offer_id <> $3) RETURNING offer_id",
        shift_id,
        person_id,
        keep,
    )
    return [row["offer_id"] for row in rows]
