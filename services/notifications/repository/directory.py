"""SQL of the contact directory: people in a role, with the scopes they cover."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.notifications.domain.directory import DirectoryEntry, DirectoryRole


async def upsert_entry(
    conn: asyncpg.Connection, *, college: str, entry: DirectoryEntry, now: datetime
) -> None:
    """The entry as given: its name, and exactly its scopes (others it had are removed)."""
    await conn.execute(
        "INSERT INTO directory_entries (college, role, person_id, name, updated_at)"
        " VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (college, role, person_id)"
        " DO UPDATE SET name = EXCLUDED.name, updated_at = EXCLUDED.updated_at",
        college,
        entry.role.value,
        entry.person_id,
        entry.name,
        now,
    )
    await conn.execute(
        "DELETE FROM directory_scopes WHERE college = $1 AND role = $2 AND person_id = $3"
        " AND NOT (scope = ANY($4::text[]))",
        college,
        entry.role.value,
        entry.person_id,
        list(entry.scopes),
    )
    await conn.executemany(
        "INSERT INTO directory_scopes (college, role, person_id, scope) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT DO NOTHING",
        [(college, entry.role.value, entry.person_id, scope) for scope in entry.scopes],
    )


async def entry(
    conn: asyncpg.Connection, *, college: str, role: DirectoryRole, person_id: str
) -> DirectoryEntry | None:
    found = await entries(conn, college=college, role=role, person_id=person_id)
    return found[0] if found else None


async def entries(
    conn: asyncpg.Connection,
    *,
    college: str,
    role: DirectoryRole | None = None,
    scope: str | None = None,
    person_id: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[DirectoryEntry]:
    rows = await conn.fetch(
        "SELECT e.role, e.person_id, e.name, e.updated_at,"
        "  coalesce(array_agg(s.scope ORDER BY s.scope)"
        "           FILTER (WHERE s.scope IS NOT NULL), '{}') AS scopes"
        " FROM directory_entries e"
        " LEFT JOIN directory_scopes s"
        "   ON s.college = e.college AND s.role = e.role AND s.person_id = e.person_id"
        " WHERE e.college = $1 AND ($2::text IS NULL OR e.role = $2)"
        "   AND ($3::text IS NULL OR e.person_id = $3)"
        "   AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM directory_scopes t"
        "        WHERE t.college = e.college AND t.role = e.role"
        "          AND t.person_id = e.person_id AND t.scope = $4))"
        " GROUP BY e.role, e.person_id, e.name, e.updated_at"
        " ORDER BY e.role, e.person_id LIMIT $5 OFFSET $6",
        college,
        role.value if role else None,
        person_id,
        scope,
        limit,
        offset,
    )
    return [
        DirectoryEntry(
            role=DirectoryRole(row["role"]),
            person_id=row["person_id"],
            name=row["name"],
            scopes=tuple(row["scopes"]),
            updated_at=row["updated_at"],
        )
        for row in rows
    ]


async def delete_entry(
    conn: asyncpg.Connection, *, college: str, role: DirectoryRole, person_id: str
) -> bool:
    deleted = await conn.fetchval(
        "DELETE FROM directory_entries WHERE college = $1 AND role = $2 AND person_id = $3"
        " RETURNING person_id",
        college,
        role.value,
        person_id,
    )
    return deleted is not None


async def people_covering(
    conn: asyncpg.Connection, *, college: str, role: DirectoryRole, scope: str
) -> list[str]:
    rows = await conn.fetch(
        "SELECT person_id FROM directory_scopes WHERE college = $1 AND role = $2 AND scope = $3"
        " ORDER BY person_id",
        college,
        role.value,
        scope,
    )
    return [row["person_id"] for row in rows]


async def people_unscoped(
    conn: asyncpg.Connection, *, college: str, role: DirectoryRole
) -> list[str]:
    """People in the role who cover no particular scope (the whole college)."""
    rows = await conn.fetch(
        "SELECT e.person_id FROM directory_entries e WHERE e.college = $1 AND e.role = $2"
        " AND NOT EXISTS (SELECT 1 FROM directory_scopes s WHERE s.college = e.college"
        "   AND s.role = e.role AND s.person_id = e.person_id)"
        " ORDER BY e.person_id",
        college,
        role.value,
    )
    return [row["person_id"] for row in rows]
