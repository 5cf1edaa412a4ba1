"""What the template e2e tests share: a college of their own (so reruns on a reused stack
never meet an old version), its admin's client on the running service, and a connection
to the notifications schema to call the `render_message` hook as the pipeline does."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import asyncpg
import httpx

from tests.support.auth import bearer

SHIFT_OVERRIDE = (
    "{% block title %}【值班】{{ post }}{% endblock %}\n"
    "{% block body %}\n"
    "{{ post }}：{{ starts_at | campus_time }} 开始{% if place %}，{{ place }}{% endif %}。\n"
    "{% endblock %}\n"
)


def new_college() -> str:
    return f"tpl{uuid4().hex[:8]}"


class Templates:
    """A caller's requests to /api/notifications/colleges/{college}/templates."""

    def __init__(
        self, base_url: str, college: str, *, role: str = "college_admin", of: str | None = None
    ) -> None:
        self.college = college
        self.user_id = f"{role}-{uuid4().hex[:6]}"
        self.client = httpx.Client(
            base_url=f"{base_url}/api/notifications/colleges/{college}",
            headers=bearer(self.user_id, role, college if of is None else of),
            timeout=15,
        )

    def kinds(self) -> httpx.Response:
        return self.client.get("/templates")

    def kind(self, kind: str) -> httpx.Response:
        return self.client.get(f"/templates/{kind}")

    def save(self, kind: str, locale: str, body: object) -> httpx.Response:
        return self.client.put(f"/templates/{kind}/{locale}", json=body)

    def revert(self, kind: str, locale: str) -> httpx.Response:
        return self.client.delete(f"/templates/{kind}/{locale}")

    def versions(self, kind: str, locale: str) -> httpx.Response:
        return self.client.get(f"/templates/{kind}/{locale}/versions")

    def preview(self, kind: str, body: object) -> httpx.Response:
        return self.client.post(f"/templates/{kind}/preview", json=body)

    def effective(self, kind: str, locale: str) -> dict[str, Any]:
        response = self.kind(kind)
        assert response.status_code == 200, response.text
        return next(t for t in response.json()["templates"] if t["locale"] == locale)


def anonymous_listing(base_url: str, college: str) -> httpx.Response:
    """The kinds listing asked for without a token."""
    return httpx.get(f"{base_url}/api/notifications/colleges/{college}/templates", timeout=15)


def refusal(response: httpx.Response) -> tuple[int, str, str, str]:
    """The status, and the field, rule and message of the first error a refusal names."""
    errors = response.json().get("errors") or [{}]
    first = errors[0]
    return (
        response.status_code,
        str(first.get("field")),
        str(first.get("rule")),
        str(first.get("message", "")),
    )


async def connect(dsn: str) -> asyncpg.Connection:
    """A connection to notifications' schema, for the hook called as the pipeline calls it."""
    return await asyncpg.connect(dsn, server_settings={"search_path": "notifications"})


async def versions_kept(dsn: str, college: str) -> int:
    conn = await connect(dsn)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM template_versions WHERE college = $1", college
        )
    finally:
        await conn.close()
    return count
