"""Route transactions on the real PostgreSQL: what a 201 reports is committed and visible
to anyone at once; a refused request leaves nothing; a read-only route cannot write."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI

from shared.rules import RuleBroken
from shared.web.app import create_app
from shared.web.dependencies import ReadOnly, Transaction
from tests.unit.web.support import make_settings

pytestmark = pytest.mark.integration


@dataclass
class Runtime:
    pool: asyncpg.Pool


async def insert(conn: asyncpg.Connection, application_id: UUID) -> None:
    await conn.execute(
        "INSERT INTO effects (event_id, application_id, consumer_pid) VALUES ($1, $2, 0)",
        uuid4(),
        application_id,
    )


def routes() -> APIRouter:
    router = APIRouter()

    @router.post("/effects/{application_id}", status_code=201)
    async def record(application_id: UUID, conn: Transaction) -> dict[str, str]:
        await insert(conn, application_id)
        return {"id": str(application_id)}

    @router.post("/effects/{application_id}/refused")
    async def refused(application_id: UUID, conn: Transaction) -> None:
        await insert(conn, application_id)
        raise RuleBroken("refused", field="id", message="written, then refused")

    @router.post("/effects/{application_id}/read-only")
    async def read_only(application_id: UUID, conn: ReadOnly) -> None:
        await insert(conn, application_id)

    return router


@pytest.fixture
def app(kernel_pool: asyncpg.Pool) -> Iterator[FastAPI]:
    app = create_app(
        service="testsvc", settings=make_settings(), readiness_checks={}, routers=[routes()]
    )
    app.state.runtime = Runtime(kernel_pool)
    yield app


async def count(pool: asyncpg.Pool, application_id: UUID) -> int:
    found: int = await pool.fetchval(
        "SELECT count(*) FROM effects WHERE application_id = $1", application_id
    )
    return found


async def test_what_a_201_reports_is_committed_and_a_refusal_leaves_nothing(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for _ in range(20):  # every time, not by luck of timing
            created = uuid4()
            assert (await client.post(f"/effects/{created}")).status_code == 201
            assert await count(kernel_pool, created) == 1

        refused = uuid4()
        response = await client.post(f"/effects/{refused}/refused")
        assert response.status_code == 409
        assert await count(kernel_pool, refused) == 0

        read_only = uuid4()
        response = await client.post(f"/effects/{read_only}/read-only")
        # PostgreSQL refuses the write (25006, read_only_sql_transaction); the kernel
        # reads that SQLSTATE as "a demoted primary" and answers 503, not 500.
        assert response.status_code == 503
        assert await count(kernel_pool, read_only) == 0
