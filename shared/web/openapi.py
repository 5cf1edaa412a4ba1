"""The OpenAPI document says how every operation fails: problem+json, one schema.

`create_app` installs this once, so every route of every service documents the
errors the kernel answers (400, 401, 403, 404, 409, 413, 422, 503) with the media type
`application/problem+json` and the `Problem` schema, and no route repeats it. FastAPI's
own 422 (`HTTPValidationError`, application/json), which the kernel never sends, is
replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from shared.web.idempotency import HEADER as IDEMPOTENCY_HEADER
from shared.web.limits import MAX_BODY_BYTES
from shared.web.problems import PROBLEM_CONTENT_TYPE, RETRY_AFTER_S

PROBLEM_SCHEMA = "Problem"
_REF_TEMPLATE = "#/components/schemas/{model}"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


class ProblemFieldError(BaseModel):
    """One input that broke a rule, so a form can mark the right field."""

    field: str = Field(description='Where: "title", "positions.0.headcount", "query.limit"')
    rule: str = Field(description='Which rule, e.g. "too_long", "control_character"')
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details: the one error format of every Campusflow service."""

    model_config = ConfigDict(title=PROBLEM_SCHEMA)

    type: str = Field(default="about:blank")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str = Field(default="", description="What went wrong, for a person (may be absent)")
    errors: list[ProblemFieldError] = Field(
        default_factory=list, description="Per-field failures (may be absent)"
    )
    request_id: str | None = Field(description="The X-Request-ID of the request, for support")


# status -> (description, only for operations that declare a security scheme)
PROBLEM_STATUSES: dict[int, tuple[str, bool]] = {
    400: ("Bad Request: a control character in the path or query, or an unreadable body", False),
    401: ("Unauthorized: no bearer token, or one that does not verify", True),
    403: ("Forbidden: the caller's roles or college do not allow this", True),
    404: ("Not Found", False),
    409: ("Conflict: the request breaks a rule about the current state", False),
    413: (
        f"Content Too Large: the body is over the service's max_body_bytes"
        f" (default {MAX_BODY_BYTES} bytes)",
        False,
    ),
    422: ("Unprocessable Content: the input breaks a rule; `errors` names each field", False),
    503: (
        "Service Unavailable: a dependency is away for a moment; retry after Retry-After seconds",
        False,
    ),
}

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": _REF_TEMPLATE.format(model=PROBLEM_SCHEMA)}}}


def _problem_response(status: int, description: str) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": _problem_content()}
    if status == 503:
        response["headers"] = {
            "Retry-After": {
                "description": f"Seconds to wait before retrying (usually {RETRY_AFTER_S})",
                "schema": {"type": "integer"},
            }
        }
    return response


def _is_fastapi_validation_error(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref") == _REF_TEMPLATE.format(model="HTTPValidationError")


def _document_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    secured = bool(operation.get("security"))
    if not secured:  # keys are the caller's own: without a bearer token none is looked at
        operation["parameters"] = [
            p
            for p in operation.get("parameters", [])
            if not (p.get("in") == "header" and p.get("name") == IDEMPOTENCY_HEADER)
        ]
        if not operation["parameters"]:
            del operation["parameters"]
    for status, (description, needs_security) in PROBLEM_STATUSES.items():
        if needs_security and not secured:
            continue
        key = str(status)
        existing = responses.get(key)
        if existing is None or _is_fastapi_validation_error(existing):
            responses[key] = _problem_response(status, description)
        else:  # a route's own words win; the problem body is added beside its content
            existing.setdefault("content", {}).update(_problem_content())


def _referenced(document: dict[str, Any], schema_name: str) -> bool:
    target = _REF_TEMPLATE.format(model=schema_name)

    def walk(node: Any) -> bool:
        if isinstance(node, dict):
            if node.get("$ref") == target:
                return True
            return any(walk(value) for key, value in node.items() if key != "components")
        if isinstance(node, list):
            return any(walk(item) for item in node)
        return False

    schemas = document.get("components", {}).get("schemas", {})
    others = {name: schema for name, schema in schemas.items() if name != schema_name}
    return walk(document) or walk(others)


def document_problems(document: dict[str, Any], *, skip_paths: Collection[str] = ()) -> None:
    """Add the kernel's problem responses to every operation of `document` (in place)."""
    for path, item in document.get("paths", {}).items():
        if path in skip_paths:
            continue
        for method in _METHODS:
            if method in item:
                _document_operation(item[method])
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template=_REF_TEMPLATE)
    schemas.update(problem_schema.pop("$defs", {}))
    schemas[PROBLEM_SCHEMA] = problem_schema
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        if name in schemas and not _referenced(document, name):
            del schemas[name]


def install_problem_documentation(app: FastAPI, *, skip_paths: Collection[str] = ()) -> None:
    """Make `app.openapi()` (and /openapi.json) carry the problem responses."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_problems(build(), skip_paths=skip_paths)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
