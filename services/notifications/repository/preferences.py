"""SQL of a person's choices: people, contact points, preferences, quiet hours, digests
(all a plan reads of them at once: repository/planning_facts.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.notifications.domain.digests import Cadence, DigestedMessage, DigestWindow
from services.notifications.domain.kinds import Category
from services.notifications.domain.preferences import (
    DEFAULT_LOCALE,
    CategoryPreference,
    Channel,
    QuietHandling,
)
from services.notifications.domain.quiet_hours import DEFAULT_TIME_ZONE, QuietHours
from services.notifications.repository.prefetch import from_prefetch


@dataclass(frozen=True)
class Person:
    person_id: str
    display_name: str | None
    locale: str
    time_zone: str


async def ensure_person(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    display_name: str | None,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO people (college, person_id, display_name, updated_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (college, person_id) DO UPDATE"
        " SET display_name = EXCLUDED.display_name, updated_at = EXCLUDED.updated_at"
        " WHERE EXCLUDED.display_name IS NOT NULL"
        " AND people.display_name IS DISTINCT FROM EXCLUDED.display_name",
        college,
        person_id,
        display_name,
        now,
    )


async def person(conn: asyncpg.Connection, *, college: str, person_id: str) -> Person:
    """The person as notifications knows them; the defaults for one it does not know."""
    row = await conn.fetchrow(
        "SELECT display_name, locale, time_zone FROM people WHERE college = $1 AND person_id = $2",
        college,
        person_id,
    )
    if row is None:
        return Person(person_id, None, DEFAULT_LOCALE, DEFAULT_TIME_ZONE)
    return Person(person_id, row["display_name"], row["locale"], row["time_zone"])


async def set_locale_and_zone(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    locale: str | None,
    time_zone: str | None,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO people (college, person_id, locale, time_zone, updated_at)"
        " VALUES ($1, $2, coalesce($3, 'zh-CN'), coalesce($4, 'Asia/Shanghai'), $5)"
        " ON CONFLICT (college, person_id) DO UPDATE"
        " SET locale = coalesce($3, people.locale), time_zone = coalesce($4, people.time_zone),"
        " updated_at = $5",
        college,
        person_id,
        locale,
        time_zone,
        now,
    )


async def contact_points(
    conn: asyncpg.Connection, *, college: str, person_id: str
) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT channel, address FROM contact_points WHERE college = $1 AND person_id = $2",
        college,
        person_id,
    )
    return {row["channel"]: row["address"] for row in rows}


async def contact_address(
    conn: asyncpg.Connection, *, college: str, person_id: str, channel: str
) -> str | None:
    hit, address = from_prefetch((id(conn), "address", college, f"{person_id}\x1f{channel}"))
    if hit:
        return None if address is None else str(address)
    value = await conn.fetchval(
        "SELECT address FROM contact_points WHERE college = $1 AND person_id = $2 AND channel = $3",
        college,
        person_id,
        channel,
    )
    return str(value) if value is not None else None


async def put_contact_point(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    channel: str,
    address: str,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO contact_points (college, person_id, channel, address, updated_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (college, person_id, channel) DO UPDATE"
        " SET address = EXCLUDED.address, updated_at = EXCLUDED.updated_at",
        college,
        person_id,
        channel,
        address,
        now,
    )


async def delete_contact_point(
    conn: asyncpg.Connection, *, college: str, person_id: str, channel: str
) -> bool:
    status = await conn.execute(
        "DELETE FROM contact_points WHERE college = $1 AND person_id = $2 AND channel = $3",
        college,
        person_id,
        channel,
    )
    return str(status) != "DELETE 0"


def preference_of(row: asyncpg.Record) -> CategoryPreference:
    """A `preferences` row (category, channels, enabled, quiet_handling, digest)."""
    return CategoryPreference(
        category=Category(row["category"]),
        channels=tuple(Channel(c) for c in row["channels"]),
        enabled=row["enabled"],
        quiet=QuietHandling(row["quiet_handling"]),
        digest=row["digest"],
    )


async def preferences(
    conn: asyncpg.Connection, *, college: str, person_id: str, category: str | None = None
) -> dict[Category, CategoryPreference]:
    rows = await conn.fetch(
        "SELECT category, channels, enabled, quiet_handling, digest FROM preferences"
        " WHERE college = $1 AND person_id = $2 AND ($3::text IS NULL OR category = $3)",
        college,
        person_id,
        category,
    )
    return {Category(row["category"]): preference_of(row) for row in rows}


async def put_preferences(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    choices: Sequence[CategoryPreference],
    now: datetime,
) -> None:
    await conn.executemany(
        "INSERT INTO preferences (college, person_id, category, channels, enabled,"
        " quiet_handling, digest, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (college, person_id, category) DO UPDATE SET channels = EXCLUDED.channels,"
        " enabled = EXCLUDED.enabled, quiet_handling = EXCLUDED.quiet_handling,"
        " digest = EXCLUDED.digest, updated_at = EXCLUDED.updated_at",
        [
            (
                college,
                person_id,
                p.category.value,
                [c.value for c in p.channels],
                p.enabled,
                p.quiet.value,
                p.digest,
                now,
            )
            for p in choices
        ],
    )


async def quiet_hours(
    conn: asyncpg.Connection, *, college: str, person_id: str
) -> QuietHours | None:
    row = await conn.fetchrow(
        "SELECT starts, ends FROM quiet_hours WHERE college = $1 AND person_id = $2",
        college,
        person_id,
    )
    return QuietHours(row["starts"], row["ends"]) if row is not None else None


async def put_quiet_hours(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    window: QuietHours | None,
    now: datetime,
) -> None:
    if window is None:
        await conn.execute(
            "DELETE FROM quiet_hours WHERE college = $1 AND person_id = $2", college, person_id
        )
        return
    await conn.execute(
        "INSERT INTO quiet_hours (college, person_id, starts, ends, updated_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (college, person_id) DO UPDATE"
        " SET starts = EXCLUDED.starts, ends = EXCLUDED.ends, updated_at = EXCLUDED.updated_at",
        college,
        person_id,
        window.starts,
        window.ends,
        now,
    )


async def digest_window(
    conn: asyncpg.Connection, *, college: str, person_id: str
) -> DigestWindow | None:
    row = await conn.fetchrow(
        "SELECT cadence, weekday, at FROM digest_windows WHERE college = $1 AND person_id = $2",
        college,
        person_id,
    )
    if row is None:
        return None
    return DigestWindow(Cadence(row["cadence"]), row["at"], row["weekday"])


async def put_digest_window(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    window: DigestWindow | None,
    now: datetime,
) -> None:
    if window is None:
        await conn.execute(
            "DELETE FROM digest_windows WHERE college = $1 AND person_id = $2", college, person_id
        )
        return
    await conn.execute(
        "INSERT INTO digest_windows (college, person_id, cadence, weekday, at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (college, person_id) DO UPDATE"
        " SET cadence = EXCLUDED.cadence, weekday = EXCLUDED.weekday, at = EXCLUDED.at,"
        " updated_at = EXCLUDED.updated_at",
        college,
        person_id,
        window.cadence.value,
        window.weekday,
        window.at,
        now,
    )


# --- digests --------------------------------------------------------------------------


async def waiting_for_digest(
    conn: asyncpg.Connection, *, college: str, person_id: str, until: datetime | None
) -> list[DigestedMessage]:
    """The person's digested messages no digest has carried yet (made by `until`)."""
    rows = await conn.fetch(
        "SELECT m.message_id, m.kind, m.fields, m.created_at FROM messages m"
        " WHERE m.college = $1 AND m.recipient_id = $2 AND m.status = 'digested'"
        " AND ($3::timestamptz IS NULL OR m.created_at <= $3)"
        " AND NOT EXISTS (SELECT 1 FROM digest_entries d WHERE d.message_id = m.message_id)"
        " ORDER BY m.created_at, m.message_id",
        college,
        person_id,
        until,
    )
    return [
        DigestedMessage(row["message_id"], row["kind"], _json(row["fields"]), row["created_at"])
        for row in rows
    ]


def _json(value: Any) -> dict[str, Any]:
    loaded = json.loads(value) if isinstance(value, str) else value
    return dict(loaded or {})


async def last_period_end(
    conn: asyncpg.Connection, *, college: str, person_id: str
) -> datetime | None:
    value = await conn.fetchval(
        "SELECT max(period_end) FROM digest_entries WHERE college = $1 AND person_id = $2",
        college,
        person_id,
    )
    return value if isinstance(value, datetime) else None


async def mark_digested(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    message_ids: Sequence[UUID],
    digest_message_id: UUID,
    period_end: datetime,
    now: datetime,
) -> None:
    await conn.executemany(
        "INSERT INTO digest_entries (message_id, college, person_id, digest_message_id,"
        " period_end, included_at) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (message_id) DO NOTHING",
        [(m, college, person_id, digest_message_id, period_end, now) for m in message_ids],
    )
