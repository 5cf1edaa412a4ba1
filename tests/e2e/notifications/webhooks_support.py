"""What the webhook e2e tests share: a local HTTP receiver that checks every signature and
can fail for a while, a dispatcher with short backoff on a notifications schema of the
test's own (so the session's notifications process never dispatches its deliveries), and
offering events as ROUTING's consumers do."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from services.notifications.domain import webhooks as rules
from services.notifications.service.webhook_dispatch import WebhookDispatcher
from services.notifications.service.webhooks import offer_to_webhooks
from services.notifications.settings import NotificationsSettings
from tests.e2e.notifications.core_support import settings_for
from tests.support.auth import bearer

SHIFT_ASSIGNED = "campusflow.scheduling.shift.assigned.v1"


@dataclass
class Received:
    path: str
    sequence: int
    event_id: str
    delivery_id: str
    body: dict[str, Any]
    signed: bool


@dataclass
class WebhookReceiver:
    """Records every POST per path and verifies its signature with the path's secret;
    answers 503 to a path while `failing(path)` says so, else 200."""

    secrets: dict[str, str] = field(default_factory=dict)
    failing: Callable[[str], bool] = lambda path: False
    received: list[Received] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    delay_s: float = 0.0  # how long each answer takes
    in_flight: dict[str, int] = field(default_factory=dict)
    most_in_flight: dict[str, int] = field(default_factory=dict)

    def app(self) -> Starlette:
        async def hook(request: Request) -> PlainTextResponse:
            path = request.url.path
            self.in_flight[path] = self.in_flight.get(path, 0) + 1
            self.most_in_flight[path] = max(self.most_in_flight.get(path, 0), self.in_flight[path])
            try:
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                return await answer(request, path)
            finally:
                self.in_flight[path] -= 1

        async def answer(request: Request, path: str) -> PlainTextResponse:
            raw = await request.body()
            if self.failing(path):
                self.refused[path] = self.refused.get(path, 0) + 1
                return PlainTextResponse("busy", status_code=503)
            body = json.loads(raw)
            signed = rules.verify(
                self.secrets.get(path, ""),
                request.headers.get(rules.SIGNATURE_HEADER, ""),
                raw,
                now=time.time(),
            )
            self.received.append(
                Received(
                    path=path,
                    sequence=int(request.headers[rules.SEQUENCE_HEADER]),
                    event_id=request.headers[rules.EVENT_ID_HEADER],
                    delivery_id=request.headers[rules.DELIVERY_ID_HEADER],
                    body=body,
                    signed=signed,
                )
            )
            return PlainTextResponse("ok")

        return Starlette(routes=[Route("/{name}", hook, methods=["POST"])])

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


def quick_settings(dsn: str, redis_url: str) -> NotificationsSettings:
    return settings_for(dsn, redis_url, webhook_timeout_s=5.0)


def quick_dispatcher(pool: asyncpg.Pool, settings: NotificationsSettings) -> WebhookDispatcher:
    """Backoff of 50 ms doubling up to 400 ms (the defaults are 1 s up to an hour)."""
    return WebhookDispatcher(pool, settings, base_s=0.05, cap_s=0.4, idle_sleep_s=0.02)


async def add_endpoint(
    pool: asyncpg.Pool, *, college: str, url: str, event_types: list[str] | None = None
) -> tuple[UUID, str]:
    """An endpoint inserted directly (the API is tested on the session's service)."""
    endpoint_id = uuid4()
    secret = rules.new_secret()
    await pool.execute(
        "INSERT INTO webhook_endpoints (endpoint_id, college, url, secret, event_types,"
        " secret_rotated_at, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,now(),now(),now())",
        endpoint_id,
        college,
        url,
        secret,
        event_types or [],
    )
    return endpoint_id, secret


async def offer(
    pool: asyncpg.Pool, *, college: str, occurred_at: datetime, n: int, now: datetime
) -> list[UUID]:
    """`n` events offered one transaction each, as ROUTING's consumer would."""
    ids = []
    for i in range(n):
        event_id = uuid4()
        async with pool.acquire() as conn, conn.transaction():
            await offer_to_webhooks(
                conn,
                college=college,
                event_type=SHIFT_ASSIGNED,
                event_id=event_id,
                occurred_at=occurred_at,
                data={"shift_id": str(uuid4()), "n": i, "post": "门岗"},
                now=now,
            )
        ids.append(event_id)
    return ids


async def run_until(
    dispatcher: WebhookDispatcher, done: Callable[[], bool], *, timeout_s: float = 60.0
) -> None:
    """Run the dispatcher's loop until `done()` (or fail after `timeout_s`)."""
    from shared.supervisor import LoopHealth

    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop, LoopHealth()))
    try:
        deadline = time.monotonic() + timeout_s
        while not done():
            if task.done():
                task.result()
            if time.monotonic() > deadline:
                raise AssertionError("the webhooks were not all delivered in time")
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


class WebhooksApi:
    """A caller's requests to /api/notifications/colleges/{college}/webhooks."""

    def __init__(
        self, base_url: str, college: str, *, role: str = "college_admin", of: str | None = None
    ) -> None:
        self.client = httpx.Client(
            base_url=f"{base_url}/api/notifications/colleges/{college}",
            headers=bearer(f"{role}-{uuid4().hex[:6]}", role, college if of is None else of),
            timeout=15,
        )

    def create(self, body: object) -> httpx.Response:
        return self.client.post("/webhooks", json=body)

    def listing(self) -> httpx.Response:
        return self.client.get("/webhooks")

    def read(self, endpoint_id: str) -> httpx.Response:
        return self.client.get(f"/webhooks/{endpoint_id}")

    def change(self, endpoint_id: str, body: object) -> httpx.Response:
        return self.client.patch(f"/webhooks/{endpoint_id}", json=body)

    def remove(self, endpoint_id: str) -> httpx.Response:
        return self.client.delete(f"/webhooks/{endpoint_id}")

    def rotate(self, endpoint_id: str) -> httpx.Response:
        return self.client.post(f"/webhooks/{endpoint_id}/rotate-secret")

    def log(self, endpoint_id: str, **query: str) -> httpx.Response:
        return self.client.get(f"/webhooks/{endpoint_id}/deliveries", params=query)

    def replay(self, endpoint_id: str, body: object) -> httpx.Response:
        return self.client.post(f"/webhooks/{endpoint_id}/replay", json=body)


def problem(response: httpx.Response) -> tuple[int, str, str]:
    """The status, and the field and rule of the first error a refusal names."""
    first = (response.json().get("errors") or [{}])[0]
    return response.status_code, str(first.get("field")), str(first.get("rule"))
