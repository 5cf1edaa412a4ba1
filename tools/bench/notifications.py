"""`campusflow bench notifications`: the notifications service's figures (issue 10,
"Benchmarks"), on the local stack's PostgreSQL and Redis, in a scratch schema with the
service's migrations (dropped afterwards), with a local SMTP sink and the service's own
dispatcher and durable-timer loop as worker processes (tools/bench/notifications_phases.py
says what each phase measures). The last line is one JSON object; its headline keys are
`KEYS`, and `goals_met` says which goal each figure met (a miss is reported, never an
error).
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
from rich.console import Console

import services.notifications
from shared.db.pool import close_pool, create_pool
from shared.db.provision import provision_schema
from tools.bench import notifications_phases as phases
from tools.bench.pipeline import drop_schema
from tools.stack import StackEndpoints

MIGRATIONS = Path(services.notifications.__file__).parent / "migrations"
CRASH_CLAIM_S = 5.0  # how long a SIGKILLed dispatcher's claims hold before a restart takes them


@dataclass(frozen=True)
class NotificationsBench:
    quick: bool


@dataclass(frozen=True)
class Size:
    people: int
    events: int  # of PER_EVENT recipients each
    events_per_s: float
    crash_messages: int
    reminders: int
    reminder_window_s: float


# Offered faster than the throughput goal (200 messages a second): messages offered at
# exactly the goal's rate could never show the goal met (the last email is recorded after
# the last offer, so messages / elapsed stays just under the offered rate); offered above
# it, the figure is what the one worker sustains, up to 250 a second.
OFFERED_EVENTS_PER_S = 25.0

FULL = Size(
    people=2_000,
    events=1_200,
    events_per_s=OFFERED_EVENTS_PER_S,
    crash_messages=2_000,
    reminders=10_000,
    reminder_window_s=120.0,
)
QUICK = Size(
    people=200,
    events=60,
    events_per_s=OFFERED_EVENTS_PER_S,
    crash_messages=200,
    reminders=300,
    reminder_window_s=10.0,
)

KEYS = (
    "notifications_per_s",
    "inapp_p95_ms",
    "reminders_on_time_ratio",
    "duplicates_after_restart",
)
GOALS: dict[str, tuple[float, str]] = {
    "notifications_per_s": (200.0, ">="),
    "inapp_p95_ms": (5_000.0, "<"),
    "reminders_on_time_ratio": (0.995, ">="),
    "duplicates_after_restart": (0.0, "<="),
}


def goals_met(figures: dict[str, Any]) -> dict[str, bool]:
    met = {}
    for key, (threshold, how) in GOALS.items():
        value = figures.get(key)
        if value is None:
            met[key] = False
        elif how == ">=":
            met[key] = value >= threshold
        elif how == "<":
            met[key] = value < threshold
        else:
            met[key] = value <= threshold
    return met


async def run_notifications(
    endpoints: StackEndpoints, settings: NotificationsBench, console: Console
) -> dict[str, Any]:
    """Every figure of the run, the issue's headline keys first."""
    size = QUICK if settings.quick else FULL

    def progress(line: str) -> None:
        console.log(line, markup=False, highlight=False)

    figures: dict[str, Any] = {}
    figures.update(await _in_scratch(endpoints, "throughput", progress, size, _throughput))
    figures.update(await _in_scratch(endpoints, "restart", progress, size, _restart))
    figures.update(await _in_scratch(endpoints, "crash", progress, size, _crash))
    figures.update(await _in_scratch(endpoints, "reminders", progress, size, _reminders))
    headline = {key: figures.pop(key) for key in KEYS}
    return {**headline, **figures, "quick": settings.quick, "goals_met": goals_met(headline)}


async def _in_scratch(
    endpoints: StackEndpoints, phase: str, progress: phases.Progress, size: Size, run: Any
) -> dict[str, Any]:
    schema = f"bench_notif_{uuid4().hex[:8]}"
    folder = Path(tempfile.mkdtemp(prefix=f"bench-notifications-{phase}-"))
    progress(f"{phase}: scratch schema {schema}, sink and worker logs in {folder}")
    dsn = await provision_schema(endpoints.postgres_admin_dsn, schema, migrations=MIGRATIONS)
    pool = await create_pool(dsn, schema=schema, max_size=HANDLERS_POOL)
    try:
        scratch = Scratch(pool, dsn, schema, endpoints.redis_url, folder, size, progress)
        result: dict[str, Any] = await run(scratch)
        return result
    finally:
        await close_pool(pool)
        await drop_schema(endpoints.postgres_admin_dsn, schema)
        shutil.rmtree(folder, ignore_errors=True)


