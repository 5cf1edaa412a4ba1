"""The kernel test schema's `effects` table as the web tests' stand-in for a write."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg
from fastapi import APIRouter, FastAPI

from shared.web.app import create_app
from tests.unit.web.support import make_settings


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
