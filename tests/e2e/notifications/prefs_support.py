"""What the preferences e2e tests share: a person of their own (so reruns on a reused stack
never meet an old choice), the person's API client, and the pipeline on a schema of its
own with the real hooks (plan_delivery, render_message) and injected time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx

from services.notifications.service import preferences as prefs
from services.notifications.service.messages import notify
from tests.support.auth import bearer

COLLEGE = "cs"
SHIFT_FIELDS: dict[str, object] = {
    "post": "图书馆值班",
    "place": "图书馆一楼",
    "starts_at": "2026-12-01T00:00:00+00:00",
    "ends_at": "2026-12-01T02:00:00+00:00",
}
INCIDENT_FIELDS: dict[str, object] = {
    "title": "暑期支教外出",
    "summary": "学生扭伤脚踝",
    "place": "镇中心小学",
    "occurred_at": "2026-07-10T03:00:00+00:00",
    "step": 1,
    "role": "teacher",
    "ack_url": "http://127.0.0.1:8004/ack/x",
}


def new_person(prefix: str = "prefs") -> str:
    return f"{prefix}-{uuid4().hex[:10]}"


class Me:
    """One person's calls to /api/notifications/me/... on the running service."""

    def __init__(
        self,
        base_url: str,
        person_id: str,
        college: str | None = COLLEGE,
        role: str = "student",
    ) -> None:
        self.person_id = person_id
        self.client = httpx.Client(
            base_url=f"{base_url}/api/notifications/me",
            headers=bearer(person_id, role, college),
            timeout=15,
        )

    def get(self) -> httpx.Response:
        return self.client.get("/preferences")

    def put(self, path: str, body: object) -> httpx.Response:
        return self.client.put(path, json=body)

    def delete(self, path: str) -> httpx.Response:
        return self.client.delete(path)

    def category(self, name: str) -> dict[str, Any]:
        found = self.get().json()["categories"]
        return next(c for c in found if c["category"] == name)


def refused_field(response: httpx.Response) -> tuple[int, list[str]]:
    """The status and the fields a refusal names."""
    errors = response.json().get("errors") or []
    return response.status_code, [str(e.get("field")) for e in errors]


async def send(
    pool: asyncpg.Pool,
    person_id: str,
    *,
    kind: str = "shift_assigned",
    fields: Mapping[str, object] = SHIFT_FIELDS,
    now: datetime,
    event_id: UUID | None = None,
) -> list[UUID]:
    """The pipeline's notify() with the real hooks, in its own transaction."""
    async with pool.acquire() as conn, conn.transaction():
        return await notify(
            conn,
            college=COLLEGE,
            event_id=event_id or uuid4(),
            kind=kind,
            recipient_ids=[person_id],
            fields=fields,
            now=now,
        )


async def message(pool: asyncpg.Pool, message_id: UUID) -> dict[str, Any]:
    row = await pool.fetchrow("SELECT * FROM messages WHERE message_id = $1", message_id)
    assert row is not None
    return dict(row)


async def use_case(
    pool: asyncpg.Pool, name: str, person_id: str, *, now: datetime, **arguments: Any
) -> Any:
    """One of the person's own use cases (service/preferences.<name>), in a transaction."""
    async with pool.acquire() as conn, conn.transaction():
        return await getattr(prefs, name)(
            conn, college=COLLEGE, person_id=person_id, now=now, **arguments
        )
