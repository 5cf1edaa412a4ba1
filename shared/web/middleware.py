"""Per-request plumbing: request id, access log and HTTP metrics.

Written as a plain ASGI middleware rather than `BaseHTTPMiddleware`: the latter
wraps every response body in an extra task and memory stream, which costs
latency on every request and breaks contextvars propagation in some cases.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
# Where the request id lives in the ASGI scope, so exception handlers (which may
# run outside this middleware, e.g. for unhandled 500s) can still find it.
REQUEST_ID_SCOPE_KEY = "campusflow.request_id"

# Paths polled by orchestrators and Prometheus: metered, but not access-logged,
# otherwise they drown out real traffic in the logs.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

# A caller-supplied id is echoed only if it is short and boring; anything else
# could be used to inject text into logs or headers, so we mint our own.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")

UNMATCHED_ROUTE = "unmatched"

REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time spent handling an HTTP request, by route template.",
    ("service", "method", "route", "status"),
)
REQUESTS_TOTAL = Counter(
    "http_requests_total",
    "HTTP requests handled, by route template and status.",
    ("service", "method", "route", "status"),
)

_access_log = structlog.get_logger("campusflow.access")
# Set by the problem handler when a request failed because the database or broker was
# unreachable; the access line then carries it (as a warning) instead of a traceback.
UNAVAILABLE_SCOPE_KEY = "campusflow.unavailable"


def request_id_from_scope(scope: Scope) -> str | None:
    value = scope.get(REQUEST_ID_SCOPE_KEY)
    return value if isinstance(value, str) else None


def _incoming_request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def _route_template(scope: Scope) -> str:
    # The router records the matched route in the (shared, mutated) scope. Using
    # its path template rather than the raw path keeps label cardinality bounded:
    # /api/things/{college} instead of one series per college.
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class RequestContextMiddleware:
    """Assigns a request id, records metrics, and writes one access-log line."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = _incoming_request_id(scope)
        scope[REQUEST_ID_SCOPE_KEY] = request_id
        header = (REQUEST_ID_HEADER.lower().encode(), request_id.encode())
        status = 500  # what the client sees if the app dies before responding

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # Replace rather than append, so a handler that set it can't duplicate it.
                headers = [h for h in message.get("headers", ()) if h[0].lower() != header[0]]
                message["headers"] = [*headers, header]
            await send(message)

        started = time.perf_counter()
        try:
            with structlog.contextvars.bound_contextvars(request_id=request_id):
                await self.app(scope, receive, send_with_request_id)
        finally:
            # Runs for unhandled exceptions too: they still count as a 500.
            self._record(scope, request_id, status, time.perf_counter() - started)

    def _record(self, scope: Scope, request_id: str, status: int, elapsed: float) -> None:
        method = scope["method"]
        labels = (self.service, method, _route_template(scope), str(status))
        REQUEST_DURATION.labels(*labels).observe(elapsed)
        REQUESTS_TOTAL.labels(*labels).inc()
        path = scope["path"]
        if path in QUIET_PATHS:
            return
        # A refused path may hold control characters: never let one forge a log line.
        path = _CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group()):02x}", path)
        # Path only, never the query string: it may carry personal data.
        fields = {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
            "request_id": request_id,
        }
        unavailable = scope.get(UNAVAILABLE_SCOPE_KEY)
        if unavailable:  # a dependency was down: this line is the only one the request logs
            _access_log.warning("http_request", unavailable=unavailable, **fields)
        else:
            _access_log.info("http_request", **fields)
