"""Outbound webhooks' use cases: offering events to a college's endpoints (the hook every
consumed event goes through), managing endpoints (URL checked, secret shown once),
the delivery log and replays. Each runs in the transaction it is handed.

Where a webhook may go is checked when the endpoint is saved: http(s) only; in
production every address the host resolves to must be public (no private, loopback,
link-local, unique-local or unspecified address, literal or resolved); elsewhere
loopback is allowed so tests and demos can run local receivers. The dispatcher checks
again before each send (a name may be re-pointed after saving).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg
from pydantic_core import to_jsonable_python

from services.notifications.domain import webhooks as rules
from services.notifications.repository import webhook_endpoints as endpoint_rows
from services.notifications.repository import webhooks as rows
from services.notifications.repository.webhook_endpoints import Endpoint
from services.notifications.repository.webhooks import AttemptRecord, DeliveryRecord
from shared.events.registry import EVENTS
from shared.rules import NotFound, RuleBroken

Resolver = Callable[[str], Awaitable[list[str]]]


async def resolve_host(host: str) -> list[str]:
    """Every address (IPv4 and IPv6) `host` resolves to; a literal IP is itself."""
    if rules.literal_address(host) is not None:
        return [host]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def check_url(url: str, *, production: bool, resolve: Resolver = resolve_host) -> str:
    """The URL if webhooks may go there, else RuleBroken naming `url` (422)."""
    host = rules.url_host(url)
    rules.check_addresses(host, await resolve(host), production=production)
    return url


def known_event_types() -> tuple[str, ...]:
    return tuple(sorted({spec.type for spec in EVENTS}))


async def offer_to_webhooks(
    conn: asyncpg.Connection,
    *,
    college: str,
    event_type: str,
    event_id: UUID,
    occurred_at: datetime,
    data: Mapping[str, object],
    now: datetime,
) -> int:
    """Queue the event for every active endpoint of the college subscribed to its type
    (in order, after the endpoint's earlier events); how many were queued. An event
    offered again (a redelivery) queues nothing."""
    body = {
        "event_id": str(event_id),
        "event_type": event_type,
        "occurred_at": occurred_at.isoformat(),
        "college": college,
        "data": to_jsonable_python(dict(data)),
    }
    return await rows.offer(
        conn,
        college=college,
        event_type=event_type,
        event_id=event_id,
        occurred_at=occurred_at,
        body=body,
        now=now,
    )


@dataclass(frozen=True)
class EndpointWithSecret:
    endpoint: Endpoint
    secret: str


async def create_endpoint(
    conn: asyncpg.Connection,
    *,
    college: str,
    url: str,
    description: str,
    event_types: Sequence[str],
    active: bool,
    production: bool,
    now: datetime,
    resolve: Resolver = resolve_host,
) -> EndpointWithSecret:
    await check_url(url, production=production, resolve=resolve)
    chosen = rules.check_event_types(event_types, known_event_types())
    secret = rules.new_secret()
    endpoint = await endpoint_rows.insert_endpoint(
        conn,
        endpoint_id=uuid4(),
        college=college,
        url=url,
        secret=secret,
        description=description,
        event_types=chosen,
        active=active,
        now=now,
    )
    return EndpointWithSecret(endpoint, secret)


async def endpoint_of(conn: asyncpg.Connection, *, college: str, endpoint_id: UUID) -> Endpoint:
    found = await endpoint_rows.endpoint(conn, college=college, endpoint_id=endpoint_id)
    if found is None:
        raise NotFound("webhook endpoint", endpoint_id)
    return found


async def endpoints_of(conn: asyncpg.Connection, *, college: str) -> list[Endpoint]:
    return await endpoint_rows.endpoints_of(conn, college=college)


async def change_endpoint(
    conn: asyncpg.Connection,
    *,
    college: str,
    endpoint_id: UUID,
    url: str | None,
    description: str | None,
    event_types: Sequence[str] | None,
    active: bool | None,
    production: bool,
    now: datetime,
    resolve: Resolver = resolve_host,
) -> Endpoint:
    found = await endpoint_rows.endpoint(
        conn, college=college, endpoint_id=endpoint_id, for_update=True
    )
    if found is None:
        raise NotFound("webhook endpoint", endpoint_id)
    if url is not None:
        await check_url(url, production=production, resolve=resolve)
    chosen = (
        found.event_types
        if event_types is None
        else rules.check_event_types(event_types, known_event_types())
    )
    return await endpoint_rows.update_endpoint(
        conn,
        endpoint_id=endpoint_id,
        url=found.url if url is None else url,
        description=found.description if description is None else description,
        event_types=chosen,
        active=found.active if active is None else active,
        now=now,
    )


async def remove_endpoint(conn: asyncpg.Connection, *, college: str, endpoint_id: UUID) -> None:
    """The endpoint goes, with its deliveries and their log."""
    if not await endpoint_rows.delete_endpoint(conn, college=college, endpoint_id=endpoint_id):
        raise NotFound("webhook endpoint", endpoint_id)


async def rotate_secret(
    conn: asyncpg.Connection, *, college: str, endpoint_id: UUID, now: datetime
) -> EndpointWithSecret:
    """A new secret (shown once); every attempt from now on is signed with it."""
    await endpoint_of(conn, college=college, endpoint_id=endpoint_id)
    secret = rules.new_secret()
    endpoint = await endpoint_rows.set_secret(conn, endpoint_id=endpoint_id, secret=secret, now=now)
    return EndpointWithSecret(endpoint, secret)


async def delivery_log(
    conn: asyncpg.Connection,
    *,
    college: str,
    endpoint_id: UUID,
    status: str | None,
    created_from: datetime | None,
    created_to: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[DeliveryRecord], dict[UUID, list[AttemptRecord]]]:
    """The endpoint's deliveries, newest sequence first, with their attempts."""
    await endpoint_of(conn, college=college, endpoint_id=endpoint_id)
    found = await rows.deliveries_of(
        conn,
        endpoint_id=endpoint_id,
        status=status,
        created_from=created_from,
        created_to=created_to,
        limit=limit,
        offset=offset,
    )
    return found, await rows.attempts_of(conn, [d.delivery_id for d in found])


async def replay_range(
    conn: asyncpg.Connection,
    *,
    college: str,
    endpoint_id: UUID,
    occurred_from: datetime,
    occurred_to: datetime,
    now: datetime,
) -> int:
    """Send again, as new deliveries after the endpoint's queue and in their original
    order, every event offered to it that occurred in [from, to); the log keeps the old
    deliveries. How many were queued."""
    if occurred_to <= occurred_from:
        raise RuleBroken(
            "empty_range", field="to", message="`to` must come after `from`", invalid=True
        )
    await endpoint_of(conn, college=college, endpoint_id=endpoint_id)
    return await rows.replay(
        conn,
        endpoint_id=endpoint_id,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        now=now,
    )
