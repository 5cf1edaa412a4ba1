"""The web tests' app on the kernel test schema: its `effects` table as the stand-in for a
write, a caller's token and an Idempotency-Key, and what the answers and the table say."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID, uuid4

import asyncpg
import httpx
from fastapi import APIRouter, Depends, FastAPI

from shared.config import LOCAL_JWT_SECRET
from shared.web.app import create_app
from shared.web.auth import Principal, issue_local_token, require_roles
from shared.web.dependencies import ACQUIRE_TIMEOUT_S
from shared.web.idempotency import IdempotencyClaim, keyed_transaction
from tests.unit.web.support import make_settings

Officer = Annotated[Principal, Depends(require_roles("officer"))]


@dataclass
class Runtime:
    """What the app factory's routes find on `app.state.runtime`: the pool."""

    pool: asyncpg.Pool


async def insert(conn: asyncpg.Connection, application_id: UUID) -> None:
    await conn.execute(
        "INSERT INTO effects (event_id, application_id, consumer_pid) VALUES ($1, $2, 0)",
        uuid4(),
        application_id,
    )


async def insert_keyed(
    pool: asyncpg.Pool, claim: IdempotencyClaim | None, application_id: UUID
) -> None:
    """The write in a transaction of the route's own, recording the request's key."""
    async with (
        pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn,
        keyed_transaction(conn, claim),
    ):
        await insert(conn, application_id)


async def count(pool: asyncpg.Pool, application_id: UUID) -> int:
    found: int = await pool.fetchval(
        "SELECT count(*) FROM effects WHERE application_id = $1", application_id
    )
    return found


def app_on(pool: asyncpg.Pool, routes: APIRouter) -> FastAPI:
    """An app of the kernel's factory serving `routes` on `pool`."""
    app = create_app(
        service="testsvc", settings=make_settings(), readiness_checks={}, routers=[routes]
    )
    app.state.runtime = Runtime(pool)
    return app


def headers(
    key: str | None, *, user: str = "officer-1", roles: tuple[str, ...] = ("officer",)
) -> dict[str, str]:
    """A caller's bearer token, and the key if any."""
    token = issue_local_token(
        user=user,
        roles=list(roles),
        college="engineering",
        secret=LOCAL_JWT_SECRET,
        now=datetime.now(UTC),
    )
    found = {"Authorization": f"Bearer {token}"}
    if key is not None:
        found["Idempotency-Key"] = key
    return found


def client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def keys_kept(pool: asyncpg.Pool, key: str) -> int:
    found: int = await pool.fetchval("SELECT count(*) FROM idempotency_keys WHERE key = $1", key)
    return found


async def post_times(app: FastAPI, path: str, key: str, times: int) -> list[httpx.Response]:
    async with client(app) as http:
        return [await http.post(path, headers=headers(key)) for _ in range(times)]


def rule(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["rule"])


def assert_replay_of(first: httpx.Response, retry: httpx.Response, status: int = 201) -> None:
    """`retry` is `first`'s answer given again: its status and body, marked replayed."""
    assert retry.status_code == status, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
