"""SQL of memberships and the sanctions recorded against them (attendance, dismissal)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from services.recruitment.domain.memberships import (
    AnnulmentEffect,
    MemberFilter,
    Membership,
    RecordedSanction,
    SanctionEffect,
)
from services.recruitment.domain.paging import Paging

_COLUMNS = (
    "id, college, person_id, organisation_kind, organisation_id, role, how_started,"
    " started_at, how_ended, end_reason, ended_at"
)


def _membership(row: asyncpg.Record) -> Membership:
    return Membership(**dict(row))  # _COLUMNS are the membership's fields


async def insert_membership(conn: asyncpg.Connection, membership: Membership) -> None:
    await conn.execute(
        f"INSERT INTO memberships ({_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
        membership.id,
        membership.college,
        membership.person_id,
        membership.organisation_kind,
        membership.organisation_id,
        membership.role,
        membership.how_started,
        membership.started_at,
        membership.how_ended,
        membership.end_reason,
        membership.ended_at,
    )


async def record_end(conn: asyncpg.Connection, membership: Membership) -> None:
    await conn.execute(
        "UPDATE memberships SET how_ended = $3, end_reason = $4, ended_at = $5"
        " WHERE college = $1 AND id = $2",
        membership.college,
        membership.id,
        membership.how_ended,
        membership.end_reason,
        membership.ended_at,
    )


async def get_membership(
    conn: asyncpg.Connection, *, college: str, membership_id: UUID, for_update: bool = False
) -> Membership | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM memberships WHERE college = $1 AND id = $2{lock}",
        college,
        membership_id,
    )
    return _membership(row) if row else None


async def active_membership(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    organisation_kind: str,
    organisation_id: str,
) -> Membership | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM memberships WHERE college = $1 AND person_id = $2"
        " AND organisation_kind = $3 AND organisation_id = $4 AND ended_at IS NULL FOR UPDATE",
        college,
        person_id,
        organisation_kind,
        organisation_id,
    )
    return _membership(row) if row else None


async def active_of_kind(
    conn: asyncpg.Connection, *, college: str, person_id: str, organisation_kind: str
) -> list[Membership]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM memberships WHERE college = $1 AND person_id = $2"
        " AND organisation_kind = $3 AND ended_at IS NULL FOR UPDATE",
        college,
        person_id,
        organisation_kind,
    )
    return [_membership(row) for row in rows]


async def memberships_of_person(
    conn: asyncpg.Connection, *, college: str, person_id: str, paging: Paging
) -> list[Membership]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM memberships WHERE college = $1 AND person_id = $2"
        " ORDER BY started_at DESC, id LIMIT $3 OFFSET $4",
        college,
        person_id,
        paging.limit,
        paging.offset,
    )
    return [_membership(row) for row in rows]


async def memberships_of_organisation(
    conn: asyncpg.Connection, *, college: str, where: MemberFilter, paging: Paging
) -> list[Membership]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM memberships WHERE college = $1 AND organisation_kind = $2"
        " AND organisation_id = $3 AND (NOT $4 OR ended_at IS NULL)"
        " ORDER BY started_at DESC, id LIMIT $5 OFFSET $6",
        college,
        where.organisation_kind,
        where.organisation_id,
        where.active_only,
        paging.limit,
        paging.offset,
    )
    return [_membership(row) for row in rows]


async def count_active_members(
    conn: asyncpg.Connection, *, college: str, organisation_kind: str, organisation_id: str
) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM memberships WHERE college = $1 AND organisation_kind = $2"
        " AND organisation_id = $3 AND ended_at IS NULL",
        college,
        organisation_kind,
        organisation_id,
    )
    return count


_SANCTION_COLUMNS = (
    "sanction_id, college, person_id, organisation_kind, organisation_id, sanction, reason,"
    " term, imposed_at, effect, membership_id"
)
_SANCTION_READ = f"{_SANCTION_COLUMNS}, annulled_at, annulment_effect, restored_membership_id"


def _sanction(row: asyncpg.Record) -> RecordedSanction:
    annulment = row["annulment_effect"]
    return RecordedSanction(
        **{
            **dict(row),
            "effect": SanctionEffect(row["effect"]),
            "annulment_effect": None if annulment is None else AnnulmentEffect(annulment),
        }
    )


async def record_sanction(
    conn: asyncpg.Connection, sanction: RecordedSanction, *, recorded_at: datetime
) -> bool:
    """False when this sanction was already recorded (the same sanction sent twice)."""
    inserted = await conn.fetchval(
        f"INSERT INTO membership_sanctions ({_SANCTION_COLUMNS}, recorded_at)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
        " ON CONFLICT (sanction_id) DO NOTHING RETURNING 1",
        sanction.sanction_id,
        sanction.college,
        sanction.person_id,
        sanction.organisation_kind,
        sanction.organisation_id,
        sanction.sanction,
        sanction.reason,
        sanction.term,
        sanction.imposed_at,
        sanction.effect.value,
        sanction.membership_id,
        recorded_at,
    )
    return inserted is not None


async def record_early_annulment(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    sanction_id: UUID,
    annulled_at: datetime,
    recorded_at: datetime,
) -> None:
    """An annulment of a dismissal not on file yet (kept once: re-sent, nothing new)."""
    await conn.execute(
        "INSERT INTO early_annulments (sanction_id, college, person_id, annulled_at,"
        " recorded_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sanction_id) DO NOTHING",
        sanction_id,
        college,
        person_id,
        annulled_at,
        recorded_at,
    )


async def early_annulment(
    conn: asyncpg.Connection, *, college: str, sanction_id: UUID
) -> datetime | None:
    """When the dismissal `sanction_id` was annulled, if its annulment came before it."""
    found: datetime | None = await conn.fetchval(
        "SELECT annulled_at FROM early_annulments WHERE college = $1 AND sanction_id = $2",
        college,
        sanction_id,
    )
    return found


async def sanction_recorded(conn: asyncpg.Connection, *, sanction_id: UUID) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM membership_sanctions WHERE sanction_id = $1", sanction_id
    )
    return found is not None


async def sanction_for_update(
    conn: asyncpg.Connection, *, college: str, sanction_id: UUID
) -> RecordedSanction | None:
    row = await conn.fetchrow(
        f"SELECT {_SANCTION_READ} FROM membership_sanctions"
        " WHERE college = $1 AND sanction_id = $2 FOR UPDATE",
        college,
        sanction_id,
    )
    return _sanction(row) if row else None


async def record_annulment(conn: asyncpg.Connection, sanction: RecordedSanction) -> None:
    await conn.execute(
        "UPDATE membership_sanctions SET annulled_at = $3, annulment_effect = $4,"
        " restored_membership_id = $5 WHERE college = $1 AND sanction_id = $2",
        sanction.college,
        sanction.sanction_id,
        sanction.annulled_at,
        None if sanction.annulment_effect is None else sanction.annulment_effect.value,
        sanction.restored_membership_id,
    )


async def sanctions_of_person(
    conn: asyncpg.Connection, *, college: str, person_id: str, paging: Paging
) -> list[RecordedSanction]:
    rows = await conn.fetch(
        f"SELECT {_SANCTION_READ} FROM membership_sanctions"
        " WHERE college = $1 AND person_id = $2 ORDER BY imposed_at DESC, sanction_id"
        " LIMIT $3 OFFSET $4",
        college,
        person_id,
        paging.limit,
        paging.offset,
    )
    return [_sanction(row) for row in rows]
