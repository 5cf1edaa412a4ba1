"""Fixtures of the evaluation e2e tests (the stack and its services: tests/e2e/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest


@pytest.fixture
async def conn(service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Connection]:
    """A connection to evaluation's schema, closed after the test."""
    connection = await asyncpg.connect(service_dsns["evaluation"])
    try:
        yield connection
    finally:
        await connection.close()
