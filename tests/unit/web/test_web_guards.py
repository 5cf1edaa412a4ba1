"""No route of any service sees a control character in its path or query, nor a NUL or a
lone surrogate in a JSON body: the kernel answers first, and the route never runs."""

from __future__ import annotations

import json
from typing import Any

import pytest
import structlog
from fastapi import APIRouter
from fastapi.testclient import TestClient

from shared.web.app import create_app
from shared.web.guards import json_body_errors

from .support import make_settings

pytestmark = pytest.mark.unit


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def router(self) -> APIRouter:
        router = APIRouter()

        @router.get("/api/campaigns/{campaign_id}")
        async def read(campaign_id: str, q: str | None = None) -> dict[str, Any]:
            self.calls.append({"campaign_id": campaign_id, "q": q})
            return {"campaign_id": campaign_id}

        @router.post("/api/campaigns")
        async def create(form: dict[str, Any]) -> dict[str, Any]:
            self.calls.append(form)
            return form

        return router


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def guarded(recorder: Recorder) -> TestClient:
    app = create_app(
        service="guarded",
        settings=make_settings(),
        readiness_checks={},
        routers=[recorder.router()],
    )
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    "target",
    [
        "/api/campaigns/2026%00summer",
        "/api/campaigns/%00",
        "/api/campaigns/a%0Ab",
        "/api/campaigns/a%1B%5B31m",
        "/api/campaigns/a%7F",
        "/api/campaigns/a%C2%85",  # U+0085, a C1 control, UTF-8 encoded
    ],
)
def test_a_control_character_in_a_path_id_is_a_400(
    guarded: TestClient, recorder: Recorder, target: str
) -> None:
    response = guarded.get(target)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert body["errors"][0]["field"] == "path"
    assert body["errors"][0]["rule"] == "control_character"
    assert body["request_id"] == response.headers["x-request-id"]
    assert recorder.calls == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("q=a%00b", "query.q"),
        ("q=%00", "query.q"),
        ("q=line%0D%0Abreak", "query.q"),
        ("q%00=1", "query.q?"),
        ("limit=10&q=ok&status=%09", "query.status"),
    ],
)
def test_a_control_character_in_a_query_is_a_400_naming_it(
    guarded: TestClient, recorder: Recorder, query: str, field: str
) -> None:
    response = guarded.get(f"/api/campaigns/c1?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert recorder.calls == []


def test_an_ordinary_path_and_query_pass(guarded: TestClient, recorder: Recorder) -> None:
    response = guarded.get("/api/campaigns/2026-summer?q=%E6%94%AF%E6%95%99+x")
    assert response.status_code == 200
    assert recorder.calls == [{"campaign_id": "2026-summer", "q": "支教 x"}]


def test_an_undecodable_byte_is_not_a_control_character(
    guarded: TestClient, recorder: Recorder
) -> None:
    # Invalid UTF-8 is decoded as U+FFFD, as Starlette does for the route.
    response = guarded.get("/api/campaigns/c1?q=%FF")
    assert response.status_code == 200
    assert recorder.calls == [{"campaign_id": "c1", "q": "\ufffd"}]


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ('{"title": "a\\u0000b"}', "title"),
        ('{"positions": [{"id": "p1", "title": "\\u0000"}]}', "positions.0.title"),
        ('{"title": "\\ud800"}', "title"),
        ('{"title\\u0000": 1}', "(key)"),
        ('["\\udfff"]', "0"),
    ],
)
def test_a_nul_or_lone_surrogate_in_a_json_body_is_a_422_naming_the_field(
    guarded: TestClient, recorder: Recorder, document: str, field: str
) -> None:
    response = guarded.post(
        "/api/campaigns", content=document, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert recorder.calls == []


def test_a_raw_utf8_surrogate_in_a_body_is_caught_too(
    guarded: TestClient, recorder: Recorder
) -> None:
    # json.loads decodes bytes with surrogatepass: ED A0 80 becomes U+D800.
    response = guarded.post(
        "/api/campaigns",
        content=b'{"title": "\xed\xa0\x80"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert recorder.calls == []


def test_a_utf16_body_with_a_nul_is_caught_too(guarded: TestClient, recorder: Recorder) -> None:
    response = guarded.post(
        "/api/campaigns",
        content=json.dumps({"title": "a\x00"}).encode("utf-16"),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert recorder.calls == []


def test_an_ordinary_body_with_escapes_passes(guarded: TestClient, recorder: Recorder) -> None:
    form = {"title": "支教\n\t\u2028 \\u0000 is just text", "n": [1, None, True]}
    response = guarded.post("/api/campaigns", json=form)
    assert response.status_code == 200
    assert recorder.calls == [form]


def test_a_body_that_is_not_json_is_left_to_the_route(guarded: TestClient) -> None:
    response = guarded.post(
        "/api/campaigns", content=b"\\u0000{", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "json_invalid"


def test_body_checks_skip_what_cannot_hide_a_nul() -> None:
    assert json_body_errors(b'{"title": "plain"}') == []
    assert json_body_errors(b"not json \\u0000") == []


def test_the_access_log_shows_a_refused_path_escaped(guarded: TestClient) -> None:
    with structlog.testing.capture_logs() as logs:
        guarded.get("/api/campaigns/a%0Aforged%00line")
    [access] = [entry for entry in logs if entry["event"] == "http_request"]
    assert access["status"] == 400
    assert access["path"] == "/api/campaigns/a\\x0aforged\\x00line"
