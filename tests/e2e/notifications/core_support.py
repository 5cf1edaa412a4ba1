"""What the pipeline's e2e tests share: a notifications schema of their own on the real
PostgreSQL (so the session's notifications process, whose dispatcher claims every due
delivery of its schema, never touches theirs), small local plan/word/address functions,
a local HTTP "provider" and a real HTTP channel sender talking to it.

Run as a module it is a dispatcher process (for the crash test, killed with SIGKILL; SIGTERM
stops it as the service's shutdown does):
    python -m tests.e2e.notifications.core_support DSN SCHEMA REDIS_URL RECEIVER_URL
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import services.notifications
from services.notifications.channels import Outgoing, SendOutcome, SendResult
from services.notifications.service.dispatch import Dispatcher, limits_of
from services.notifications.service.messages import make_messages
from services.notifications.service.preferences import contact_address
from services.notifications.service.protection import Protection
from services.notifications.settings import NotificationsSettings
from shared.config import LOCAL_JWT_SECRET
from shared.db.migrations import apply_migrations
from shared.db.pool import close_pool, create_pool

MIGRATIONS = Path(services.notifications.__file__).parent / "migrations"
REPO = Path(__file__).resolve().parents[3]
# The claim of the dispatcher process the crash test kills.
CRASH_CLAIM_S = 10.0


@asynccontextmanager
async def own_schema(admin_dsn: str, notifications_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    """A fresh schema owned by the notifications role, migrated; a pool on it."""
    schema = f"core_{uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f"CREATE SCHEMA {schema} AUTHORIZATION notifications")
    finally:
        await admin.close()
    conn = await asyncpg.connect(notifications_dsn)
    try:
        await apply_migrations(conn, schema=schema, folder=MIGRATIONS)
    finally:
        await conn.close()
    pool = await create_pool(notifications_dsn, schema=schema, max_size=8)
    try:
        yield pool
    finally:
        await close_pool(pool)


def schema_of(pool: asyncpg.Pool) -> str:
    settings = pool._connect_kwargs.get("server_settings", {})
    return str(settings["search_path"])


# --- pure local stand-ins for PREFS' plan and the TEMPLATES' wording (tests only) --------


@dataclass(frozen=True)
class LocalPlan:
    action: str
    channels: tuple[str, ...]
    hold_until: datetime | None = None
    locale: str = "zh-CN"
    time_zone: str = "Asia/Shanghai"


def planner(
    channels: Sequence[str], action: str = "send", hold_until: datetime | None = None
) -> Any:
    async def plan(conn: asyncpg.Connection, **_: object) -> LocalPlan:
        return LocalPlan(action, tuple(channels), hold_until)

    return plan


@dataclass(frozen=True)
class LocalRendering:
    title: str
    body: str
    locale: str
    version: int


async def render(
    conn: asyncpg.Connection,
    *,
    college: str,
    kind: str,
    locale: str,
    fields: Any,
    time_zone: str | None = None,
) -> LocalRendering:
    body = "；".join(f"{name}={fields[name]}" for name in sorted(fields))
    return LocalRendering(title=f"通知：{kind}", body=body, locale=locale, version=0)


async def add_contact(
    pool: asyncpg.Pool, college: str, person_id: str, channel: str, where: str
) -> None:
    await pool.execute(
        "INSERT INTO contact_points (college, person_id, channel, address) VALUES ($1,$2,$3,$4)"
        " ON CONFLICT (college, person_id, channel) DO UPDATE SET address = EXCLUDED.address",
        college,
        person_id,
        channel,
        where,
    )


# --- a local provider and a real sender talking HTTP to it -------------------------------


@dataclass
class Receiver:
    """A provider double: answers as `mode` says ('ok', 'temporary', 'permanent'), may
    hold each answer `delay_s`, and records every request (and, when it honours
    idempotency keys, the effects: one per key)."""

    mode: str = "ok"
    delay_s: float = 0.0
    honours_keys: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def send(request: Request) -> JSONResponse:
            payload = await request.json()
            with self._lock:
                self.requests.append(payload)
                seen = any(e["key"] == payload["key"] for e in self.effects)
                if self.mode == "ok" and not (self.honours_keys and seen):
                    self.effects.append(payload)
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            if self.mode == "temporary":
                return JSONResponse({"error": "busy"}, status_code=503)
            if self.mode == "permanent":
                return JSONResponse({"error": "no such number"}, status_code=400)
            return JSONResponse({"id": f"p-{payload['key']}"})

        return Starlette(routes=[Route("/send", send, methods=["POST"])])


class HttpSender:
    """A channel sender for a provider's HTTP API (the test double above)."""

    def __init__(self, channel: str, url: str, *, honours_keys: bool = False) -> None:
        self.channel = channel
        self.url = url
        self.honours_idempotency_key = honours_keys
        self._client: httpx.AsyncClient | None = None  # one client: making one is slow

    async def send(self, outgoing: Outgoing) -> SendResult:
        payload = {
            "to": outgoing.address,
            "title": outgoing.title,
            "body": outgoing.body,
            "key": outgoing.idempotency_key,
            "attempt": outgoing.attempt,
        }
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=30)
        try:
            answer = await self._client.post(
                f"{self.url}/send",
                json=payload,
                headers={"Idempotency-Key": outgoing.idempotency_key},
            )
        except httpx.HTTPError as error:
            return SendResult(SendOutcome.TEMPORARY_FAILURE, detail=repr(error))
        if answer.status_code < 300:
            return SendResult(SendOutcome.SENT, provider_message_id=answer.json()["id"])
        if answer.status_code >= 500 or answer.status_code in (408, 429):
            return SendResult(SendOutcome.TEMPORARY_FAILURE, detail=answer.text)
        return SendResult(SendOutcome.PERMANENT_FAILURE, detail=answer.text)


