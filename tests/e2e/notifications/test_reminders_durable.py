"""Reminders are durable timers: they survive a crash of the process that fires them
(killed with SIGKILL mid-run, the rest fire after a restart) and two replicas firing
side by side send each reminder once. The timer loop runs as separate OS processes on a
schema of its own, so the session's notifications process does not take part."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.notifications.domain.reminders import SubjectKind
from services.notifications.service.reminders import add_person
from tests.e2e.notifications.core_support import own_schema, schema_of
from tests.e2e.notifications.remesc_support import H, kill_hard, start_timer_process, stop
from tests.support.kafka import wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

N = 60


async def test_reminders_fire_once_across_a_crash_and_two_replicas(
    stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    dsn = service_dsns["notifications"]
    logs = Path(tempfile.mkdtemp(prefix="remesc-timers-"))
    async with own_schema(stack.postgres_admin_dsn, dsn) as pool:
        schema = schema_of(pool)

        async def remind(index: int, fire_in_s: float) -> None:
            now = datetime.now(UTC)
            starts = now + H + timedelta(seconds=fire_in_s)
            async with pool.acquire() as conn, conn.transaction():
                await add_person(
                    conn,
                    college="cs",
                    subject_kind=SubjectKind.SHIFT,
                    subject_id=f"shift-{index}",
                    person_id=f"durable-{index}",
                    starts_at=starts,
                    fields={"post": "门岗", "place": "东门", "starts_at": starts},
                    now=now,
                    leads=(H,),
                )

        async def sent() -> int:
            return int(await pool.fetchval("SELECT count(*) FROM reminders WHERE status = 'sent'"))

        first = start_timer_process(dsn, schema, str(logs / "first.log"))
        try:
            # A canary tells when the loop runs (a process takes a while to start).
            await remind(N, 0.5)

            async def running() -> bool:
                return await sent() == 1

            await wait_until(running, timeout_s=60, what="the timer loop to run")
            for i in range(N):  # T-1 h of each shift falls between 2 s and 14 s from now
                await remind(i, 2 + i * 0.2)

            async def some() -> bool:
                return await sent() >= 11  # the canary and ten more

            await wait_until(some, timeout_s=30, what="the first reminders")
        finally:
            kill_hard(first)
        killed_at = datetime.now(UTC)
        crashed_with = await sent()
        assert 11 <= crashed_with < N + 1, crashed_with
        await asyncio.sleep(1)

        replicas = [
            start_timer_process(dsn, schema, str(logs / f"replica-{n}.log")) for n in range(2)
        ]
        try:

            async def all_sent() -> bool:
                return await sent() == N + 1

            await wait_until(all_sent, timeout_s=60, what="every reminder after the restart")
            await asyncio.sleep(1.5)  # a second firing would show by now
        finally:
            for replica in replicas:
                await stop(replica)

        messages = await pool.fetch(
            "SELECT recipient_id, count(*) AS n FROM messages WHERE kind = 'shift_reminder'"
            " GROUP BY recipient_id"
        )
        assert len(messages) == N + 1 and {m["n"] for m in messages} == {1}
        notices = await pool.fetchval("SELECT count(*) FROM notices WHERE kind = 'shift_reminder'")
        assert notices == N + 1
        timers = await pool.fetch(
            "SELECT r.subject_id, d.fired_at, d.due_at, d.last_error FROM due_actions d"
            " JOIN reminders r ON r.reminder_id::text = d.key"
            " WHERE d.kind = 'notifications.reminder'"
        )
        assert len(timers) == N + 1
        assert all(t["fired_at"] is not None and t["last_error"] is None for t in timers)
        # Never early; on time (the loop polls every 0.2 s) while a loop was running;
        # those due during the outage fired once the replicas were up.
        assert all(t["fired_at"] >= t["due_at"] for t in timers)
        before_crash = [
            t["fired_at"] - t["due_at"]
            for t in timers
            if t["fired_at"] < killed_at and t["subject_id"] != f"shift-{N}"  # not the canary
        ]
        assert len(before_crash) >= 10
        assert max(before_crash) < timedelta(seconds=3)
