"""Every error leaves the service as application/problem+json with a request id."""

from __future__ import annotations

import pytest
import structlog
from fastapi.testclient import TestClient

from shared.web.problems import Problem

from .support import TokenFactory, bearer

pytestmark = pytest.mark.unit

PROBLEM_JSON = "application/problem+json"


def test_problem_not_found(client: TestClient) -> None:
    response = client.get("/api/missing", headers={"X-Request-ID": "req-404"})
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "thing 42 not found",
        "request_id": "req-404",
    }


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["title"] == "Not Found"
    assert body["request_id"] == response.headers["x-request-id"]


def test_wrong_method_keeps_allow_header(client: TestClient) -> None:
    response = client.delete("/api/missing")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "GET" in response.headers["allow"]


def test_validation_error_names_each_field(client: TestClient, make_token: TokenFactory) -> None:
    response = client.post(
        "/api/things/engineering",
        json={"name": "", "capacity": 0},
        headers=bearer(make_token()),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == 422
    assert body["request_id"]
    by_field = {error["field"]: error for error in body["errors"]}
    assert set(by_field) == {"name", "capacity"}
    assert by_field["name"]["rule"] == "string_too_short"
    assert by_field["capacity"]["rule"] == "greater_than_equal"
    assert all(error["message"] for error in body["errors"])
    assert "capacity" in body["detail"]


def test_validation_of_missing_body_field(client: TestClient, make_token: TokenFactory) -> None:
    response = client.post(
        "/api/things/engineering", json={"name": "x"}, headers=bearer(make_token())
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "capacity", "rule": "missing", "message": "Field required"}
    ]


def test_unhandled_exception_is_a_500_without_internals(client: TestClient) -> None:
    with structlog.testing.capture_logs() as logs:
        response = client.get("/api/boom", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["x-request-id"] == "req-500"
    body = response.json()
    assert body["request_id"] == "req-500"
    assert body["title"] == "Internal Server Error"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    # ...but the log has it, under the same request id.
    [logged] = [entry for entry in logs if entry["event"] == "unhandled_exception"]
    assert logged["request_id"] == "req-500"
    assert isinstance(logged["exc_info"], RuntimeError)


def test_problem_helpers() -> None:
    conflict = Problem.conflict("already booked", field="shift_id", rule="unique")
    assert conflict.status == 409
    assert conflict.errors == [{"field": "shift_id", "rule": "unique", "message": "already booked"}]
    assert Problem.conflict("already booked").errors is None

    invalid = Problem.invalid("email", "format", "not an email address")
    assert invalid.status == 422
    assert invalid.body("r1") == {
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "not an email address",
        "errors": [{"field": "email", "rule": "format", "message": "not an email address"}],
        "request_id": "r1",
    }

    unauthorized = Problem.unauthorized("no token")
    assert unauthorized.status == 401
    assert unauthorized.headers == {"WWW-Authenticate": "Bearer"}
    assert Problem.forbidden("nope").status == 403
