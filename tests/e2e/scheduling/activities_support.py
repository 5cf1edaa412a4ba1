"""What the activity-calendar end-to-end tests share: a college of their own per test (so
a plan sees only that test's drafts), members written into the pool as recruitment's
events would, rooms registered through the API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import httpx

from services.scheduling.domain.calendar_time import CAMPUS_TZ, at_campus
from tests.support.auth import bearer


class College:
    """A fresh college: its officer, its root URL, its members."""

    def __init__(self, base: str) -> None:
        self.code = f"act-{uuid4().hex[:8]}"
        self.officer = bearer(f"{self.code}-officer", "officer", self.code)
        self.root = f"{base}/api/scheduling/colleges/{self.code}"

    def member(self, person_id: str) -> dict[str, str]:
        return bearer(person_id, "student", self.code)

    async def enrol(self, dsn: str, *people: str) -> None:
        conn = await asyncpg.connect(dsn, server_settings={"search_path": "scheduling"})
        try:
            await conn.executemany(
                "INSERT INTO members (college, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                [(self.code, p) for p in people],
            )
        finally:
            await conn.close()

    async def room(self, client: httpx.AsyncClient, room: str) -> None:
        made = await client.post(
            f"{self.root}/rooms", json={"room": room, "place": "校本部"}, headers=self.officer
        )
        assert made.status_code == 201, made.text

    async def draft(self, client: httpx.AsyncClient, **form: Any) -> dict[str, Any]:
        made = await client.post(f"{self.root}/activities", json=form, headers=self.officer)
        assert made.status_code == 201, made.text
        body: dict[str, Any] = made.json()
        return body

    async def activities(self, client: httpx.AsyncClient) -> list[dict[str, Any]]:
        listed = await client.get(
            f"{self.root}/activities", params={"limit": 200}, headers=self.officer
        )
        assert listed.status_code == 200, listed.text
        items: list[dict[str, Any]] = listed.json()["items"]
        return items


def campus_day(days_ahead: int) -> date:
    return datetime.now(CAMPUS_TZ).date() + timedelta(days=days_ahead)


def campus(day: date, hour: int, minute: int = 0) -> str:
    return at_campus(day, time(hour, minute)).isoformat()


def overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def moment(value: str) -> datetime:
        return datetime.fromisoformat(value)

    return moment(a["starts_at"]) < moment(b["ends_at"]) and moment(b["starts_at"]) < moment(
        a["ends_at"]
    )
