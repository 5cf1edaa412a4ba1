"""A tiny service built with create_app, and helpers to sign tokens for it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from shared.config import LOCAL_JWT_SECRET, ServiceSettings
from shared.web.auth import Principal, ensure_college, require_roles
from shared.web.problems import Problem

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

TokenFactory = Callable[..., str]


def make_settings(**overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": "postgresql://x",
        "kafka_bootstrap": "x",
        "redis_url": "redis://x",
        "jwt_secret": LOCAL_JWT_SECRET,
    }
    values.update(overrides)
    return ServiceSettings(**values)


class NewThing(BaseModel):
    name: str = Field(min_length=1)
    capacity: int = Field(ge=1)


# Module level: with postponed annotations FastAPI resolves names from globals.
OfficerOrAdmin = Annotated[Principal, Depends(require_roles("officer", "university_admin"))]


def things_router() -> APIRouter:
    router = APIRouter()

    @router.get("/api/things/{college}")
    async def list_things(college: str, principal: OfficerOrAdmin) -> dict[str, Any]:
        ensure_college(principal, college)
        return {"college": college, "user": principal.user_id}

    @router.post("/api/things/{college}", status_code=201)
    async def add_thing(college: str, thing: NewThing, principal: OfficerOrAdmin) -> NewThing:
        ensure_college(principal, college)
        return thing

    @router.get("/api/missing")
    async def missing() -> None:
        raise Problem.not_found("thing 42")

    @router.get("/api/boom")
    async def boom() -> None:
        raise RuntimeError("database password is hunter2")

    return router


def sign(claims: dict[str, Any], key: Any = LOCAL_JWT_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