HANDLERS_POOL = phases.HANDLERS + 4


@dataclass(frozen=True)
class Scratch:
    """One phase's scratch schema and where its sink and workers keep their files."""

    pool: asyncpg.Pool
    dsn: str
    schema: str
    redis_url: str
    folder: Path
    size: Size
    progress: phases.Progress

    def dispatcher(self, port: int, name: str) -> Any:
        args = ["dispatch", self.dsn, self.schema, self.redis_url, str(port), str(CRASH_CLAIM_S)]
        return phases.start_worker(args, self.folder / f"{name}.log")


async def _throughput(run: Scratch) -> dict[str, Any]:
    pool, folder, size, progress = run.pool, run.folder, run.size, run.progress
    people = [f"bench-p{i}" for i in range(size.people)]
    await phases.add_people(pool, people)
    sink, port = phases.start_sink(folder / "mail", folder / "sink.log")
    worker = run.dispatcher(port, "dispatcher")
    try:
        messages = size.events * phases.PER_EVENT
        progress(
            f"throughput: {size.events:,} events x {phases.PER_EVENT} people offered at "
            f"{size.events_per_s * phases.PER_EVENT:,.0f} messages/s; one dispatcher"
        )
        started, latencies = await phases.offer_at_rate(
            pool, people, size.events, size.events_per_s, progress
        )
        finished = await phases.wait_emails(pool, messages, 600, progress, "throughput")
    finally:
        phases.kill(worker)
        phases.kill(sink)
    notices = int(await pool.fetchval("SELECT count(*) FROM notices"))
    emails, _ = await phases.email_counts(pool)
    copies = phases.sink_copies(folder / "mail")
    elapsed = finished - started
    progress(f"throughput: {emails:,} emails and {notices:,} notices in {elapsed:.1f} s")
    return {
        "notifications_per_s": round(min(emails, notices) / elapsed, 1),
        "inapp_p95_ms": round(phases.percentile(latencies, 0.95), 1),
        "inapp_p50_ms": round(phases.percentile(latencies, 0.50), 1),
        "throughput_messages": messages,
        "throughput_offered_per_s": size.events_per_s * phases.PER_EVENT,
        "throughput_emails_at_sink": sum(len(ids) for ids in copies.values()),
        "throughput_seconds": round(elapsed, 2),
    }


# How the dispatcher is stopped mid-run: SIGTERM is a restart (`kill`, a rolling update, a
# scale-down: the service's shutdown), SIGKILL a crash. Each phase's figures carry its name.
STOPS = {"restart": signal.SIGTERM, "crash": signal.SIGKILL}


async def _restart(run: Scratch) -> dict[str, Any]:
    figures = await _stopped_and_started(run, "restart")
    return {"duplicates_after_restart": figures.pop("restart_duplicates"), **figures}


async def _crash(run: Scratch) -> dict[str, Any]:
    figures = await _stopped_and_started(run, "crash")
    return {"duplicates_after_crash": figures.pop("crash_duplicates"), **figures}


