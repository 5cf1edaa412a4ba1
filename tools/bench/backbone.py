"""`campusflow bench backbone`: raw Kafka, the kernel's path end to end, and its latency.

1. Raw: aiokafka alone (see `tools.bench.raw`).
2. End to end: N events written through the outbox (one writer, transactions of
   100), relayed by the real `OutboxRelay`, consumed by the real subscriber
   (`subscribe` + `EventProcessor`, inbox dedupe) whose handler inserts one
   effect row. Rate = N / (first outbox write → last effect committed).
3. Latency: events written at a fixed rate, each in its own transaction at its
   scheduled time (open loop: a slow commit does not delay the next write);
   latency = effect commit − outbox commit, both on this process's
   time.perf_counter(). The relay polls an idle outbox every
   `relay_idle_sleep_s` (platform default 0.05 s), which bounds the latency
   from below; nothing is tuned for the benchmark.

Choices, and why:
- Everything runs in this one process and event loop (writer, relay,
  subscriber; raw producer and consumer alike), so both figures are "what one
  Python process gets" and their ratio compares like with like.
- Fresh role/schema per run (`bench_<run id>`, dropped at the end unless
  --keep-schema): the outbox, inbox and effects start empty every time.
- The real topic with a fresh consumer group whose offsets are committed at
  the topic's end before the subscriber starts: older demo/test messages are
  never read, so they cannot distort the figures (filtering by event id alone
  would still make the consumer read and dedupe the whole backlog). Messages
  others publish during the run are consumed but have no effect: the handler
  recognises bench events by their campaign id, `bench-<run id>-<phase>`.
- A warm-up phase (connections, prepared statements, group join) runs
  before anything is timed.
- Every wait is bounded; a timeout ends the run with BenchError.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from rich.console import Console

from shared.events import ApplicationSubmitted, encode
from shared.events.registry import RECRUITMENT_APPLICATIONS
from shared.messaging.outbox import append_to_outbox
from tools.bench.pipeline import (
    RELAY_SERVICE,
    EffectClock,
    Pipeline,
    drop_schema,
    provision_schema,
    running_pipeline,
    verify_effects,
)
from tools.bench.progress import Ticker, relayed_so_far, watch
from tools.bench.raw import BenchError, measure_raw, throwaway_topic
from tools.bench.report import BackboneFigures, LatencyFigures, per_second
from tools.stack import StackEndpoints

SOURCE = "/bench"


@dataclass(frozen=True)
class BackboneSettings:
    events: int = 50_000
    rate: float = 500.0
    latency_seconds: float = 10.0
    transaction_size: int = 100
    warmup_events: int = 1_000
    keep_schema: bool = False

    @property
    def latency_events(self) -> int:
        return max(1, round(self.rate * self.latency_seconds))

    def timeout_s(self, events: int) -> float:
        """Generous (a 2-core laptop at 100 events/s still finishes) but finite."""
        return 60.0 + events / 100


def applications(count: int, campaign: str) -> list[ApplicationSubmitted]:
    now = datetime.now(UTC)
    return [
        ApplicationSubmitted(
            college="cs",
            application_id=uuid4(),
            campaign_id=campaign,
            applicant_id=f"s{i:07d}",
            applicant_name="Alice Martin",
            submitted_at=now,
        )
        for i in range(count)
    ]


async def run_backbone(
    endpoints: StackEndpoints, settings: BackboneSettings, console: Console
) -> BackboneFigures:
    run_id = secrets.token_hex(4)
    topic = RECRUITMENT_APPLICATIONS
    clock = EffectClock(f"bench-{run_id}-")
    template = encode(
        applications(1, clock.campaign("raw"))[0], source=SOURCE, now=datetime.now(UTC)
    )

    console.rule(f"1. Raw Kafka: {settings.events:,} messages")
    raw_topic = f"campusflow.bench.raw-{run_id}"
    async with throwaway_topic(endpoints.kafka_bootstrap, raw_topic, topic.partitions):
        raw = await measure_raw(
            endpoints.kafka_bootstrap,
            topic=raw_topic,
            partitions=topic.partitions,
            template=template,
            events=settings.events,
            timeout_s=settings.timeout_s(settings.events),
            progress=Ticker(console, "consumed", settings.events),
        )
    console.print(
        f"raw: [bold]{raw.events_per_s:,.0f} events/s[/] ({raw.events:,} messages of "
        f"{raw.message_bytes} bytes in {raw.seconds:.2f} s; "
        f"produced in {raw.produce_seconds:.2f} s)"
    )

    schema = f"bench_{run_id}"
    dsn = await provision_schema(endpoints.postgres_admin_dsn, schema)
    try:
        async with running_pipeline(
            dsn=dsn,
            schema=schema,
            bootstrap=endpoints.kafka_bootstrap,
            topic=topic,
            run_id=run_id,
            clock=clock,
        ) as pipeline:
            console.print(
                f"pipeline: schema {schema}, topic {topic.name} ({topic.partitions} partitions), "
                f"group {pipeline.group}; relay batch {pipeline.relay_batch_size}, "
                f"relay idle poll {pipeline.relay_idle_sleep_s * 1000:.0f} ms, "
                f"consumer max_records {pipeline.consumer_max_records}"
            )
            console.rule(f"2. End to end: {settings.events:,} events")
            await _through_outbox(
                pipeline, clock, settings, console, phase="warmup", count=settings.warmup_events
            )
            console.log(f"warmed up with {settings.warmup_events:,} events")
            e2e_seconds = await _through_outbox(
                pipeline, clock, settings, console, phase="e2e", count=settings.events
            )
            e2e_rate = per_second(settings.events, e2e_seconds)
            console.print(
                f"end to end: [bold]{e2e_rate:,.0f} events/s[/] ({settings.events:,} events "
                f"in {e2e_seconds:.2f} s) = {e2e_rate / raw.events_per_s:.1%} of raw"
            )
            console.rule(
                f"3. Latency at {settings.rate:,.0f} events/s for {settings.latency_seconds:g} s"
            )
            latencies, offered_rate = await _at_fixed_rate(pipeline, clock, settings, console)
            latency = LatencyFigures.of(latencies)
            console.print(
                f"latency: p50 [bold]{latency.p50_ms:.1f} ms[/], p99 [bold]{latency.p99_ms:.1f} "
                f"ms[/], max {latency.max_ms:.1f} ms over {latency.samples:,} events "
                f"(offered {offered_rate:,.0f} events/s)"
            )
            expected = {
                "warmup": settings.warmup_events,
                "e2e": settings.events,
                "latency": settings.latency_events,
            }
            problems = await verify_effects(pipeline.consumer_pool, expected)
            for problem in problems:
                console.print(f"[bold red]verification:[/] {problem}")
            if not problems:
                console.print("verified: every event applied exactly once; the outbox is empty")
            verified = not problems
    finally:
        if settings.keep_schema:
            console.print(f"kept schema {schema} (DSN {dsn})")
        else:
            await drop_schema(endpoints.postgres_admin_dsn, schema)

    extra: dict[str, Any] = {
        "raw_seconds": round(raw.seconds, 3),
        "e2e_seconds": round(e2e_seconds, 3),
        "latency_events": settings.latency_events,
        "latency_offered_rate": round(offered_rate, 1),
        "message_bytes": raw.message_bytes,
        "outbox_transaction_size": settings.transaction_size,
        "relay_batch_size": pipeline.relay_batch_size,
        "relay_idle_sleep_s": pipeline.relay_idle_sleep_s,
        "consumer_max_records": pipeline.consumer_max_records,
        "verified": verified,
        "run_id": run_id,
    }
    return BackboneFigures(
        raw_events_per_s=raw.events_per_s,
        e2e_events_per_s=e2e_rate,
        latency=latency,
        events=settings.events,
        rate_target=settings.rate,
        extra=extra,
    )


async def _through_outbox(
    pipeline: Pipeline,
    clock: EffectClock,
    settings: BackboneSettings,
    console: Console,
    *,
    phase: str,
    count: int,
) -> float:
    """Write `count` events in transactions of `transaction_size`; seconds until all applied."""
    events = applications(count, clock.campaign(phase))
    size = settings.transaction_size
    written = 0

    async def write() -> None:
        nonlocal written
        for start in range(0, count, size):
            chunk = events[start : start + size]
            async with pipeline.writer_pool.acquire() as conn, conn.transaction():
                await append_to_outbox(conn, chunk, source=SOURCE, now=datetime.now(UTC))
            written += len(chunk)

    ticker = Ticker(console, f"{phase} effects", count)
    started = time.perf_counter()
    writer = asyncio.create_task(write(), name=f"bench-writer-{phase}")

    def tick() -> None:
        relayed = relayed_so_far(RELAY_SERVICE)
        ticker(clock.count(phase), f"(written {written:,}, relayed {relayed:,.0f} in total)")

    watching = asyncio.create_task(watch(tick))
    try:
        await clock.wait_for(phase, count, timeout_s=settings.timeout_s(count))
        await asyncio.wait_for(writer, timeout=10)  # it finished before the last effect
    finally:
        for task in (writer, watching):
            task.cancel()
        await asyncio.gather(writer, watching, return_exceptions=True)
    return clock.last_commit[phase] - started


async def _at_fixed_rate(
    pipeline: Pipeline, clock: EffectClock, settings: BackboneSettings, console: Console
) -> tuple[list[float], float]:
    """Latencies (ms) of events written one per transaction at `rate`; and the rate offered."""
    events = applications(settings.latency_events, clock.campaign("latency"))
    committed_at: dict[UUID, float] = {}

    async def write_one(event: ApplicationSubmitted) -> None:
        async with pipeline.writer_pool.acquire() as conn:
            async with conn.transaction():
                await append_to_outbox(conn, [event], source=SOURCE, now=datetime.now(UTC))
            committed_at[event.application_id] = time.perf_counter()

    ticker = Ticker(console, "latency", len(events))
    writes: list[asyncio.Task[None]] = []
    start = time.perf_counter() + 0.01
    try:
        for i, event in enumerate(events):
            delay = start + i / settings.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            writes.append(asyncio.create_task(write_one(event)))
            ticker(clock.count("latency"), f"(written {len(committed_at):,})")
        await asyncio.wait_for(asyncio.gather(*writes), timeout=60)
        timeout_s = settings.timeout_s(len(events))
        await clock.wait_for("latency", len(events), timeout_s=timeout_s)
    finally:
        for task in writes:
            task.cancel()
    first, last = min(committed_at.values()), max(committed_at.values())
    offered = per_second(len(events) - 1, last - first) if len(events) > 1 else settings.rate
    latencies = [
        (clock.committed[event.application_id] - committed_at[event.application_id]) * 1000
        for event in events
    ]
    return latencies, offered


__all__ = ["BackboneSettings", "BenchError", "run_backbone"]
