"""Route transactions on the real PostgreSQL: what a 201 reports is committed and visible
to anyone at once; a refused request leaves nothing; a read-only route cannot write."""

from __future__ import annotations

from uuid import UUID, uuid4

import asyncpg
import pytest
from fastapi import APIRouter, FastAPI

from shared.rules import RuleBroken
from shared.web.dependencies import ReadOnly, Transaction
from tests.integration.web.support import app_on, client, count, insert

pytestmark = pytest.mark.integration


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
def app(kernel_pool: asyncpg.Pool) -> FastAPI:
    return app_on(kernel_pool, routes())


async def test_what_a_201_reports_is_committed_and_a_refusal_leaves_nothing(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    async with client(app) as http:
        for _ in range(20):  # every time, not by luck of timing
            created = uuid4()
            assert (await http.post(f"/effects/{created}")).status_code == 201
            assert await count(kernel_pool, created) == 1

        refused = uuid4()
        response = await http.post(f"/effects/{refused}/refused")
        assert response.status_code == 409
        assert await count(kernel_pool, refused) == 0

        read_only = uuid4()
        response = await http.post(f"/effects/{read_only}/read-only")
        # PostgreSQL refuses the write (25006, read_only_sql_transaction); the kernel
        # reads that SQLSTATE as "a demoted primary" and answers 503, not 500.
        assert response.status_code == 503
        assert await count(kernel_pool, read_only) == 0
