"""What the duty desk's end-to-end tests share: published shifts written straight into the
scheduling schema (as rota publishing writes them), the no-show timer scheduled through
the desk's own `expect_sign_in`, desk keys, and a second scheduling replica with a short
code rotation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from services.scheduling.service.desk import expect_sign_in
from tests.support.auth import bearer
from tests.support.replica import replica
from tools.stack import StackEndpoints

COLLEGE = "cs"
OFFICER = bearer("officer-desk", "officer", COLLEGE)
ROOT = f"/api/scheduling/colleges/{COLLEGE}"
SHORT_ROTATION_S = 5


def member(person_id: str) -> dict[str, str]:
    return bearer(person_id, "student", COLLEGE)


def new_post(what: str) -> str:
    return f"desk-{what}-{uuid4().hex[:8]}"


def new_person() -> str:
    return f"cs-{uuid4().hex[:10]}"


async def connect(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, server_settings={"search_path": "scheduling"})


@dataclass(frozen=True)
class Shift:
    shift_id: UUID
    post: str
    starts_at: datetime
    ends_at: datetime
    holders: tuple[str, ...]


async def publish_shift(
    dsn: str,
    *,
    post: str,
    starts_at: datetime,
    hours: float = 4,
    holders: tuple[str, ...],
    grace_min: int | None = None,
) -> Shift:
    """A published rota holding one shift at `post`, its seats given to `holders`; with
    `grace_min`, the desk expects each holder to sign in (the no-show timer)."""
    rota_id, shift_id = uuid4(), uuid4()
    ends_at = starts_at + timedelta(hours=hours)
    now = datetime.now(UTC)
    conn = await connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO rotas (college, rota_id, name, starts_on, ends_on, problem, status,"
                " created_at, published_at) VALUES ($1,$2,$3,$4,$5,$6::jsonb,'published',$7,$7)",
                COLLEGE,
                rota_id,
                f"办公室值班表 {post}",
                starts_at.date(),
                ends_at.date(),
                json.dumps({}),
                now,
            )
            await conn.execute(
                "INSERT INTO shifts (college, shift_id, rota_id, post, place, shift_type, day,"
                " starts_at, ends_at, seats) VALUES ($1,$2,$3,$4,'学生会办公室','day',$5,$6,$7,$8)",
                COLLEGE,
                shift_id,
                rota_id,
                post,
                starts_at.date(),
                starts_at,
                ends_at,
                max(1, len(holders)),
            )
            for person in holders:
                await conn.execute(
                    "INSERT INTO shift_seats (college, shift_id, person_id, pinned, assigned_at)"
                    " VALUES ($1,$2,$3,true,$4)",
                    COLLEGE,
                    shift_id,
                    person,
                    now,
                )
                if grace_min is not None:
                    await expect_sign_in(
                        conn,
                        college=COLLEGE,
                        shift_id=shift_id,
                        person_id=person,
                        starts_at=starts_at,
                        grace_min=grace_min,
                    )
    finally:
        await conn.close()
    return Shift(shift_id, post, starts_at, ends_at, holders)


async def issue_desk_key(client: httpx.AsyncClient, base: str, post: str) -> dict[str, str]:
    issued = await client.post(
        f"{base}{ROOT}/desk/{post}/keys", json={"label": "办公室屏幕"}, headers=OFFICER
    )
    assert issued.status_code == 201, issued.text
    body: dict[str, str] = issued.json()
    return body


async def current_code(client: httpx.AsyncClient, base: str, post: str) -> str:
    """The code the desk of `post` shows now (read as an officer, as the screen would)."""
    shown = await client.get(f"{base}{ROOT}/desk/{post}/code", headers=OFFICER)
    assert shown.status_code == 200, shown.text
    code: str = shown.json()["code"]
    return code


@pytest.fixture(scope="module")
def fast_desk(stack: StackEndpoints, service_dsns: dict[str, str]) -> Iterator[str]:
    """A second scheduling replica on the same schema whose code rotates every 5 s."""
    with replica(
        "scheduling",
        stack,
        service_dsns["scheduling"],
        name="fast-desk",
        settings={"SCHEDULING_DESK_CODE_ROTATION_S": str(SHORT_ROTATION_S)},
    ) as (url, _):
        yield url
