"""All SQL of the college template overrides (`template_versions`, migration 0004)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class TemplateVersion:
    """One saved version: `source` None records a revert to the built-in template."""

    college: str
    kind: str
    locale: str
    version: int
    source: str | None
    saved_by: str
    saved_at: datetime


def _version(row: asyncpg.Record) -> TemplateVersion:
    return TemplateVersion(
        college=row["college"],
        kind=row["kind"],
        locale=row["locale"],
        version=row["version"],
        source=row["source"],
        saved_by=row["saved_by"],
        saved_at=row["saved_at"],
    )


async def latest_version(
    conn: asyncpg.Connection, *, college: str, kind: str, locale: str
) -> TemplateVersion | None:
    row = await conn.fetchrow(
        "SELECT * FROM template_versions WHERE college = $1 AND kind = $2 AND locale = $3"
        " ORDER BY version DESC LIMIT 1",
        college,
        kind,
        locale,
    )
    return None if row is None else _version(row)


async def latest_versions(conn: asyncpg.Connection, *, college: str) -> list[TemplateVersion]:
    """The latest version of every kind and locale the college ever saved."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (kind, locale) * FROM template_versions WHERE college = $1"
        " ORDER BY kind, locale, version DESC",
        college,
    )
    return [_version(row) for row in rows]


async def versions_of(
    conn: asyncpg.Connection, *, college: str, kind: str, locale: str, limit: int, offset: int
) -> list[TemplateVersion]:
    rows = await conn.fetch(
        "SELECT * FROM template_versions WHERE college = $1 AND kind = $2 AND locale = $3"
        " ORDER BY version DESC LIMIT $4 OFFSET $5",
        college,
        kind,
        locale,
        limit,
        offset,
    )
    return [_version(row) for row in rows]


async def count_versions(conn: asyncpg.Connection, *, college: str, kind: str, locale: str) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM template_versions WHERE college = $1 AND kind = $2 AND locale = $3",
        college,
        kind,
        locale,
    )
    return count


async def _lock_template(conn: asyncpg.Connection, *, college: str, kind: str, locale: str) -> None:
    """Serialise saves of one college's kind and locale (each takes the next version)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('notifications.template/' || $1, 0))",
        f"{college}/{kind}/{locale}",
    )


async def insert_version(
    conn: asyncpg.Connection,
    *,
    college: str,
    kind: str,
    locale: str,
    source: str | None,
    saved_by: str,
    saved_at: datetime,
) -> TemplateVersion:
    """The next version of the college's kind and locale."""
    await _lock_template(conn, college=college, kind=kind, locale=locale)
    row = await conn.fetchrow(
        "INSERT INTO template_versions (college, kind, locale, version, source, saved_by, saved_at)"
        " SELECT $1, $2, $3, coalesce(max(version), 0) + 1, $4, $5, $6"
        " FROM template_versions WHERE college = $1 AND kind = $2 AND locale = $3"
        " RETURNING *",
        college,
        kind,
        locale,
        source,
        saved_by,
        saved_at,
    )
    assert row is not None
    return _version(row)
