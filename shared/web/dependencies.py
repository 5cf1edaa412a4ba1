"""What a route declares instead of doing itself: its transaction, its caller, its clock.

- `Transaction`: a connection inside a transaction that commits when the route returns
  and rolls back when it raises. The commit happens before the response is sent (the
  dependency's scope is the route function, not the request), so a client that got its
  201 can read what it created from anywhere.
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
from fastapi import Depends, Path, Query, Request

from shared.events.base import COLLEGE_PATTERN
from shared.paging import MAX_LIMIT, MAX_OFFSET, Paging
from shared.web.auth import Principal, ensure_college, require_roles

ACQUIRE_TIMEOUT_S = 10.0


class _HasPool(Protocol):
    pool: asyncpg.Pool | None


def pool_of(request: Request) -> asyncpg.Pool:
    """The service's pool (the runtime the app factory put on `app.state`)."""
    runtime: _HasPool | None = getattr(request.app.state, "runtime", None)
    pool = runtime.pool if runtime is not None else None
    if pool is None:
        raise RuntimeError("the service is not started: no database pool")
    return pool


async def _transaction(request: Request) -> AsyncIterator[asyncpg.Connection]:
    async with pool_of(request).acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        async with conn.transaction():
            yield conn


async def _read_only(request: Request) -> AsyncIterator[asyncpg.Connection]:
    async with pool_of(request).acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        async with conn.transaction(readonly=True):
            yield conn


def clock() -> datetime:
    return datetime.now(UTC)


Transaction = Annotated[asyncpg.Connection, Depends(_transaction, scope="function")]
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
