"""A dependency that is away: 503 problem+json with Retry-After, one log line, no traceback;
probes that tell the truth about background loops (issue "Survive restarts", finding 3)."""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator

import aiokafka.errors
import asyncpg
import pytest
import redis.exceptions
import structlog
from fastapi import APIRouter
from fastapi.testclient import TestClient

from shared.rules import TryAgain
from shared.supervisor import NotReady
from shared.web.app import create_app

from .support import make_settings

pytestmark = pytest.mark.unit

OUTAGES: dict[str, Exception] = {
    "refused": ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"),
    "starting": asyncpg.exceptions.CannotConnectNowError(
        "the database system is not yet accepting connections"
    ),
    "recovering": asyncpg.exceptions.CannotConnectNowError(
        "the database system is starting up: consistent recovery state has not been yet reached"
    ),
    "shutdown": asyncpg.exceptions.AdminShutdownError("terminating connection"),
    "lost": asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
    "released": asyncpg.InterfaceError(
        "cannot call Connection.fetch(): connection has been released back to the pool"
    ),
    "mid-operation": asyncpg.exceptions.InternalClientError(
        "cannot switch to state 15; another operation (2) is in progress"
    ),
    "redis": redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379"),
    "kafka": aiokafka.errors.KafkaConnectionError("Unable to bootstrap from 127.0.0.1:9092"),
    # A use case's own: what it read changed under it (shared.rules.TryAgain).
    "changed-under-it": TryAgain("candidates re-indexed during each lookup"),
}


def outage_router() -> APIRouter:
    router = APIRouter()

    @router.get("/api/outage/{kind}")
    async def outage(kind: str) -> None:
        raise OUTAGES[kind]

    @router.get("/api/bug")
    async def bug() -> None:
        raise asyncpg.exceptions.UndefinedColumnError('column "nope" does not exist')

    return router


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(
        service="testsvc", settings=make_settings(), readiness_checks={}, routers=[outage_router()]
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize("kind", list(OUTAGES))
def test_an_outage_is_a_503_problem_with_retry_after_and_one_log_line(
    client: TestClient, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as logs:
        response = client.get(f"/api/outage/{kind}", headers={"X-Request-ID": f"outage-{kind}"})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    body = response.json()
    assert body["status"] == 503 and body["title"] == "Service Unavailable"
    assert body["request_id"] == f"outage-{kind}"
    assert "127.0.0.1" not in response.text  # no hosts or internals to the client
    assert len(logs) == 1, logs
    assert logs[0]["event"] == "http_request" and logs[0]["log_level"] == "warning"
    assert logs[0]["status"] == 503
    assert logs[0]["unavailable"].startswith(type(OUTAGES[kind]).__name__)
    assert "exc_info" not in logs[0]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], "no traceback"


def test_a_database_error_that_is_a_bug_stays_a_500_logged_once(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as logs:
        response = client.get("/api/bug")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert [entry["event"] for entry in logs if "exc_info" in entry] == ["unhandled_exception"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def probe_client(checks: dict, failing: list[str]) -> TestClient:  # type: ignore[type-arg]
    app = create_app(
        service="testsvc",
        settings=make_settings(),
        readiness_checks=checks,
        liveness_check=lambda: failing,
    )
    return TestClient(app, raise_server_exceptions=False)


def test_readyz_names_the_loop_that_is_not_running() -> None:
    async def loops() -> None:
        raise NotReady("not running: outbox-relay")

    async def database() -> None:
        return None

    with probe_client({"database": database, "loops": loops}, []) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "loops": "error: not running: outbox-relay",
    }


def test_healthz_fails_when_a_loop_has_been_failing_too_long() -> None:
    with probe_client({}, ["outbox-relay"]) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["outbox-relay"]
    with probe_client({}, []) as client:
        assert client.get("/healthz").status_code == 200
