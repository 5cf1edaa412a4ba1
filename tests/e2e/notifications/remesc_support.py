"""Helpers for the reminders' and escalation chains' e2e tests: waiting for notifications'
reminder and escalation consumers, reading a person's upcoming reminders and inbox, the
directory and the chains through the API, the service's own tables, and a due-actions
loop run as a separate process on a schema of its own (restarts and replicas)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from services.notifications.consumers.reminders import REMINDER_CONSUMERS
from shared.events.registry import spec_for_model
from shared.messaging.subscriptions import consumer_group
from tests.e2e.notifications.routing_support import Produced, admin, inbox
from tests.support.auth import bearer
from tests.support.kafka import group_caught_up, wait_until

H = timedelta(hours=1)
DAY = timedelta(hours=24)


def now_s() -> datetime:
    """Now, to the whole second (what reminder times are compared at)."""
    return datetime.now(UTC).replace(microsecond=0)


ACK_LINK = re.compile(r"/api/notifications/ack/([A-Za-z0-9_\-.]+)")


async def consumed(bootstrap: str, events: Sequence[Produced], timeout_s: float = 90) -> None:
    """Notifications' reminder and escalation consumers have committed all on the topics."""
    topics = {spec_for_model(type(event)).topic.name for event, _ in events}
    pairs = [
        (consumer_group("campusflow", consumer.name), topic)
        for consumer in REMINDER_CONSUMERS
        for topic in consumer.topics
        if topic in topics
    ]

    async def caught_up() -> bool:
        for group, topic in pairs:
            if not await group_caught_up(bootstrap, group, topic):
                return False
        return True

    await wait_until(caught_up, timeout_s=timeout_s, what=f"reminders to consume {sorted(topics)}")


def url_of(services: dict[str, str], path: str) -> str:
    return f"{services['notifications']}/api/notifications{path}"


async def my_reminders(
    client: httpx.AsyncClient, services: dict[str, str], college: str, person: str
) -> list[dict[str, Any]]:
    response = await client.get(
        url_of(services, "/me/reminders"),
        params={"limit": 200},
        headers=bearer(person, "student", college),
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def times(items: Sequence[dict[str, Any]], subject_id: str) -> list[datetime]:
    return sorted(
        datetime.fromisoformat(i["fire_at"]) for i in items if i["subject_id"] == subject_id
    )


async def notices_of_kind(
    client: httpx.AsyncClient, services: dict[str, str], college: str, person: str, kind: str
) -> list[dict[str, Any]]:
    found = await inbox(client, services["notifications"], college, person)
    return [n for n in found if n["kind"] == kind]


async def wait_notice(
    client: httpx.AsyncClient,
    services: dict[str, str],
    college: str,
    person: str,
    kind: str,
    *,
    timeout_s: float = 40,
) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        found[:] = await notices_of_kind(client, services, college, person, kind)
        return bool(found)

    await wait_until(arrived, timeout_s=timeout_s, what=f"{kind} for {person}", every_s=0.25)
    return found[0]


def ack_token(notice: dict[str, Any]) -> str:
    found = ACK_LINK.search(notice["body"])
    assert found, f"no acknowledgement link in {notice['body']!r}"
    return found.group(1)


async def put_directory(
    client: httpx.AsyncClient,
    services: dict[str, str],
    college: str,
    role: str,
    person: str,
    scopes: Sequence[str] = (),
) -> None:
    response = await client.put(
        url_of(services, f"/colleges/{college}/directory/{role}/{person}"),
        json={"name": f"{role} {person}"[:64], "scopes": list(scopes)},
        headers=admin(college),
    )
    assert response.status_code == 200, response.text


async def set_waits(
    client: httpx.AsyncClient,
    services: dict[str, str],
    college: str,
    chain: str,
    waits: Sequence[int],
) -> httpx.Response:
    return await client.put(
        url_of(services, f"/colleges/{college}/escalation-policies/{chain}"),
        json={"step_waits_s": list(waits)},
        headers=admin(college),
    )


async def chains_of(
    client: httpx.AsyncClient, services: dict[str, str], college: str
) -> list[dict[str, Any]]:
    response = await client.get(
        url_of(services, f"/colleges/{college}/escalations"),
        params={"limit": 200},
        headers=admin(college),
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def notifications_rows(dsn: str, sql: str, *args: object) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(dsn, server_settings={"search_path": "notifications"})
    try:
        return [dict(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


# --- a due-actions loop in its own process, on its own schema -----------------------------

_LOOP = """
import asyncio, sys
from shared.db.pool import create_pool
from shared.timers import run_due_actions
from services.notifications.due_actions import DUE_ACTIONS

async def main(dsn, schema):
    pool = await create_pool(dsn, schema=schema, max_size=4)
    stop = asyncio.Event()
    await run_due_actions(pool, stop, actions=DUE_ACTIONS, poll_s=0.2)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def start_timer_process(dsn: str, schema: str, log_path: str) -> subprocess.Popen[bytes]:
    """The notifications' durable-timer loop as a separate OS process (a replica)."""
    log = open(log_path, "ab")
    return subprocess.Popen(
        [sys.executable, "-c", _LOOP, dsn, schema],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no cleanup, as a crash."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


async def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        for _ in range(50):
            if process.poll() is not None:
                return
            await asyncio.sleep(0.1)
        kill_hard(process)
