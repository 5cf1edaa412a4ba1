"""Errors as RFC 7807 `application/problem+json`, the same shape from every service.

Clients get one format to parse whatever went wrong; every body carries the
request id so a support ticket can be matched to the logs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import aiokafka.errors
import asyncpg
import redis.exceptions
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.types import Scope, Send

from shared.messaging.failures import RetryableFailure, is_retryable
from shared.rules import NotFound, RuleBroken, TryAgain
from shared.web.middleware import (
    REQUEST_ID_HEADER,
    UNAVAILABLE_SCOPE_KEY,
    request_id_from_scope,
)

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Seconds a client should wait before retrying after a 503.
RETRY_AFTER_S = 5
# Failures that may mean "a dependency is away" (is_retryable tells for sure).
INFRASTRUCTURE_ERRORS: tuple[type[Exception], ...] = (
    OSError,  # refused, reset, timed out: asyncpg's connect, Redis, aiokafka
    asyncpg.PostgresError,  # cannot connect now, admin shutdown, too many connections
    asyncpg.InterfaceError,  # a connection lost under a running request
    asyncpg.InternalClientError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    aiokafka.errors.KafkaConnectionError,
    RetryableFailure,
    TryAgain,  # a use case's: what it read changed under it
)

_log = structlog.get_logger("campusflow.web")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class Problem(Exception):
    """An error meant for the client; raise it anywhere in a request handler.

    `errors` lists per-field failures as {"field", "rule", "message"} so forms can
    highlight the right input without parsing prose.
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        type: str = "about:blank",
        errors: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.errors = errors
        self.headers = dict(headers or {})

    def __repr__(self) -> str:
        return f"Problem(status={self.status}, title={self.title!r}, detail={self.detail!r})"

    @classmethod
    def not_found(cls, what: str) -> Problem:
        return cls(404, "Not Found", f"{what} not found")

    @classmethod
    def forbidden(cls, detail: str) -> Problem:
        return cls(403, "Forbidden", detail)

    @classmethod
    def unauthorized(cls, detail: str, *, challenge: str = "Bearer") -> Problem:
        # RFC 7235: a 401 must tell the client how to authenticate.
        return cls(401, "Unauthorized", detail, headers={"WWW-Authenticate": challenge})

    @classmethod
    def conflict(cls, detail: str, *, field: str | None = None, rule: str | None = None) -> Problem:
        errors = None
        if field is not None:
            errors = [{"field": field, "rule": rule or "conflict", "message": detail}]
        return cls(409, "Conflict", detail, errors=errors)

    @classmethod
    def invalid(cls, field: str, rule: str, message: str) -> Problem:
        errors = [{"field": field, "rule": rule, "message": message}]
        return cls(422, "Unprocessable Content", message, errors=errors)

    def body(self, request_id: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail is not None:
            body["detail"] = self.detail
        if self.errors is not None:
            body["errors"] = self.errors
        body["request_id"] = request_id
        return body


async def send_problem(scope: Scope, send: Send, problem: Problem, *, close: bool = False) -> None:
    """Answer with `problem` from a plain ASGI middleware (outside the exception handlers).

    `close` asks the server to close the connection after the answer: for a request
    whose body was not read to its end, the connection cannot carry another request.
    """
    body = json.dumps(problem.body(request_id_from_scope(scope))).encode()
    headers = [
        (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    headers += [(name.lower().encode(), value.encode()) for name, value in problem.headers.items()]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    request_id = request_id_from_scope(request.scope)
    return JSONResponse(
        problem.body(request_id),
        status_code=problem.status,
        headers=problem.headers or None,
        media_type=PROBLEM_CONTENT_TYPE,
    )


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "shift", "starts_at") -> "shift.starts_at"; ("query", "limit") stays
    # "query.limit" so the client knows it is not a body field.
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(str(part) for part in parts) or "body"


async def _handle_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(request, exc)


def _message(err: Mapping[str, Any]) -> str:
    message = str(err.get("msg", "invalid value"))
    ctx = err.get("ctx") or {}
    # A length bound set after a validating type (`Annotated[Text, Field(max_length=200)]`)
    # is checked by pydantic's generic length rule, which speaks of "items": say characters.
    if err.get("type") in ("too_long", "too_short") and isinstance(err.get("input"), str):
        if err["type"] == "too_long" and "max_length" in ctx:
            return f"String should have at most {ctx['max_length']} characters"
        if err["type"] == "too_short" and "min_length" in ctx:
            return f"String should have at least {ctx['min_length']} characters"
    return message


async def _handle_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": _field_path(err.get("loc", ())),
            "rule": str(err.get("type", "invalid")),
            "message": _message(err),
        }
        for err in exc.errors()
    ]
    fields = ", ".join(sorted({e["field"] for e in errors}))
    problem = Problem(422, "Unprocessable Content", f"invalid input: {fields}", errors=errors)
    return problem_response(request, problem)


async def _handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _phrase(exc.status_code)
    detail = str(exc.detail) if exc.detail and exc.detail != title else None
    problem = Problem(exc.status_code, title, detail, headers=exc.headers)
    return problem_response(request, problem)


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # This handler runs outside the request-id middleware (Starlette calls it from
    # its outermost error middleware), so we add the header and log the id here.
    request_id = request_id_from_scope(request.scope)
    _log.error(
        "unhandled_exception",
        request_id=request_id,
        method=request.method,
        path=request.url.path,
        exc_info=exc,
    )
    problem = Problem(500, "Internal Server Error", "an unexpected error occurred")
    headers = {REQUEST_ID_HEADER: request_id} if request_id else None
    return JSONResponse(
        problem.body(request_id), status_code=500, headers=headers, media_type=PROBLEM_CONTENT_TYPE
    )


async def _handle_infrastructure(request: Request, exc: Exception) -> JSONResponse:
    """The database (or broker, or Redis) is unreachable or restarting: 503 with
    Retry-After, and one log line (the access line). Any other error of these classes
    is a bug: 500, logged once with its traceback."""
    if not is_retryable(exc):
        return await _handle_unexpected(request, exc)
    return problem_response(request, unavailable(request.scope, exc))


def unavailable(scope: Scope, exc: Exception) -> Problem:
    """The 503 for a dependency that is away; the access line will name `exc`."""
    scope[UNAVAILABLE_SCOPE_KEY] = f"{type(exc).__name__}: {str(exc)[:200]}"
    return Problem(
        503,
        "Service Unavailable",
        "a service this request needs is unavailable for a moment; retry shortly",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def _handle_rule_broken(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RuleBroken)
    errors = [{"field": exc.field, "rule": exc.rule, "message": exc.message}]
    if exc.invalid:
        problem = Problem(422, "Unprocessable Content", exc.message, errors=errors)
    else:
        problem = Problem(409, "Conflict", exc.message, errors=errors)
    return problem_response(request, problem)


async def _handle_not_found(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotFound)
    return problem_response(request, Problem(404, "Not Found", str(exc)))


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _handle_problem)
    app.add_exception_handler(RuleBroken, _handle_rule_broken)
    app.add_exception_handler(NotFound, _handle_not_found)
    app.add_exception_handler(RequestValidationError, _handle_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
    # Handled inside the app (not by Starlette's outermost error middleware, which
    # would log a second traceback): each checks whether the failure is an outage.
    for infrastructure_error in INFRASTRUCTURE_ERRORS:
        app.add_exception_handler(infrastructure_error, _handle_infrastructure)
    app.add_exception_handler(Exception, _handle_unexpected)
