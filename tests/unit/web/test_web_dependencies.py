"""The route dependencies: the transaction commits before the response is sent and rolls
back when the route raises; the caller's college is checked against the path; the clock
can be overridden; RuleBroken and NotFound are rendered once, by the kernel."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from shared.rules import NotFound, RuleBroken
from shared.web.app import create_app
from shared.web.auth import Principal
from shared.web.dependencies import Now, Transaction, caller, clock

from .support import TokenFactory, bearer, make_settings

pytestmark = pytest.mark.unit

Officer = Annotated[Principal, Depends(caller("officer"))]


@dataclass
class Journal:
    """What happened, in order: the fake connection's commit/rollback, the response start."""

    events: list[str] = field(default_factory=list)


class FakeTransaction:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def __aenter__(self) -> None:
        self.journal.events.append("begin")

    async def __aexit__(self, kind: object, error: object, tb: object) -> None:
        self.journal.events.append("commit" if error is None else "rollback")


class FakeConnection:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def transaction(self, **options: Any) -> FakeTransaction:
        return FakeTransaction(self.journal)


class FakePool:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    @asynccontextmanager
    async def acquire(self, **options: Any) -> AsyncIterator[FakeConnection]:
        yield FakeConnection(self.journal)


@dataclass
class FakeRuntime:
    pool: FakePool


def routes() -> APIRouter:
    router = APIRouter()

    @router.post("/api/x/colleges/{college}/things", status_code=201)
    async def create(college: str, conn: Transaction, who: Officer, now: Now) -> dict[str, str]:
        return {"by": who.user_id, "at": now.isoformat()}

    @router.post("/api/x/colleges/{college}/refused")
    async def refused(college: str, conn: Transaction, who: Officer) -> None:
        raise RuleBroken("one_per_season", field="season", message="one project per season")

    @router.post("/api/x/colleges/{college}/invalid")
    async def invalid(college: str, conn: Transaction, who: Officer) -> None:
        raise RuleBroken("team_size", field="member_ids", message="3 to 10", invalid=True)

    @router.get("/api/x/colleges/{college}/things/{thing}")
    async def read(college: str, thing: str, who: Officer) -> None:
        raise NotFound("thing", thing)

    return router


def journaling(app: FastAPI, journal: Journal) -> Any:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                journal.events.append("response")
            await send(message)

        await app(scope, receive, record)

    return wrapped


@pytest.fixture
def journal() -> Journal:
    return Journal()


@pytest.fixture
def client(journal: Journal) -> Iterator[TestClient]:
    app = create_app(
        service="testsvc", settings=make_settings(), readiness_checks={}, routers=[routes()]
    )
    app.state.runtime = FakeRuntime(FakePool(journal))
    app.dependency_overrides[clock] = lambda: datetime(2026, 7, 8, 8, 0, tzinfo=UTC)
    with TestClient(journaling(app, journal), raise_server_exceptions=False) as test_client:
        yield test_client


def test_the_transaction_commits_before_the_response_is_sent(
    client: TestClient, journal: Journal, make_token: TokenFactory
) -> None:
    response = client.post(
        "/api/x/colleges/engineering/things", headers=bearer(make_token(sub="o-1"))
    )
    assert response.status_code == 201
    assert response.json() == {"by": "o-1", "at": "2026-07-08T08:00:00+00:00"}  # the injected clock
    assert journal.events == ["begin", "commit", "response"]


@pytest.mark.parametrize(
    ("path", "status", "rule"),
    [("refused", 409, "one_per_season"), ("invalid", 422, "team_size")],
)
def test_a_broken_rule_rolls_back_and_is_rendered_by_the_kernel(
    client: TestClient,
    journal: Journal,
    make_token: TokenFactory,
    path: str,
    status: int,
    rule: str,
) -> None:
    response = client.post(f"/api/x/colleges/engineering/{path}", headers=bearer(make_token()))
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["rule"] == rule
    assert journal.events == ["begin", "rollback", "response"]


def test_not_found_is_a_404_problem(client: TestClient, make_token: TokenFactory) -> None:
    response = client.get("/api/x/colleges/engineering/things/42", headers=bearer(make_token()))
    assert response.status_code == 404
    assert response.json()["detail"] == "thing 42 not found"


def test_the_caller_must_be_of_the_paths_college_and_hold_the_role(
    client: TestClient, journal: Journal, make_token: TokenFactory
) -> None:
    url = "/api/x/colleges/engineering/things"
    assert client.post(url, headers=bearer(make_token(college="math"))).status_code == 403
    assert client.post(url, headers=bearer(make_token(roles=["student"]))).status_code == 403
    assert client.post(url).status_code == 401
    admin = make_token(roles=["university_admin"], college=None)
    assert client.post(url, headers=bearer(make_token(roles=["officer"]))).status_code == 201
    assert client.post(url, headers=bearer(admin)).status_code == 403  # not an officer
    assert "begin" in journal.events
