"""One way to build a service's HTTP app, so all four behave alike at the edges:
same auth, same error format, same probes, same metrics and logs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import JSONResponse, Response

from shared.config import ServiceSettings
from shared.supervisor import NotReady
from shared.web.auth import TokenVerifier
from shared.web.guards import InputGuard
from shared.web.idempotency import IdempotencyKeys
from shared.web.limits import BodySizeLimit, OversizeField
from shared.web.middleware import RequestContextMiddleware
from shared.web.openapi import install_problem_documentation
from shared.web.problems import install_problem_handlers

ReadinessCheck = Callable[[], Awaitable[None]]
# Names what has been failing too long (an empty list: alive).
LivenessCheck = Callable[[], list[str]]

# Each dependency check gets this long; a probe that hangs is itself a failure,
# and the orchestrator's probe timeout is usually only a few seconds.
READINESS_TIMEOUT_S = 2.0
# The probes answer plain JSON, not problem+json: orchestrators read them.
PROBE_PATHS = frozenset({"/healthz", "/readyz"})
_PROBE_503: dict[int | str, dict[str, Any]] = {
    503: {"description": "Not alive / not ready: the body names what is failing"}
}

_log = structlog.get_logger("campusflow.web")


async def _run_check(name: str, check: ReadinessCheck, limit_s: float) -> str:
    try:
        async with asyncio.timeout(limit_s):
            await check()
    except TimeoutError:
        _log.warning("readiness_check_failed", check=name, error="timeout")
        return f"timeout after {limit_s:g}s"
    except NotReady as exc:  # says which part, in words fit for an unauthenticated probe
        _log.warning("readiness_check_failed", check=name, error=str(exc))
        return f"error: {exc}"
    except Exception as exc:
        # /readyz needs no token, so reply with the exception type only; the
        # message (which may name hosts or users) goes to the log.
        _log.warning("readiness_check_failed", check=name, error=repr(exc))
        return f"error: {type(exc).__name__}"
    return "ok"


async def run_readiness_checks(
    checks: Mapping[str, ReadinessCheck], limit_s: float | None = None
) -> dict[str, str]:
    """Run every check concurrently; the result maps name -> "ok" or an error."""
    limit_s = READINESS_TIMEOUT_S if limit_s is None else limit_s
    names = list(checks)
    results = await asyncio.gather(*(_run_check(n, checks[n], limit_s) for n in names))
    return dict(zip(names, results, strict=True))


def _probe_router(
    service: str,
    checks: Mapping[str, ReadinessCheck],
    liveness_check: LivenessCheck | None,
) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get(
        "/healthz",
        summary="Liveness: the process is up and no loop keeps failing",
        responses=_PROBE_503,
    )
    async def healthz() -> JSONResponse:
        failing = liveness_check() if liveness_check is not None else []
        if failing:
            _log.warning("liveness_check_failed", failing=failing)
            body = {"status": "failing", "service": service, "failing": failing}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "alive", "service": service})

    @router.get("/readyz", summary="Readiness: dependencies reachable", responses=_PROBE_503)
    async def readyz() -> JSONResponse:
        results = await run_readiness_checks(checks)
        ready = all(result == "ok" for result in results.values())
        body: dict[str, Any] = {"status": "ready" if ready else "not ready", "checks": results}
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_app(
    *,
    service: str,
    settings: ServiceSettings,
    readiness_checks: Mapping[str, ReadinessCheck],
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    routers: Sequence[APIRouter] = (),
    liveness_check: LivenessCheck | None = None,
    oversize_fields: Sequence[OversizeField] = (),
) -> FastAPI:
    app = FastAPI(title=f"Campusflow {service}", lifespan=lifespan)
    app.state.service = service
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier.from_settings(settings)
    install_problem_handlers(app)
    install_problem_documentation(app, skip_paths=PROBE_PATHS)
    # The last added runs first: request id and access log, then the body's size, then
    # the characters of the request target and body, then idempotency keys, then the routes.
    app.add_middleware(IdempotencyKeys)
    app.add_middleware(InputGuard)
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes, fields=oversize_fields)
    app.add_middleware(RequestContextMiddleware, service=service)
    # Copy the mapping: a caller mutating theirs later must not change the probe.
    app.include_router(_probe_router(service, dict(readiness_checks), liveness_check))
    for router in routers:
        app.include_router(router)
    return app
