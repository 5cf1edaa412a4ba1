"""Probes, metrics, request ids and the access log of an app from create_app."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import structlog
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.web import app as app_module
from shared.web.app import create_app

from .support import TokenFactory, bearer, make_settings, things_router

pytestmark = pytest.mark.unit


def test_healthz_needs_no_token(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive", "service": "testsvc"}


def test_title_names_the_service(client: TestClient) -> None:
    assert client.get("/openapi.json").json()["info"]["title"] == "Campusflow testsvc"


def test_readyz_all_ok() -> None:
    async def fine() -> None:
        return None

    app = create_app(
        service="s", settings=make_settings(), readiness_checks={"db": fine, "kafka": fine}
    )
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"db": "ok", "kafka": "ok"}}


def test_readyz_names_the_failing_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_module, "READINESS_TIMEOUT_S", 0.05)

    async def fine() -> None:
        return None

    async def broken() -> None:
        raise ConnectionRefusedError("redis://:secret@cache:6379 refused")

    async def stuck() -> None:
        await asyncio.sleep(10)

    app = create_app(
        service="s",
        settings=make_settings(),
        readiness_checks={"db": fine, "redis": broken, "kafka": stuck},
    )
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["db"] == "ok"
    assert body["checks"]["redis"] == "error: ConnectionRefusedError"
    assert body["checks"]["kafka"].startswith("timeout")
    assert "secret" not in response.text


async def test_readiness_checks_run_concurrently() -> None:
    async def slow() -> None:
        await asyncio.sleep(0.2)

    loop = asyncio.get_running_loop()
    started = loop.time()
    results = await app_module.run_readiness_checks({"a": slow, "b": slow, "c": slow})
    assert results == {"a": "ok", "b": "ok", "c": "ok"}
    assert loop.time() - started < 0.5


def test_lifespan_runs() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        events.append("start")
        yield
        events.append("stop")

    app = create_app(service="s", settings=make_settings(), readiness_checks={}, lifespan=lifespan)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
    assert events == ["start", "stop"]


def test_metrics_count_requests_by_route_template(
    client: TestClient, make_token: TokenFactory
) -> None:
    client.get("/api/things/engineering", headers=bearer(make_token()))
    client.get("/api/nowhere/at/all")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "http_requests_total" in text
    assert "http_request_duration_seconds_bucket" in text
    assert re.search(
        r'http_requests_total\{method="GET",route="/api/things/\{college\}",'
        r'service="testsvc",status="200"\} [1-9]',
        text,
    )
    assert 'route="unmatched",service="testsvc",status="404"' in text
    assert "/api/things/engineering" not in text


def test_request_id_is_echoed(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "abc.DEF_123-x"})
    assert response.headers["x-request-id"] == "abc.DEF_123-x"


@pytest.mark.parametrize(
    "incoming",
    [None, "", "has space", "back\\slash", "x" * 129, "ünïcode".encode("latin-1"), "a;b"],
)
def test_request_id_is_generated_when_missing_or_odd(
    client: TestClient, incoming: str | bytes | None
) -> None:
    headers = {} if incoming is None else {"X-Request-ID": incoming}
    response = client.get("/healthz", headers=headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    assert response.headers.get_list("x-request-id") == [response.headers["x-request-id"]]


def test_one_access_log_line_per_request_but_not_for_probes(
    make_token: TokenFactory,
) -> None:
    app = create_app(
        service="testsvc", settings=make_settings(), readiness_checks={}, routers=[things_router()]
    )
    with TestClient(app) as client, structlog.testing.capture_logs() as logs:
        client.get("/healthz")
        client.get("/readyz")
        client.get("/metrics")
        client.get(
            "/api/things/engineering?q=private",
            headers={**bearer(make_token()), "X-Request-ID": "req-7"},
        )
    access = [entry for entry in logs if entry["event"] == "http_request"]
    assert len(access) == 1
    line = access[0]
    assert line["method"] == "GET"
    assert line["path"] == "/api/things/engineering"
    assert line["status"] == 200
    assert line["request_id"] == "req-7"
    assert isinstance(line["duration_ms"], float)
