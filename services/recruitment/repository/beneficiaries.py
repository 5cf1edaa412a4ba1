"""SQL of the beneficiary register. Contact cards go in and come out as tokens only."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from services.recruitment.domain.beneficiaries import (
    Beneficiary,
    BeneficiaryFilter,
    SchoolCoverage,
)
from services.recruitment.domain.paging import Paging

_COLUMNS = (
    "id, college, school_id, county, grade, categories, subject_needs, registered_at, updated_at"
)


@dataclass(frozen=True)
class SealedCard:
    """A stored contact card: the token and the fingerprint of the key that wrote it."""

    token: bytes
    key: str


def _beneficiary(row: asyncpg.Record) -> Beneficiary:
    # _COLUMNS are the entry's fields.
    return Beneficiary(
        **{
            **dict(row),
            "categories": tuple(row["categories"]),
            "subject_needs": tuple(row["subject_needs"]),
        }
    )


async def is_registered(conn: asyncpg.Connection, *, college: str, identity_digest: bytes) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM beneficiaries WHERE college = $1 AND identity_digest = $2",
        college,
        identity_digest,
    )
    return found is not None


async def insert_beneficiary(
    conn: asyncpg.Connection, beneficiary: Beneficiary, *, card: SealedCard, identity_digest: bytes
) -> None:
    await conn.execute(
        f"INSERT INTO beneficiaries ({_COLUMNS}, contact_card, contact_card_key, identity_digest)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
        beneficiary.id,
        beneficiary.college,
        beneficiary.school_id,
        beneficiary.county,
        beneficiary.grade,
        list(beneficiary.categories),
        list(beneficiary.subject_needs),
        beneficiary.registered_at,
        beneficiary.updated_at,
        card.token,
        card.key,
        identity_digest,
    )


async def get_beneficiary(
    conn: asyncpg.Connection, *, college: str, beneficiary_id: UUID, for_update: bool = False
) -> Beneficiary | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM beneficiaries WHERE college = $1 AND id = $2{lock}",
        college,
        beneficiary_id,
    )
    return _beneficiary(row) if row else None


async def get_sealed_card(
    conn: asyncpg.Connection, *, college: str, beneficiary_id: UUID
) -> SealedCard | None:
    row = await conn.fetchrow(
        "SELECT contact_card, contact_card_key FROM beneficiaries WHERE college = $1 AND id = $2",
        college,
        beneficiary_id,
    )
    return SealedCard(bytes(row["contact_card"]), row["contact_card_key"]) if row else None


async def update_beneficiary(conn: asyncpg.Connection, beneficiary: Beneficiary) -> None:
    await conn.execute(
        "UPDATE beneficiaries SET grade = $3, categories = $4, subject_needs = $5, updated_at = $6"
        " WHERE college = $1 AND id = $2",
        beneficiary.college,
        beneficiary.id,
        beneficiary.grade,
        list(beneficiary.categories),
        list(beneficiary.subject_needs),
        beneficiary.updated_at,
    )


async def replace_card(
    conn: asyncpg.Connection,
    *,
    college: str,
    beneficiary_id: UUID,
    card: SealedCard,
    identity_digest: bytes | None = None,
) -> None:
    await conn.execute(
        "UPDATE beneficiaries SET contact_card = $3, contact_card_key = $4,"
        " identity_digest = COALESCE($5, identity_digest) WHERE college = $1 AND id = $2",
        college,
        beneficiary_id,
        card.token,
        card.key,
        identity_digest,
    )


async def list_beneficiaries(
    conn: asyncpg.Connection, *, college: str, where: BeneficiaryFilter, paging: Paging
) -> list[Beneficiary]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM beneficiaries WHERE college = $1"
        " AND ($2::text IS NULL OR school_id = $2) AND ($3::text IS NULL OR county = $3)"
        " ORDER BY school_id, registered_at, id LIMIT $4 OFFSET $5",
        college,
        where.school_id,
        where.county,
        paging.limit,
        paging.offset,
    )
    return [_beneficiary(row) for row in rows]


async def cards_under_other_keys(
    conn: asyncpg.Connection, *, college: str, primary_key: str, batch_size: int
) -> list[tuple[UUID, bytes]]:
    """A batch of cards still under an older key, locked; rows another rotation holds
    are skipped, so two rotations at once share the work instead of waiting."""
    rows = await conn.fetch(
        "SELECT id, contact_card FROM beneficiaries WHERE college = $1 AND contact_card_key <> $2"
        " ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED",
        college,
        primary_key,
        batch_size,
    )
    return [(row["id"], bytes(row["contact_card"])) for row in rows]


async def store_rotated_cards(
    conn: asyncpg.Connection, *, college: str, primary_key: str, cards: list[tuple[UUID, bytes]]
) -> None:
    await conn.executemany(
        "UPDATE beneficiaries SET contact_card = $3, contact_card_key = $4"
        " WHERE college = $1 AND id = $2",
        [(college, beneficiary_id, token, primary_key) for beneficiary_id, token in cards],
    )


async def count_under_other_keys(
    conn: asyncpg.Connection, *, college: str, primary_key: str
) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM beneficiaries WHERE college = $1 AND contact_card_key <> $2",
        college,
        primary_key,
    )
    return count


async def _pairings_exist(conn: asyncpg.Connection) -> bool:
    # The pairings table belongs to the pairing capability and may not be migrated
    # yet; until it is, nobody is paired.
    return await conn.fetchval("SELECT to_regclass('pairings') IS NOT NULL") is True


async def coverage_by_school(
    conn: asyncpg.Connection, *, college: str, county: str | None
) -> list[SchoolCoverage]:
    if await _pairings_exist(conn):
        paired = (
            "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pairings p WHERE p.college = b.college"
            " AND p.beneficiary_id = b.id AND p.ended_at IS NULL))"
        )
    else:
        paired = "0"
    rows = await conn.fetch(
        f"SELECT school_id, min(county) AS county, count(*) AS registered, {paired} AS paired"
        " FROM beneficiaries b WHERE college = $1 AND ($2::text IS NULL OR county = $2)"
        " GROUP BY school_id ORDER BY school_id",
        college,
        county,
    )
    return [SchoolCoverage(**dict(row)) for row in rows]
