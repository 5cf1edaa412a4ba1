"""What a route declares instead of doing itself: its transaction, its caller, its clock.

- `Transaction`: a connection inside a transaction that commits when the route returns
  and rolls back when it raises. The commit happens before the response is sent (the
  dependency's scope is the route function, not the request), so a client that got its
  201 can read what it created from anywhere.
  A request with an `Idempotency-Key` has its key recorded in that transaction
  (`shared.web.idempotency`): a retry gets the first answer, and the write happens once.
- `ShownOnce`: the answer carries a secret shown only this once (`Cache-Control: no-store`;
  the idempotency keys keep its status, never the secret).
- `Idempotency`: the request's key claim, for a route that opens its own transaction
  (`keyed_transaction`).
- `ReadOnly`: a connection inside a READ ONLY transaction (one consistent snapshot; a
  write by mistake fails).
- `caller(*roles)`: the authenticated caller holding one of `roles`, of the college named
  in the path (`{college}`); a university administrator may act for any college.
- `Paged`: a listing's `limit` and `offset` query parameters as one `Paging`.
- `Now`: the current time, from `clock`, which tests override
  (`app.dependency_overrides[clock] = lambda: fixed`).
"""

# No `from __future__ import annotations`: FastAPI reads the nested dependency's
# annotations at runtime, and they name a local (`with_role`).

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Protocol

import asyncpg
from fastapi import Depends, Header, Path, Query, Request, Response

from shared.db.pool import ACQUIRE_TIMEOUT_S
from shared.events.base import COLLEGE_PATTERN
from shared.paging import MAX_LIMIT, MAX_OFFSET, Paging
from shared.web.auth import Principal, ensure_college, require_roles
from shared.web.idempotency import (
    HEADER,
    KEY_PATTERN,
    IdempotencyClaim,
    claim_of,
    keyed_transaction,
)


class _HasPool(Protocol):
    pool: asyncpg.Pool | None


def pool_of(request: Request) -> asyncpg.Pool:
    """The service's pool (the runtime the app factory put on `app.state`)."""
    runtime: _HasPool | None = getattr(request.app.state, "runtime", None)
    pool = runtime.pool if runtime is not None else None
    if pool is None:
        raise RuntimeError("the service is not started: no database pool")
    return pool


# Declared by every route that writes, so OpenAPI documents the header; the middleware
# (`shared.web.idempotency`) reads and checks it before the route runs.
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        pattern=KEY_PATTERN,
        max_length=255,
        description="Optional. The same key on a retry of this request (within 24 hours)"
        " returns the first answer instead of applying the write again; the key with another"
        " request is refused (422), and a retry while the first is in flight gets 409.",
    ),
]


async def _transaction(
    request: Request, _key: IdempotencyKeyHeader = None
) -> AsyncIterator[asyncpg.Connection]:
    async with pool_of(request).acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        async with keyed_transaction(conn, claim_of(request.scope)):
            yield conn


def _idempotency(request: Request, _key: IdempotencyKeyHeader = None) -> IdempotencyClaim | None:
    return claim_of(request.scope)


async def _read_only(request: Request) -> AsyncIterator[asyncpg.Connection]:
    async with pool_of(request).acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        async with conn.transaction(readonly=True):
            yield conn


def clock() -> datetime:
    return datetime.now(UTC)


def _shown_once(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


Transaction = Annotated[asyncpg.Connection, Depends(_transaction, scope="function")]
# For a route that writes in a transaction of its own: `keyed_transaction(conn, claim)`.
Idempotency = Annotated[IdempotencyClaim | None, Depends(_idempotency)]
# On a route whose answer carries a secret shown only this once (`dependencies=[ShownOnce]`):
# `Cache-Control: no-store`, so no cache keeps it, nor the idempotency keys (a retry with
# the key gets 409 `idempotency_answer_withheld`, never the secret again).
ShownOnce = Depends(_shown_once)
ReadOnly = Annotated[asyncpg.Connection, Depends(_read_only, scope="function")]
Pool = Annotated[asyncpg.Pool, Depends(pool_of)]
Now = Annotated[datetime, Depends(clock)]
College = Annotated[str, Path(pattern=COLLEGE_PATTERN, description="College code")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


def paging(limit: Limit = 50, offset: Offset = 0) -> Paging:
    """A listing's `limit` and `offset` query parameters, as one value for the service."""
    return Paging(limit=limit, offset=offset)


Paged = Annotated[Paging, Depends(paging)]


def caller(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: the caller, holding one of `roles`, of the path's college."""
    with_role = require_roles(*roles)

    async def caller_of_college(
        college: College, principal: Annotated[Principal, Depends(with_role)]
    ) -> Principal:
        ensure_college(principal, college)
        return principal

    return caller_of_college