def settings_for(dsn: str, redis_url: str, **overrides: Any) -> NotificationsSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": dsn,
        "kafka_bootstrap": "127.0.0.1:9",
        "redis_url": redis_url,
        "jwt_secret": LOCAL_JWT_SECRET,
        "dispatch_idle_sleep_s": 0.05,
        **overrides,
    }
    return NotificationsSettings(**values)


def dispatcher(
    pool: asyncpg.Pool,
    settings: NotificationsSettings,
    senders: dict[str, Any],
    *,
    namespace: str | None = None,
    claimer: str | None = None,
    address: Any = contact_address,
) -> Dispatcher:
    return Dispatcher(
        pool,
        settings,
        senders=senders,
        protection=Protection.from_url(
            settings.redis_url, limits_of(settings), namespace=namespace or f"t{uuid4().hex}"
        ),
        render=render,
        address=address,
        claimer=claimer,
        jitter=lambda: 0.0,
    )


async def drain(d: Dispatcher, *, rounds: int = 20, pause_s: float = 0.0) -> None:
    for _ in range(rounds):
        await d.round()
        if pause_s:
            await asyncio.sleep(pause_s)


async def queue_emails(pool: asyncpg.Pool, count: int) -> list[str]:
    """One event's email to `count` new people of college cs (a leave decision); their ids."""
    people = [f"p-{uuid4().hex[:8]}" for _ in range(count)]
    for person in people:
        await add_contact(pool, "cs", person, "email", f"{person}@example.edu.cn")
    async with pool.acquire() as conn, conn.transaction():
        await make_messages(
            conn,
            college="cs",
            event_id=uuid4(),
            kind="leave_decided",
            recipient_ids=people,
            fields={"decision": "approved"},
            subject_id="leave-1",
            now=datetime.now(UTC),
            channels=None,
            plan=planner(["email"]),
            render=render,
        )
    return people


async def wait_until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def dispatcher_process(
    dsn: str, pool: asyncpg.Pool, redis_url: str, receiver_url: str
) -> asyncio.subprocess.Process:
    """This module run as a dispatcher process on `pool`'s schema, sending email to the
    receiver (claims of CRASH_CLAIM_S; SIGTERM stops it, SIGKILL is a crash)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.notifications.core_support",
        dsn,
        schema_of(pool),
        redis_url,
        receiver_url,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def rows(pool: asyncpg.Pool, sql: str, *args: object) -> list[dict[str, Any]]:
    return [dict(r) for r in await pool.fetch(sql, *args)]


async def outbox_types(pool: asyncpg.Pool) -> list[str]:
    found = await pool.fetch("SELECT headers FROM outbox ORDER BY event_id")
    return [json.loads(r["headers"]).get("ce_type", "") for r in found]


async def _run_dispatcher(dsn: str, schema: str, redis_url: str, receiver_url: str) -> None:
    settings = settings_for(dsn, redis_url, dispatch_claim_timeout_s=CRASH_CLAIM_S)
    pool = await create_pool(dsn, schema=schema, max_size=4)
    d = dispatcher(pool, settings, {"email": HttpSender("email", receiver_url)})
    stop = asyncio.Event()
    # SIGTERM asks it to stop, as the service's shutdown does; SIGKILL is a crash.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    from shared.supervisor import LoopHealth

    await d.run(stop, LoopHealth())
    await d.protection.close()


if __name__ == "__main__":
    _dsn, _schema, _redis, _url = sys.argv[1:5]
    started = time.monotonic()
    asyncio.run(_run_dispatcher(_dsn, _schema, _redis, _url))
