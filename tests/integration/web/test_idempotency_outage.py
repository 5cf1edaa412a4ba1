"""An Idempotency-Key's answer through a real database outage at the worst instant: the
write has committed and its answer is about to be kept. The app's pool reaches PostgreSQL
through a TCP proxy the route's answer cuts before it is sent (tests/support/proxy.py).

A short outage: the answer is kept once the database is back (tried for about 4 s
before it is sent), and a retry gets it again. A longer one: the first caller gets the
answer after those tries (the write stands), the answer is kept in the background once
the database is back, and retries get 409 until then and the answer after; never a
second write."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from shared.db.pool import close_pool, create_pool
from shared.web.dependencies import Transaction
from shared.web.idempotency import KEEP_LATER_EVERY_S
from shared.web.idempotency_store import KEEP_PAUSES_S
from tests.integration.web.support import (
    Officer,
    app_on,
    assert_replay_of,
    client,
    count,
    headers,
    insert,
    rule,
)
from tests.support.kernel import SCHEMA
from tests.support.proxy import CuttableProxy, proxy_in_front_of

pytestmark = pytest.mark.integration

# Longer than every pause of keeping an answer together, with room for the reconnects.
LONG_OUTAGE_S = sum(KEEP_PAUSES_S) + 4.0
SHORT_OUTAGE_S = 0.6


@dataclass
class Outage:
    """The database cut off as the answer is about to go, and back `seconds` later."""

    proxy: CuttableProxy
    seconds: float = SHORT_OUTAGE_S
    restored: asyncio.Task[None] | None = None

    async def begin(self) -> None:
        await self.proxy.cut()
        self.restored = asyncio.create_task(self._restore())

    async def _restore(self) -> None:
        await asyncio.sleep(self.seconds)
        await self.proxy.restore()


def routes(outage: Outage) -> APIRouter:
    router = APIRouter()

    class CutFirst(JSONResponse):
        """Sent after the route's transaction has committed: the outage begins first."""

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await outage.begin()
            await super().__call__(scope, receive, send)

    @router.post("/effects/{application_id}/cut", status_code=201)
    async def record_then_cut(
        application_id: UUID, officer: Officer, conn: Transaction
    ) -> JSONResponse:
        await insert(conn, application_id)
        return CutFirst({"run": str(uuid4())}, status_code=201)

    return router


@pytest.fixture
async def proxied(kernel_dsn: str) -> AsyncIterator[tuple[CuttableProxy, asyncpg.Pool]]:
    proxy, proxied_dsn = proxy_in_front_of(kernel_dsn)
    await proxy.start()
    pool = await create_pool(proxied_dsn, schema=SCHEMA, max_size=2)
    try:
        yield proxy, pool
    finally:
        await close_pool(pool)
        await proxy.cut()


async def first_and_retries(
    app: FastAPI, outage: Outage, target: UUID, key: str
) -> tuple[Any, list[Any]]:
    async with client(app) as http:
        first = await http.post(f"/effects/{target}/cut", headers=headers(key), json={})
        assert outage.restored is not None
        await outage.restored  # the database is back for the retries
        retries = [
            await http.post(f"/effects/{target}/cut", headers=headers(key), json={})
            for _ in range(3)
        ]
    return first, retries


async def test_an_answer_kept_through_a_short_outage_is_given_again(
    proxied: tuple[CuttableProxy, asyncpg.Pool], kernel_pool: asyncpg.Pool
) -> None:
    proxy, pool = proxied
    outage = Outage(proxy, seconds=SHORT_OUTAGE_S)
    target, key = uuid4(), str(uuid4())
    first, retries = await first_and_retries(app_on(pool, routes(outage)), outage, target, key)
    assert first.status_code == 201, first.text
    for retry in retries:
        assert_replay_of(first, retry)
    assert await count(kernel_pool, target) == 1


async def test_an_answer_kept_late_after_a_longer_outage_is_given_again_never_run_twice(
    proxied: tuple[CuttableProxy, asyncpg.Pool], kernel_pool: asyncpg.Pool
) -> None:
    proxy, pool = proxied
    outage = Outage(proxy, seconds=LONG_OUTAGE_S)
    target, key = uuid4(), str(uuid4())
    app = app_on(pool, routes(outage))
    async with client(app) as http:
        started = time.monotonic()
        first = await http.post(f"/effects/{target}/cut", headers=headers(key), json={})
        # The answer is not held back past the quick tries: the write stands, its caller
        # hears so while the database is still away.
        assert first.status_code == 201, first.text
        assert time.monotonic() - started < LONG_OUTAGE_S
        assert outage.restored is not None
        await outage.restored
        answers = []
        deadline = time.monotonic() + KEEP_LATER_EVERY_S * 3 + 10
        while time.monotonic() < deadline:
            answers.append(await http.post(f"/effects/{target}/cut", headers=headers(key), json={}))
            if answers[-1].status_code != 409:
                break
            await asyncio.sleep(0.5)
    *waiting, replayed = answers
    for retry in waiting:  # before the background keeper has kept it: in use, nothing runs
        assert rule(retry) == "idempotency_key_in_use"
    assert_replay_of(first, replayed)
    assert await count(kernel_pool, target) == 1
