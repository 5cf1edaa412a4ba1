"""Every operation of an app from create_app documents its problem+json answers, once,
without any route saying so."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from shared.web.app import PROBE_PATHS, create_app
from shared.web.openapi import Problem, document_problems
from shared.web.problems import Problem as ProblemError

from .support import TokenFactory, bearer, make_settings, things_router

pytestmark = pytest.mark.unit

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ALWAYS = {"400", "404", "409", "413", "422", "503"}
SECURED = {"401", "403"}


def own_words_router() -> APIRouter:
    router = APIRouter()

    @router.get("/api/open/{thing_id}", responses={404: {"description": "No such thing"}})
    async def open_thing(thing_id: str) -> dict[str, str]:
        raise ProblemError.not_found("thing")

    return router


@pytest.fixture
def app() -> FastAPI:
    return create_app(
        service="documented",
        settings=make_settings(),
        readiness_checks={},
        routers=[things_router(), own_words_router()],
    )


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_every_api_operation_documents_the_kernel_problems(app: FastAPI) -> None:
    document = app.openapi()
    api = {name: op for name, op in operations(document).items() if " /api/" in name}
    assert len(api) == 5
    for name, operation in api.items():
        expected = ALWAYS | (SECURED if operation.get("security") else set())
        assert expected <= set(operation["responses"]), name
        for status in expected:
            response = operation["responses"][status]
            assert response["content"]["application/problem+json"]["schema"] == PROBLEM_REF, (
                name,
                status,
            )
            assert response["description"]


def test_operations_without_a_token_do_not_promise_401(app: FastAPI) -> None:
    operation = app.openapi()["paths"]["/api/missing"]["get"]
    assert "security" not in operation
    assert not SECURED & set(operation["responses"])


def test_fastapis_own_validation_error_is_replaced(app: FastAPI) -> None:
    document = app.openapi()
    add_thing = document["paths"]["/api/things/{college}"]["post"]
    assert set(add_thing["responses"]["422"]["content"]) == {"application/problem+json"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "ValidationError" not in document["components"]["schemas"]


def test_a_routes_own_description_is_kept(app: FastAPI) -> None:
    response = app.openapi()["paths"]["/api/open/{thing_id}"]["get"]["responses"]["404"]
    assert response["description"] == "No such thing"
    assert response["content"]["application/problem+json"]["schema"] == PROBLEM_REF


def test_503_says_when_to_retry(app: FastAPI) -> None:
    response = app.openapi()["paths"]["/api/missing"]["get"]["responses"]["503"]
    assert response["headers"]["Retry-After"]["schema"] == {"type": "integer"}


def test_the_probes_keep_their_plain_json(app: FastAPI) -> None:
    document = app.openapi()
    for path in ("/healthz", "/readyz"):
        responses = document["paths"][path]["get"]["responses"]
        assert "422" not in responses
        assert "application/problem+json" not in responses["503"].get("content", {})


def test_the_problem_schema_is_in_the_components(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    assert schemas["Problem"]["required"] == ["title", "status", "request_id"]
    assert schemas["Problem"]["properties"]["errors"]["items"] == {
        "$ref": "#/components/schemas/ProblemFieldError"
    }
    assert set(schemas["ProblemFieldError"]["required"]) == {"field", "rule", "message"}


def test_openapi_json_serves_the_same_document(app: FastAPI) -> None:
    with TestClient(app) as client:
        served = client.get("/openapi.json").json()
    assert served == app.openapi()
    assert served["paths"]["/api/missing"]["get"]["responses"]["404"]["content"] == {
        "application/problem+json": {"schema": PROBLEM_REF}
    }


def test_the_answers_fit_the_documented_schema(app: FastAPI, make_token: TokenFactory) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        answers = [
            client.get("/api/missing"),  # 404
            client.get("/api/things/cs"),  # 401
            client.get("/api/things/cs", headers=bearer(make_token(roles=["student"]))),  # 403
            client.post("/api/things/cs", json={}, headers=bearer(make_token())),  # 422
            client.get("/api/things/c%00s"),  # 400
            client.get("/api/boom"),  # 500
        ]
    for answer in answers:
        assert answer.headers["content-type"] == "application/problem+json"
        assert Problem.model_validate(answer.json()).status == answer.status_code


def test_documenting_twice_changes_nothing(app: FastAPI) -> None:
    document = app.openapi()
    before = repr(document)
    document_problems(document, skip_paths=PROBE_PATHS)
    assert repr(document) == before
