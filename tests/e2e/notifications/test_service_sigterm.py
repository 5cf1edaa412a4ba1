"""A real notifications service process (`python -m services.notifications`) stopped with
SIGTERM while its dispatcher sends: nothing is sent twice, nothing is left half-done.

SIGTERM goes the service's whole shutdown path: uvicorn's shutdown, the lifespan,
ServiceRuntime.stop, LoopSupervisor.stop (10 s) and the dispatch loop's stop event. The
dispatcher then starts no further send, gives the round's unstarted deliveries back
(queued, attempt unopened) and lets the sends under way finish and be recorded.

The process has a database of its own (its `notifications` schema, migrated), so the
session's notifications service never shares its deliveries; the stack's Kafka and Redis;
its own consumer groups, committed at the end of their topics first (a fresh group starts
at the earliest event: it would handle again every event the session's tests published,
into its database, and publish the outcomes on the session's topics). Its email goes to
a slow SMTP server here, which holds each message DATA_DELAY_S before its 250.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.notifications.channels.email import DELIVERY_HEADER
from services.notifications.service.dispatch import SEND_CONCURRENCY
from shared.config import service_environment
from shared.db.migrations import apply_migrations
from shared.db.pool import close_pool, create_pool
from tests.e2e.notifications.core_support import MIGRATIONS, rows
from tests.e2e.notifications.receipts_support import consume_from_now, own_database
from tests.support.figures import record
from tools.bench.notifications_phases import PER_EVENT, add_people, offer
from tools.stack import StackEndpoints, free_port, start_service_process
from tools.stack.processes import tail

pytestmark = pytest.mark.e2e

EVENTS = 4
DELIVERIES = EVENTS * PER_EVENT  # one email each
# Long enough that a dispatcher ignoring the stop would still be sending when the loop
# supervisor gives up on it (10 s: three waves of SEND_CONCURRENCY (16) sends take 12 s),
# so it leaves a delivery unrecorded; one honouring the stop waits only for the sends
# under way.
DATA_DELAY_S = 4.0
START_TIMEOUT_S = 120.0  # a loaded 2-core machine: imports, migrations, Kafka's group join
EXIT_TIMEOUT_S = 20.0
SENT_TIMEOUT_S = 120.0


class SlowSmtp:
    """An SMTP handler that records each message's delivery id as its data arrives (a copy
    the server holds), then holds the message `delay_s` before answering 250."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self._arrived: list[str] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        with self._lock:
            self._arrived.append(str(BytesHeaderParser().parsebytes(data)[DELIVERY_HEADER]))
        await asyncio.sleep(self.delay_s)
        return "250 Message accepted for delivery"

    def arrived(self) -> list[str]:
        with self._lock:
            return list(self._arrived)


@asynccontextmanager
async def migrated_pool(dsn: str) -> AsyncIterator[asyncpg.Pool]:
    """The service's migrations applied to its `notifications` schema (as it would at
    start: the deliveries are queued before it runs); a pool on the schema."""
    conn = await asyncpg.connect(dsn)
    try:
        await apply_migrations(conn, schema="notifications", folder=MIGRATIONS)
    finally:
        await conn.close()
    pool = await create_pool(dsn, schema="notifications", max_size=4)
    try:
        yield pool
    finally:
        await close_pool(pool)


async def poll(
    condition: Callable[[], Awaitable[bool]],
    *,
    timeout_s: float,
    what: str,
    log: Path | None = None,
) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        if time.monotonic() > deadline:
            said = f"\n{tail(log)}" if log else ""
            pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}{said}")
        await asyncio.sleep(0.1)


@asynccontextmanager
async def running(env: dict[str, str], log: Path) -> AsyncIterator[subprocess.Popen[bytes]]:
    """The service process once /readyz answers 200; killed on the way out if it still
    runs (a test that failed before stopping it)."""
    process = start_service_process("notifications", env, log)
    try:
        url = f"http://127.0.0.1:{env['NOTIFICATIONS_HTTP_PORT']}/readyz"
        async with httpx.AsyncClient(timeout=2.0) as client:

            async def ready() -> bool:
                if process.poll() is not None:
                    pytest.fail(f"the service exited with {process.returncode}:\n{tail(log)}")
                try:
                    return (await client.get(url)).status_code == 200
                except httpx.HTTPError:
                    return False

            await poll(ready, timeout_s=START_TIMEOUT_S, what=url, log=log)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


