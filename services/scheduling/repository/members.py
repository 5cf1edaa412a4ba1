"""SQL of the member pool: members, their memberships, enrolments and membership endings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.scheduling.domain.members import (
    Member,
    PoolFilter,
    PoolMembership,
    TimetableSummary,
)
from shared.paging import Paging


async def ensure_member(conn: asyncpg.Connection, *, college: str, person_id: str) -> None:
    await conn.execute(
        "INSERT INTO members (college, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        college,
        person_id,
    )


async def record_enrolment(
    conn: asyncpg.Connection,
    *,
    college: str,
    application_id: UUID,
    person_id: str,
    campaign_id: str,
    skills: Sequence[str],
    availability_ref: str,
    enrolled_at: datetime,
) -> bool:
    """Record one enrolment (once per application); False if it was already recorded."""
    inserted = await conn.fetchval(
        "INSERT INTO volunteer_enrolments"
        " (college, application_id, person_id, campaign_id, skills, availability_ref,"
        "  enrolled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (application_id) DO NOTHING RETURNING true",
        college,
        application_id,
        person_id,
        campaign_id,
        sorted(set(skills)),
        availability_ref,
        enrolled_at,
    )
    return bool(inserted)


async def refresh_enrolment_facts(
    conn: asyncpg.Connection, *, college: str, person_id: str
) -> None:
    """A member's skills (the union over their enrolments) and first enrolment."""
    await conn.execute(
        "UPDATE members SET updated_at = now(),"
        " skills = COALESCE((SELECT array_agg(DISTINCT s ORDER BY s) FROM volunteer_enrolments e,"
        "   unnest(e.skills) s WHERE e.college = $1 AND e.person_id = $2), '{}'),"
        " enrolled_at = (SELECT min(enrolled_at) FROM volunteer_enrolments e"
        "   WHERE e.college = $1 AND e.person_id = $2)"
        " WHERE college = $1 AND person_id = $2",
        college,
        person_id,
    )


async def membership_college(conn: asyncpg.Connection, membership_id: UUID) -> str | None:
    college: str | None = await conn.fetchval(
        "SELECT college FROM memberships WHERE membership_id = $1", membership_id
    )
    return college


async def ending_college(conn: asyncpg.Connection, membership_id: UUID) -> str | None:
    college: str | None = await conn.fetchval(
        "SELECT college FROM membership_endings WHERE membership_id = $1", membership_id
    )
    return college


async def insert_membership(
    conn: asyncpg.Connection,
    *,
    college: str,
    membership_id: UUID,
    person_id: str,
    organisation_kind: str,
    organisation_id: str,
    role: str,
    started_at: datetime,
) -> None:
    """Insert a started membership, already ended if its end arrived first; a start
    recorded before is left as it is."""
    await conn.execute(
        "INSERT INTO memberships (college, membership_id, person_id, organisation_kind,"
        " organisation_id, role, started_at, ended_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7,"
        "  (SELECT ended_at FROM membership_endings WHERE membership_id = $2))"
        " ON CONFLICT (membership_id) DO NOTHING",
        college,
        membership_id,
        person_id,
        organisation_kind,
        organisation_id,
        role,
        started_at,
    )


async def record_ending(
    conn: asyncpg.Connection,
    *,
    college: str,
    membership_id: UUID,
    person_id: str,
    how: str,
    reason: str,
    ended_at: datetime,
) -> bool:
    """Record how a membership ended (once) and end it if its start is known; False if
    the end was recorded already."""
    recorded = await conn.fetchval(
        "INSERT INTO membership_endings (college, membership_id, person_id, how, reason,"
        " ended_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (membership_id) DO NOTHING"
        " RETURNING true",
        college,
        membership_id,
        person_id,
        how,
        reason,
        ended_at,
    )
    await conn.execute(
        "UPDATE memberships SET ended_at = $3"
        " WHERE college = $1 AND membership_id = $2 AND ended_at IS NULL",
        college,
        membership_id,
        ended_at,
    )
    return bool(recorded)


async def has_current_membership(conn: asyncpg.Connection, *, college: str, person_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT true FROM memberships"
            " WHERE college = $1 AND person_id = $2 AND ended_at IS NULL LIMIT 1",
            college,
            person_id,
        )
    )