async def _stopped_and_started(run: Scratch, how: str) -> dict[str, Any]:
    """A backlog of emails; the dispatcher stopped (`STOPS[how]`) once a third is sent and
    started again; then every event handled again (a redelivery). Duplicates: extra
    copies at the sink, notices beyond one per message, and every notice or delivery the
    redelivery added."""
    pool, folder, size, progress = run.pool, run.folder, run.size, run.progress
    people = [f"bench-p{i}" for i in range(size.people)]
    await phases.add_people(pool, people)
    event_ids = [uuid4() for _ in range(size.crash_messages // phases.PER_EVENT)]
    for index, event_id in enumerate(event_ids):
        await phases.offer(pool, people, index, event_id)
    messages = len(event_ids) * phases.PER_EVENT
    progress(f"{how}: {messages:,} emails queued; one dispatcher, {STOPS[how].name} at a third")
    sink, port = phases.start_sink(folder / "mail", folder / "sink.log")
    try:
        worker = run.dispatcher(port, f"{how}-dispatcher-1")
        try:
            await phases.wait_emails(pool, messages // 3, 300, progress, f"{how} (before)")
        finally:
            exit_code = phases.kill(worker, STOPS[how], grace_s=30.0)
        in_flight = int(
            await pool.fetchval("SELECT count(*) FROM deliveries WHERE status = 'sending'")
        )
        sent_at_stop, _ = await phases.email_counts(pool)
        progress(
            f"{how}: stopped (exit {exit_code}) with {sent_at_stop:,} sent, "
            f"{in_flight} claimed (not recorded)"
        )
        restarted = run.dispatcher(port, f"{how}-dispatcher-2")
        try:
            await phases.wait_emails(pool, messages, 300, progress, f"{how} (after)")
            before = await _rows_told(pool)
            for index, event_id in enumerate(event_ids):
                await phases.offer(pool, people, index, event_id)
            redelivered = await _rows_told(pool) - before
            progress(f"{how}: every event handled again: {redelivered} new notices or deliveries")
            await asyncio.sleep(1.0)  # a late second copy would show by now
        finally:
            phases.kill(restarted)
    finally:
        phases.kill(sink)
    copies = phases.sink_copies(folder / "mail")
    at_sink = sum(len(ids) - 1 for ids in copies.values())
    # SMTP cannot dedupe: each extra copy carries its delivery's one Message-ID, so a
    # receiver that dedupes by Message-ID shows one; these count what it would still see.
    after_message_id = sum(len(set(ids)) - 1 for ids in copies.values())
    in_inbox = await phases.inbox_duplicates(pool)
    missing = messages - len(copies)
    progress(
        f"{how}: sink holds {sum(len(i) for i in copies.values()):,} copies of "
        f"{len(copies):,} deliveries ({at_sink} extra copies, {after_message_id} with a "
        f"Message-ID of their own, {missing} missing); inbox duplicates {in_inbox}"
    )
    return {
        f"{how}_duplicates": at_sink + in_inbox + redelivered,
        f"{how}_duplicates_at_sink": at_sink,
        f"{how}_duplicates_in_inbox": in_inbox,
        f"{how}_duplicates_after_message_id_dedupe": after_message_id,
        f"{how}_claimed_at_stop": in_flight,
        f"{how}_exit_code": exit_code,
        f"{how}_redelivery_new_rows": redelivered,
        f"{how}_emails_missing": missing,
        f"{how}_messages": messages,
    }


async def _rows_told(pool: asyncpg.Pool) -> int:
    """Notices and deliveries: a handled-again event that told anyone anew adds some."""
    return int(
        await pool.fetchval(
            "SELECT (SELECT count(*) FROM notices) + (SELECT count(*) FROM deliveries)"
        )
    )


async def _reminders(run: Scratch) -> dict[str, Any]:
    pool, folder, size, progress = run.pool, run.folder, run.size, run.progress
    # Scheduling takes a while (about 2 ms a reminder on a loaded machine); the first
    # reminder falls due once it surely ended.
    lead_in = 5.0 + size.reminders * 0.004
    first_due = datetime.now(UTC) + timedelta(seconds=lead_in)
    timers = phases.start_worker(["timers", run.dsn, run.schema], folder / "timers.log")
    try:
        await phases.schedule_reminders(
            pool, size.reminders, first_due, size.reminder_window_s, progress
        )
        late_start = (datetime.now(UTC) - first_due).total_seconds()
        progress(
            f"reminders: {size.reminders:,} scheduled, due over {size.reminder_window_s:.0f} s "
            f"from {first_due:%H:%M:%S} UTC"
            + (f" ({late_start:.0f} s after scheduling ended)" if late_start > 0 else "")
        )
        end = first_due + timedelta(seconds=size.reminder_window_s) + phases.ON_TIME
        while datetime.now(UTC) < end + timedelta(seconds=30):
            timings = await phases.reminder_timings(pool)
            fired = sum(1 for t in timings if t["fired_at"] is not None)
            progress(f"reminders: {fired:,}/{size.reminders:,} fired")
            if fired >= size.reminders:
                break
            await asyncio.sleep(2.0)
    finally:
        phases.kill(timers)
    timings = await phases.reminder_timings(pool)
    offsets = [
        abs((t["fired_at"] - t["due_at"]).total_seconds())
        for t in timings
        if t["fired_at"] is not None
    ]
    on_time = sum(1 for o in offsets if o <= phases.ON_TIME.total_seconds())
    notices = int(await pool.fetchval("SELECT count(*) FROM notices WHERE kind = 'shift_reminder'"))
    return {
        "reminders_on_time_ratio": round(on_time / size.reminders, 4),
        "reminders": size.reminders,
        "reminders_fired": len(offsets),
        "reminders_notices": notices,
        "reminders_lateness_p95_s": round(phases.percentile(offsets, 0.95), 2),
        "reminders_lateness_max_s": round(max(offsets, default=0.0), 2),
    }
