"""Fixtures for the web tests: a test client and a token factory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.config import LOCAL_JWT_SECRET
from shared.web.app import create_app

from .support import TokenFactory, make_settings, sign, things_router


@pytest.fixture
def make_token() -> TokenFactory:
    """Tokens expire relative to the real clock, since PyJWT checks `exp` against it."""

    def factory(
        *,
        sub: str = "u-1",
        roles: list[str] | None = None,
        college: str | None = "engineering",
        expires_in: timedelta = timedelta(hours=1),
        key: Any = LOCAL_JWT_SECRET,
        algorithm: str = "HS256",
        **extra: Any,
    ) -> str:
        claims: dict[str, Any] = {
            "sub": sub,
            "roles": ["officer"] if roles is None else roles,
            "exp": datetime.now(UTC) + expires_in,
            **extra,
        }
        if college is not None:
            claims["college"] = college
        return sign(claims, key, algorithm)

    return factory


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(
        service="testsvc",
        settings=make_settings(),
        readiness_checks={},
        routers=[things_router()],
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
