"""Idempotency-Key without a database: what makes two requests the same, which routes of
the four services honour the key (and document it), and the malformed-key refusal.
The keyed writes themselves: tests/integration/web/test_idempotency_keys.py."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from services.notifications.schemas.webhooks import EndpointWithSecretView
from services.scheduling.schemas.desk import IssuedDeskKeyView
from services.scheduling.schemas.feeds import FeedView
from shared.config import SERVICES
from shared.runtime import ServiceDefinition, build_app
from shared.web import idempotency
from shared.web.app import create_app
from shared.web.dependencies import ShownOnce
from shared.web.idempotency import HEADER
from shared.web.idempotency_fingerprint import fingerprint

from .support import TokenFactory, bearer, make_settings, things_router

# Answers that carry a secret shown only once, and the writes that answer with them.
SECRET_ANSWERS = (IssuedDeskKeyView, FeedView, EndpointWithSecretView)
SHOWN_ONCE = {
    ("POST", "/api/scheduling/colleges/{college}/desk/{post}/keys"),
    ("POST", "/api/scheduling/colleges/{college}/me/calendar-feed"),
    ("POST", "/api/scheduling/colleges/{college}/me/calendar-feed/rotate"),
    ("POST", "/api/notifications/colleges/{college}/webhooks"),
    ("POST", "/api/notifications/colleges/{college}/webhooks/{endpoint_id}/rotate-secret"),
}
WRITE_METHODS = ("post", "put", "patch", "delete")
# Writes that may run any number of times to the same end, so a key has nothing to keep.
REPEATABLE = {
    ("post", "/api/recruitment/colleges/{college}/beneficiaries/key-rotation"),  # resumable
    ("post", "/api/scheduling/colleges/{college}/rota-problems/office"),  # solves, stores none
    ("post", "/api/notifications/colleges/{college}/templates/{kind}/preview"),  # renders
}


def parts(**changed: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "method": "POST",
        "path": "/a",
        "query": b"",
        "content_type": b"application/json",
        "body": b"{}",
    }
    return {**base, **changed}


def test_every_part_of_a_request_makes_it_another_request() -> None:
    first = fingerprint(**parts())
    assert fingerprint(**parts()) == first
    others = [
        parts(method="PUT"),
        parts(path="/b"),
        parts(query=b"x=1"),
        parts(content_type=b"text/plain"),
        parts(body=b'{"a": 1}'),
    ]
    assert len({first, *(fingerprint(**other) for other in others)}) == 6

    # An upload: the boundary (the client's random choice per send) is not the request,
    # the parts are, even a part that holds the boundary's text.
    def upload(boundary: bytes, content: bytes) -> bytes:
        return fingerprint(
            **parts(
                content_type=b"multipart/form-data; boundary=" + boundary,
                body=b"--%s\r\nContent-Type: text/plain\r\n\r\n%s\r\n--%s--\r\n"
                % (boundary, content, boundary),
            )
        )

    assert upload(b"aaa111", b"report") == upload(b"bbb222", b"report")
    assert upload(b"aaa111", b"report") != upload(b"aaa111", b"other")
    assert upload(b"aaa111", b"has aaa111 in it") != upload(b"bbb222", b"has bbb222 in it")
    # Parts are delimited: moving a byte from one part to the next is another request.
    assert fingerprint(**parts(path="/ab", query=b"c")) != fingerprint(
        **parts(path="/a", query=b"bc")
    )


def test_a_json_body_counts_by_its_value_not_its_spelling() -> None:
    def sent(body: bytes, content_type: bytes = b"application/json") -> bytes:
        return fingerprint(**parts(body=body, content_type=content_type))

    same = sent(b'{"score": 80, "comment": "\xe5\xa5\xbd", "tags": [1, 2]}')
    assert sent(b'{"tags":[1,2],"comment":"\\u597d","score":80}') == same
    assert sent(b' {\n  "comment" : "\xe5\xa5\xbd",\n  "score": 80, "tags": [1,2]}\n') == same
    # Another value is another request: a number, the order of a list, a float for an int.
    assert sent(b'{"score": 81, "comment": "\xe5\xa5\xbd", "tags": [1, 2]}') != same
    assert sent(b'{"score": 80, "comment": "\xe5\xa5\xbd", "tags": [2, 1]}') != same
    assert sent(b'{"score": 80.0, "comment": "\xe5\xa5\xbd", "tags": [1, 2]}') != same
    # A media type with a suffix is JSON too; a body that is not JSON counts by its bytes,
    # and so does JSON sent as another type.
    assert sent(b'{"b":1,"a":2}', b"application/merge-patch+json") == sent(
        b'{"a":2,"b":1}', b"application/merge-patch+json"
    )
    assert sent(b'{"a": 1') != sent(b'{"a":1')
    assert sent(b'{"a": 1}', b"text/plain") != sent(b'{"a":1}', b"text/plain")
    assert sent(b"[" * 100_000) == sent(b"[" * 100_000)  # too deep to read: its bytes
    # A lone surrogate is a value too (the input guard refuses it later, never a 500 here).
    assert sent(b'{"a": "\\ud800", "b": 1}') == sent(b'{"b":1,"a":"\\ud800"}')
    assert sent(b'{"a": "\\ud800"}') != sent(b'{"a": "\\ud801"}')
    # Only application/json and application/...+json are read as JSON, as the routes do.
    assert sent(b'{"b":1,"a":2}', b"text/x+json") != sent(b'{"a":2,"b":1}', b"text/x+json")


def _openapi(service: str) -> dict[str, Any]:
    definition: ServiceDefinition = importlib.import_module(
        f"services.{service}.__main__"
    ).DEFINITION
    document: dict[str, Any] = build_app(definition, make_settings()).openapi()
    return document


@pytest.mark.parametrize("service", SERVICES)
def test_every_write_of_every_service_honours_and_documents_the_key(service: str) -> None:
    """Every write a caller makes with a bearer token documents the key (the middleware
    looks at it only then), but for the repeatable ones; a write without a bearer token
    (a provider's receipt, a link's token) documents none."""
    document = _openapi(service)
    writes = [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in WRITE_METHODS
    ]
    assert writes

    def documents_the_key(operation: dict[str, Any]) -> bool:
        return any(
            p["in"] == "header" and p["name"] == HEADER for p in operation.get("parameters", [])
        )

    secured = [(m, p, o) for m, p, o in writes if o.get("security")]
    without = {(m, p) for m, p, o in secured if not documents_the_key(o)}
    assert without == {(m, p) for m, p in REPEATABLE if p.startswith(f"/api/{service}/")}
    assert not [(m, p) for m, p, o in writes if not o.get("security") and documents_the_key(o)]


def _write_routes() -> list[APIRoute]:
    return [
        route
        for service in SERVICES
        for router in importlib.import_module(f"services.{service}.api").ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        and (route.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
    ]


def test_every_write_whose_answer_shows_a_secret_once_is_no_store() -> None:
    """Their answers are never kept by a cache nor by the idempotency keys."""
    showing = [r for r in _write_routes() if r.response_model in SECRET_ANSWERS]
    assert {(sorted(r.methods or ())[0], r.path) for r in showing} == SHOWN_ONCE
    for route in showing:
        assert ShownOnce in route.dependencies, route.path


def test_a_malformed_key_is_refused_before_the_route(make_token: TokenFactory) -> None:
    app = create_app(
        service="things", settings=make_settings(), readiness_checks={}, routers=[things_router()]
    )
    with TestClient(app) as client:
        token = make_token(roles=["officer"])
        response = client.post(
            "/api/things/engineering",
            json={"name": "x", "capacity": 1},
            headers={**bearer(token), HEADER: "has space"},
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "idempotency_key_invalid"
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_answer_kept_in_the_background_and_stopped_first_is_said(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tried_twice = asyncio.Event()
    tries = 0

    async def away() -> None:
        nonlocal tries
        tries += 1
        if tries == 2:
            tried_twice.set()
        raise ConnectionRefusedError("the database is away")

    claim = idempotency.IdempotencyClaim(
        caller="u", key="k-1", method="POST", path="/a", fingerprint=b""
    )
    monkeypatch.setattr(idempotency, "KEEP_LATER_EVERY_S", 0.01)
    with capture_logs() as logs:
        keeping = asyncio.create_task(idempotency._keep_later(away, claim))
        await asyncio.wait_for(tried_twice.wait(), timeout=10)
        keeping.cancel()
        with pytest.raises(asyncio.CancelledError):
            await keeping
    assert [(e["event"], e["key"]) for e in logs] == [("idempotency_answer_not_kept", "k-1")]
