"""The notifications bench's phases on a scratch schema of the local stack's
PostgreSQL (with its Redis), each with worker processes of tools/bench/notifications_worker.py
and a local SMTP sink process (tools/doubles/smtp.py):

- `throughput`: events offered at a steady rate, each for ten people with an email
  address; each event handled like the routing consumer does (notify() in a transaction:
  PREFS' plan, TEMPLATES' wording, the in-app notice written, the email queued); ONE
  dispatcher process sends the emails to the sink. In-app latency: from the moment an
  event is offered to the commit of its notices (queueing included when handling falls
  behind). Throughput: messages with both their notice and their email sent, per second,
  from the first offer to the last email recorded.
- `restart` and `crash`: a backlog of emails, the dispatcher stopped once a third is sent
  and started again: `restart` stops it with SIGTERM (what `kill`, a rolling update or a
  scale-down sends: the service's shutdown), `crash` with SIGKILL (a crash, a lost
  machine). Then every event is handled again (a redelivery: same event ids). The
  sink's copies are counted per delivery id (the X-Campusflow-Delivery-Id header), the
  inbox's notices per message.
- `reminders`: reminders of shifts scheduled through the service's own reminder code
  (durable timers), due spread over a window; the service's timer loop fires them
  through notify(); on time = fired within ±60 s of due.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from services.notifications.domain.reminders import SubjectKind
from services.notifications.service.messages import notify
from services.notifications.service.reminders import add_person
from tools.stack.doubles import wait_double_ready
from tools.stack.processes import REPO_ROOT, free_port, process_record

Progress = Callable[[str], None]
COLLEGE = "bench"
PER_EVENT = 10
HANDLERS = 4  # events handled side by side, as partitions of a topic would be
ON_TIME = timedelta(seconds=60)
DELIVERY_HEADER = b"X-Campusflow-Delivery-Id:"


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_sink(directory: Path, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "tools.doubles.smtp",
        "--port",
        str(port),
        "--dir",
        str(directory),
    ]
    proc = _spawn(argv, log)
    wait_double_ready("smtp", process_record(proc, port=port, log=str(log)), 30.0)
    return proc, port


def start_worker(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    return _spawn([sys.executable, "-m", "tools.bench.notifications_worker", *args], log)


def _spawn(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as handle:
        return subprocess.Popen(
            argv, stdout=handle, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env={**os.environ}
        )


def kill(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL, grace_s: float = 10.0) -> int:
    """Send `sig`; SIGKILL if it has not ended within `grace_s`. Its exit code (negative:
    the signal that ended it)."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    return proc.returncode


async def add_people(pool: asyncpg.Pool, people: list[str]) -> None:
    """Everyone reachable by email (so the default plan is in-app + email)."""
    await pool.executemany(
        "INSERT INTO contact_points (college, person_id, channel, address)"
        " VALUES ($1, $2, 'email', $3) ON CONFLICT DO NOTHING",
        [(COLLEGE, person, f"{person}@bench.campusflow.local") for person in people],
    )


async def offer(
    pool: asyncpg.Pool, people: list[str], index: int, event_id: UUID | None = None
) -> None:
    """One event, handled as the routing consumer handles one: notify() in a transaction
    (handled again when `event_id` was handled before: a redelivery)."""
    recipients = [people[(index * PER_EVENT + k) % len(people)] for k in range(PER_EVENT)]
    now = datetime.now(UTC)
    starts = now + timedelta(days=1)
    async with pool.acquire() as conn, conn.transaction():
        await notify(
            conn,
            college=COLLEGE,
            event_id=event_id or uuid4(),
            kind="shift_assigned",
            recipient_ids=recipients,
            fields={
                "post": "白班",
                "place": "校团委办公室 A203",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=4),
            },
            subject_id=f"shift-{index}",
            now=now,
        )


