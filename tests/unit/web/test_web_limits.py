"""Huge request bodies are refused with 413 before they are read into memory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from shared.web.limits import MAX_BODY_BYTES

from .support import TokenFactory, bearer

pytestmark = pytest.mark.unit


def test_a_declared_huge_body_is_refused(client: TestClient, make_token: TokenFactory) -> None:
    response = client.post(
        "/api/things/cs",
        content=b"{" + b" " * MAX_BODY_BYTES + b"}",
        headers={**bearer(make_token()), "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_a_chunked_huge_body_is_refused(client: TestClient, make_token: TokenFactory) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"{"
        for _ in range(20):
            yield b" " * 100_000
        yield b"}"

    response = client.post(
        "/api/things/cs",
        content=chunks(),
        headers={**bearer(make_token()), "content-type": "application/json"},
    )
    assert response.status_code == 413


def test_an_ordinary_body_passes(client: TestClient, make_token: TokenFactory) -> None:
    response = client.post("/api/things/cs", json={"name": "x"}, headers=bearer(make_token()))
    assert response.status_code != 413