async def terminated(process: subprocess.Popen[bytes], log: Path) -> int:
    """SIGTERM; the exit code once the process ended by itself (a failure when it has not
    after EXIT_TIMEOUT_S)."""
    process.send_signal(signal.SIGTERM)
    signalled = time.monotonic()

    async def ended() -> bool:
        return process.poll() is not None

    await poll(ended, timeout_s=EXIT_TIMEOUT_S, what="the service to stop", log=log)
    took = time.monotonic() - signalled
    record("notifications SIGTERM", f"{log.stem} run: s from SIGTERM to exit", round(took, 2))
    return int(process.returncode)


def stopped_gracefully(code: int, log: Path) -> bool:
    """Ended after its whole shutdown: exit 0 (shared/runtime.run), the lifespan's end
    logged, no loop cancelled."""
    said = log.read_text(errors="replace")
    return (
        code == 0 and "Application shutdown complete" in said and "did not stop in time" not in said
    )


async def email_states(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    return await rows(
        pool,
        "SELECT d.delivery_id::text AS id, d.status, d.attempts, d.claimed_by,"
        " (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.delivery_id)"
        " AS opened FROM deliveries d WHERE d.channel = 'email'",
    )


async def test_sigterm_mid_send_sends_nothing_twice(
    stack: StackEndpoints, service_dsns: dict[str, str], tmp_path: Path
) -> None:
    smtp = SlowSmtp(DATA_DELAY_S)
    server = Controller(smtp, hostname="127.0.0.1", port=free_port(), ready_timeout=30)
    server.start()
    try:
        async with (
            own_database(stack.postgres_admin_dsn, service_dsns["notifications"]) as dsn,
            migrated_pool(dsn) as pool,
        ):
            people = [f"sigterm-{uuid4().hex[:8]}" for _ in range(DELIVERIES)]
            await add_people(pool, people)
            for index in range(EVENTS):
                await offer(pool, people, index)
            queued = {state["id"] for state in await email_states(pool)}
            assert len(queued) == DELIVERIES

            prefix = f"sigterm-{uuid4().hex[:8]}"
            await consume_from_now(stack.kafka_bootstrap, prefix)
            env = service_environment(
                "notifications",
                database_url=dsn,
                kafka_bootstrap=stack.kafka_bootstrap,
                redis_url=stack.redis_url,
                http_port=free_port(),
                environment="test",
            )
            env |= {
                "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
                "NOTIFICATIONS_SMTP_PORT": str(server.port),
                "NOTIFICATIONS_CONSUMER_GROUP_PREFIX": prefix,
            }

            # First run: SIGTERM while all its send slots wait for the slow server.
            first_log = tmp_path / "first.log"
            async with running(env, first_log) as first:

                async def slots_busy() -> bool:
                    return len(smtp.arrived()) >= SEND_CONCURRENCY

                await poll(
                    slots_busy, timeout_s=SENT_TIMEOUT_S, what="the first sends", log=first_log
                )
                code = await terminated(first, first_log)

            states = await email_states(pool)
            half_done = [s for s in states if s["status"] not in ("sent", "queued")]
            assert not half_done, f"left unrecorded: {half_done}\n{tail(first_log)}"
            sent = {s["id"] for s in states if s["status"] == "sent"}
            given_back = [s for s in states if s["status"] == "queued"]
            assert {(s["attempts"], s["opened"]) for s in states if s["id"] in sent} <= {(1, 1)}
            assert all(
                s["attempts"] == s["opened"] == 0 and s["claimed_by"] is None for s in given_back
            ), given_back
            assert sent == set(smtp.arrived())  # what the server holds was recorded, no more
            assert given_back, "the stop came after every send: nothing was given back"
            assert stopped_gracefully(code, first_log), f"exit {code}:\n{tail(first_log)}"

            # Second run (same settings): it sends exactly what was given back.
            second_log = tmp_path / "second.log"
            async with running(env, second_log) as second:

                async def all_sent() -> bool:
                    return {s["status"] for s in await email_states(pool)} == {"sent"}

                await poll(
                    all_sent, timeout_s=SENT_TIMEOUT_S, what="every delivery sent", log=second_log
                )
                code = await terminated(second, second_log)
            assert stopped_gracefully(code, second_log), f"exit {code}:\n{tail(second_log)}"

            copies = Counter(smtp.arrived())
            assert copies == dict.fromkeys(queued, 1), copies
            assert {(s["attempts"], s["opened"]) for s in await email_states(pool)} == {(1, 1)}
    finally:
        server.stop()