async def offer_at_rate(
    pool: asyncpg.Pool, people: list[str], events: int, rate_per_s: float, progress: Progress
) -> tuple[float, list[float]]:
    """Offer `events` at `rate_per_s` events a second; (first offer time, latencies in ms)."""
    started = time.perf_counter()
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    latencies: list[float] = []

    async def handler() -> None:
        while (item := await queue.get()) is not None:
            index, offered = item
            await offer(pool, people, index)
            latencies.append((time.perf_counter() - offered) * 1000)

    workers = [asyncio.create_task(handler()) for _ in range(HANDLERS)]
    next_report = started + 2
    for index in range(events):
        due = started + index / rate_per_s
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        queue.put_nowait((index, due))
        if time.perf_counter() >= next_report:
            next_report += 2
            progress(f"throughput: {index:,}/{events:,} events offered, {len(latencies):,} handled")
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return started, latencies


async def email_counts(pool: asyncpg.Pool) -> tuple[int, int]:
    """(emails sent or delivered, emails not finished yet)."""
    row = await pool.fetchrow(
        "SELECT count(*) FILTER (WHERE status IN ('sent', 'delivered')) AS done,"
        " count(*) FILTER (WHERE status IN ('queued', 'sending')) AS open"
        " FROM deliveries WHERE channel = 'email'"
    )
    assert row is not None
    return int(row["done"]), int(row["open"])


async def wait_emails(
    pool: asyncpg.Pool, expected: int, timeout_s: float, progress: Progress, label: str
) -> float:
    """Until `expected` emails are sent (or nothing is open any more); the time it happened."""
    deadline = time.perf_counter() + timeout_s
    next_report = time.perf_counter() + 2
    while True:
        done, still = await email_counts(pool)
        if done >= expected or (still == 0 and done > 0):
            return time.perf_counter()
        if time.perf_counter() >= deadline:
            raise RuntimeError(
                f"{label}: only {done:,}/{expected:,} emails sent in {timeout_s:.0f}s"
            )
        if time.perf_counter() >= next_report:
            next_report += 2
            progress(f"{label}: {done:,}/{expected:,} emails sent")
        await asyncio.sleep(0.1)


def _header(data: bytes, name: bytes) -> str:
    start = data.find(name)
    if start < 0:
        return ""
    start += len(name)
    end = data.find(b"\n", start)
    return data[start : end if end >= 0 else len(data)].strip().decode()


def sink_copies(directory: Path) -> dict[str, list[str]]:
    """Delivery id -> the Message-ID of each copy the sink stored."""
    copies: dict[str, list[str]] = {}
    for path in directory.glob("*.eml"):
        data = path.read_bytes()
        key = _header(data, DELIVERY_HEADER)
        if key:
            copies.setdefault(key, []).append(_header(data, b"\nMessage-ID:"))
    return copies


async def inbox_duplicates(pool: asyncpg.Pool) -> int:
    """Notices beyond the first per (person, kind, subject): a message told twice."""
    found = await pool.fetchval(
        "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM notices"
        " GROUP BY recipient_id, kind, subject_id, message_id) AS per_message"
    )
    return int(found)


async def schedule_reminders(
    pool: asyncpg.Pool, count: int, first_due: datetime, window_s: float, progress: Progress
) -> None:
    """`count` shift reminders (T-1 h) due from `first_due` over `window_s`, through the
    service's reminder code (each a durable timer), 100 to a transaction."""
    lead = timedelta(hours=1)
    now = datetime.now(UTC)
    for start in range(0, count, 100):
        async with pool.acquire() as conn, conn.transaction():
            for index in range(start, min(count, start + 100)):
                due = first_due + timedelta(seconds=window_s * index / count)
                starts = due + lead
                await add_person(
                    conn,
                    college=COLLEGE,
                    subject_kind=SubjectKind.SHIFT,
                    subject_id=f"bench-shift-{index}",
                    person_id=f"bench-r{index}",
                    starts_at=starts,
                    fields={"post": "白班", "place": "东门", "starts_at": starts},
                    now=now,
                    leads=(lead,),
                )
        if start % 2000 == 0:
            progress(f"reminders: {start:,}/{count:,} scheduled")


async def reminder_timings(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in await pool.fetch(
            "SELECT due_at, fired_at FROM due_actions WHERE kind = 'notifications.reminder'"
        )
    ]
