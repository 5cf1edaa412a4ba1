"""SQL of outbound webhooks' endpoints: a college's subscriptions, their URLs, secrets
and event types (their deliveries: repository/webhooks.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class Endpoint:
    endpoint_id: UUID
    college: str
    url: str
    description: str
    event_types: tuple[str, ...]
    active: bool
    secret_rotated_at: datetime
    created_at: datetime
    updated_at: datetime


_ENDPOINT_COLUMNS = (
    "endpoint_id, college, url, description, event_types, active, secret_rotated_at,"
    " created_at, updated_at"
)


def _endpoint(row: asyncpg.Record) -> Endpoint:
    return Endpoint(
        endpoint_id=row["endpoint_id"],
        college=row["college"],
        url=row["url"],
        description=row["description"],
        event_types=tuple(row["event_types"]),
        active=row["active"],
        secret_rotated_at=row["secret_rotated_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def insert_endpoint(
    conn: asyncpg.Connection,
    *,
    endpoint_id: UUID,
    college: str,
    url: str,
    secret: str,
    description: str,
    event_types: Sequence[str],
    active: bool,
    now: datetime,
) -> Endpoint:
    row = await conn.fetchrow(
        "INSERT INTO webhook_endpoints (endpoint_id, college, url, secret, description,"
        " event_types, active, secret_rotated_at, created_at, updated_at)"
        f" VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8,$8) RETURNING {_ENDPOINT_COLUMNS}",
        endpoint_id,
        college,
        url,
        secret,
        description,
        list(event_types),
        active,
        now,
    )
    return _endpoint(row)


async def endpoints_of(conn: asyncpg.Connection, *, college: str) -> list[Endpoint]:
    rows = await conn.fetch(
        f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE college = $1"
        " ORDER BY created_at, endpoint_id",
        college,
    )
    return [_endpoint(r) for r in rows]


async def endpoint(
    conn: asyncpg.Connection, *, college: str, endpoint_id: UUID, for_update: bool = False
) -> Endpoint | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints"
        f" WHERE college = $1 AND endpoint_id = $2{lock}",
        college,
        endpoint_id,
    )
    return _endpoint(row) if row is not None else None


async def update_endpoint(
    conn: asyncpg.Connection,
    *,
    endpoint_id: UUID,
    url: str,
    description: str,
    event_types: Sequence[str],
    active: bool,
    now: datetime,
) -> Endpoint:
    row = await conn.fetchrow(
        "UPDATE webhook_endpoints SET url = $2, description = $3, event_types = $4,"
        f" active = $5, updated_at = $6 WHERE endpoint_id = $1 RETURNING {_ENDPOINT_COLUMNS}",
        endpoint_id,
        url,
        description,
        list(event_types),
        active,
        now,
    )
    return _endpoint(row)


async def set_secret(
    conn: asyncpg.Connection, *, endpoint_id: UUID, secret: str, now: datetime
) -> Endpoint:
    row = await conn.fetchrow(
        "UPDATE webhook_endpoints SET secret = $2, secret_rotated_at = $3, updated_at = $3"
        f" WHERE endpoint_id = $1 RETURNING {_ENDPOINT_COLUMNS}",
        endpoint_id,
        secret,
        now,
    )
    return _endpoint(row)


async def delete_endpoint(conn: asyncpg.Connection, *, college: str, endpoint_id: UUID) -> bool:
    done = await conn.execute(
        "DELETE FROM webhook_endpoints WHERE college = $1 AND endpoint_id = $2",
        college,
        endpoint_id,
    )
    return bool(done.endswith(" 1"))