_MEMBER_COLUMNS = "m.college, m.person_id, m.skills, m.enrolled_at"


def _where(where: PoolFilter) -> tuple[str, list[object]]:
    """The filter's SQL (after `m.college = $1`) and its arguments ($2 onwards)."""
    clauses: list[str] = []
    args: list[object] = []

    def param(value: object) -> str:
        args.append(value)
        return f"${len(args) + 1}"

    if where.organisation_kind is not None:
        current = "" if where.include_former else " AND s.ended_at IS NULL"
        kind, organisation = param(where.organisation_kind), param(where.organisation_id)
        clauses.append(
            "EXISTS (SELECT 1 FROM memberships s WHERE s.college = m.college"
            f" AND s.person_id = m.person_id AND s.organisation_kind = {kind}"
            f" AND s.organisation_id = {organisation}{current})"
        )
    if where.skill is not None:
        clauses.append(f"{param(where.skill)} = ANY (m.skills)")
    return "".join(f" AND {clause}" for clause in clauses), args


async def list_members(
    conn: asyncpg.Connection, *, college: str, where: PoolFilter, paging: Paging
) -> list[Member]:
    """One page of the pool's members, by person id, each with their memberships."""
    clauses, args = _where(where)
    rows = await conn.fetch(
        f"SELECT {_MEMBER_COLUMNS} FROM members m WHERE m.college = $1{clauses}"
        f" ORDER BY m.person_id LIMIT {paging.limit} OFFSET {paging.offset}",
        college,
        *args,
    )
    return await _members(conn, college=college, rows=rows)


async def all_members(conn: asyncpg.Connection, *, college: str, where: PoolFilter) -> list[Member]:
    """Every member of the pool matching `where`, by person id."""
    clauses, args = _where(where)
    rows = await conn.fetch(
        f"SELECT {_MEMBER_COLUMNS} FROM members m WHERE m.college = $1{clauses}"
        " ORDER BY m.person_id",
        college,
        *args,
    )
    return await _members(conn, college=college, rows=rows)


async def get_member(conn: asyncpg.Connection, *, college: str, person_id: str) -> Member | None:
    rows = await conn.fetch(
        f"SELECT {_MEMBER_COLUMNS} FROM members m WHERE m.college = $1 AND m.person_id = $2",
        college,
        person_id,
    )
    found = await _members(conn, college=college, rows=rows)
    return found[0] if found else None


async def member_exists(conn: asyncpg.Connection, *, college: str, person_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT true FROM members WHERE college = $1 AND person_id = $2", college, person_id
        )
    )


async def _members(
    conn: asyncpg.Connection, *, college: str, rows: Sequence[asyncpg.Record]
) -> list[Member]:
    people = [row["person_id"] for row in rows]
    if not people:
        return []
    memberships: dict[str, list[PoolMembership]] = {}
    for row in await conn.fetch(
        "SELECT person_id, membership_id, organisation_kind, organisation_id, role,"
        " started_at, ended_at FROM memberships WHERE college = $1 AND person_id = ANY($2)"
        " ORDER BY started_at DESC, membership_id",
        college,
        people,
    ):
        fields = dict(row)
        memberships.setdefault(fields.pop("person_id"), []).append(PoolMembership(**fields))
    timetables: dict[str, TimetableSummary] = {}
    for row in await conn.fetch(
        "SELECT t.person_id, t.source, t.file_name, jsonb_array_length(t.weekly_slots) AS"
        " weekly_slots, (SELECT count(*) FROM class_sessions c WHERE c.college = t.college"
        " AND c.person_id = t.person_id) AS classes, t.horizon_starts_at, t.horizon_ends_at,"
        " t.uploaded_by, t.uploaded_at FROM class_timetables t"
        " WHERE t.college = $1 AND t.person_id = ANY($2)",
        college,
        people,
    ):
        fields = dict(row)
        person = fields.pop("person_id")
        timetables[person] = TimetableSummary(**fields)
    return [
        Member(
            college=row["college"],
            person_id=row["person_id"],
            skills=tuple(row["skills"]),
            enrolled_at=row["enrolled_at"],
            memberships=tuple(memberships.get(row["person_id"], ())),
            timetable=timetables.get(row["person_id"]),
        )
        for row in rows
    ]
