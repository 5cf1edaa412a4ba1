"""One service process: HTTP API + event consumers + outbox relay, started and stopped together."""

from __future__ import annotations

import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import redis.asyncio as aioredis
import structlog
import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request
from faststream.kafka import KafkaBroker

from shared.config import ServiceSettings
from shared.db.migrations import apply_migrations
from shared.db.pool import close_pool, create_pool
from shared.logs import configure_logging
from shared.messaging.broker import make_broker, make_producer
from shared.messaging.consumer import EventConsumer, EventProcessor
from shared.messaging.dead_letters import DeadLetterPublisher
from shared.messaging.relay import OutboxRelay, prune_periodically
from shared.messaging.subscriptions import idle_subscribers, subscribe, subscriber_watch
from shared.supervisor import Loop, LoopSupervisor, NotReady
from shared.timers import DueActionHandler, run_due_actions
from shared.web.app import create_app
from shared.web.dependencies import pool_of
from shared.web.idempotency_store import prune_expired
from shared.web.limits import OversizeField

log = structlog.get_logger(__name__)

__all__ = [
    "LoopFactory",
    "ServiceDefinition",
    "ServiceRuntime",
    "build_app",
    "pool_of",
    "run",
    "runtime_of",
]

# A service's own background loop, made once the runtime has started: handed the
# service's pool and settings, it returns the loop the supervisor runs (and restarts).
LoopFactory = Callable[[asyncpg.Pool, ServiceSettings], Loop]


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    settings_type: type[ServiceSettings]
    migrations: Path
    routers: Sequence[APIRouter] = ()
    consumers: Sequence[EventConsumer] = ()
    # Durable timers: kind -> handler, fired by the supervised "due-actions" loop.
    due_actions: Mapping[str, DueActionHandler] | None = None
    # The service's own supervised loops (e.g. solve jobs): name -> factory.
    background_loops: Mapping[str, LoopFactory] | None = None
    # Routes whose one large field (an upload) a body over max_body_bytes names.
    oversize_fields: Callable[[ServiceSettings], Sequence[OversizeField]] | None = None


@dataclass
class ServiceRuntime:
    definition: ServiceDefinition
    settings: ServiceSettings
    pool: asyncpg.Pool | None = None
    redis: aioredis.Redis | None = None
    producer: AIOKafkaProducer | None = None
    loops: LoopSupervisor | None = None
    _broker: KafkaBroker | None = None

    async def start(self) -> None:
        name = self.definition.name
        self.pool = await create_pool(self.settings.database_url, schema=name, max_size=10)
        async with self.pool.acquire() as conn:
            applied = await apply_migrations(conn, schema=name, folder=self.definition.migrations)
        if applied:
            log.info("migrations applied", migrations=applied)
        self.redis = aioredis.from_url(self.settings.redis_url)
        self.producer = make_producer(self.settings.kafka_bootstrap, client_id=f"{name}-producer")
        await self.producer.start()
        if self.definition.consumers:
            broker = make_broker(self.settings.kafka_bootstrap, client_id=f"{name}-consumer")
            dead_letters = DeadLetterPublisher(self.producer)
            for consumer in self.definition.consumers:
                processor = EventProcessor(consumer, self.pool, dead_letters)
                subscribe(
                    broker,
                    processor,
                    group_prefix=self.settings.consumer_group_prefix,
                    max_records=self.settings.consumer_max_records,
                )
            await broker.start()
            self._broker = broker
        relay = OutboxRelay(
            service=name,
            pool=self.pool,
            producer=self.producer,
            batch_size=self.settings.relay_batch_size,
            idle_sleep_s=self.settings.relay_idle_sleep_s,
        )
        pool = self.pool
        self.loops = LoopSupervisor(name)
        self.loops.supervise("outbox-relay", relay.run)
        self.loops.supervise(
            "outbox-pruning",
            lambda stop, health: prune_periodically(pool, stop, health, also=(prune_expired,)),
        )
        if self.definition.due_actions:
            actions = self.definition.due_actions
            self.loops.supervise(
                "due-actions",
                lambda stop, health: run_due_actions(pool, stop, health, actions=actions),
            )
        if self._broker is not None:
            self.loops.supervise("consumers", subscriber_watch(self._broker, service=name))
        for loop_name, make_loop in (self.definition.background_loops or {}).items():
            self.loops.supervise(loop_name, make_loop(pool, self.settings))

    async def stop(self) -> None:
        """Stop everything that started, each step on its own: one that fails or hangs
        (Kafka unreachable during a deploy) must not leave the others running."""
        if self.loops is not None:
            await _step("background loops", self.loops.stop())
        if self._broker is not None:
            await _step("consumers", self._broker.stop())
        if self.producer is not None:
            await _step("producer", self.producer.stop())
        if self.redis is not None:
            await _step("redis", self.redis.aclose())
        if self.pool is not None:
            await _step("database pool", close_pool(self.pool))

    # Readiness: the database and the broker answer (Redis too: it backs rate limits).
    async def check_database(self) -> None:
        assert self.pool is not None
        await self.pool.fetchval("SELECT 1")

    async def check_broker(self) -> None:
        assert self.producer is not None
        await self.producer.client.fetch_all_metadata()

    async def check_redis(self) -> None:
        assert self.redis is not None
        await self.redis.ping()

    async def check_loops(self) -> None:
        """Every supervised loop is running (not waiting to be restarted after a crash)."""
        if self.loops is None:
            raise NotReady("not started")
        await self.loops.check_running()

    async def check_consumers(self) -> None:
        """Every subscriber is started and its consume task is alive."""
        if self._broker is None:
            return
        down = idle_subscribers(self._broker)
        if down:
            raise NotReady(f"not consuming: {', '.join(down)}")

    def failing_loops(self) -> list[str]:
        """Liveness: loops failing longer than the configured limit."""
        if self.loops is None:
            return []
        return self.loops.failing_longer_than(self.settings.loop_failing_limit_s)


async def _step(what: str, stopping: Awaitable[object]) -> None:
    try:
        await stopping
    except Exception as error:
        log.warning("shutdown step failed", step=what, error=repr(error)[:300])


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def build_app(definition: ServiceDefinition, settings: ServiceSettings) -> FastAPI:
    runtime = ServiceRuntime(definition, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await runtime.start()
        except BaseException:
            await runtime.stop()  # unwind what did start (pool, producer) before failing
            raise
        try:
            yield
        finally:
            await runtime.stop()

    app = create_app(
        service=definition.name,
        settings=settings,
        readiness_checks={
            "database": runtime.check_database,
            "broker": runtime.check_broker,
            "redis": runtime.check_redis,
            "loops": runtime.check_loops,
            "consumers": runtime.check_consumers,
        },
        liveness_check=runtime.failing_loops,
        lifespan=lifespan,
        routers=definition.routers,
        oversize_fields=definition.oversize_fields(settings) if definition.oversize_fields else (),
    )
    app.state.runtime = runtime
    return app


def run(definition: ServiceDefinition) -> None:
    """Entry point of `python -m services.<name>`: fails fast on bad settings."""
    settings = definition.settings_type()
    configure_logging(definition.name, settings.log_level)
    app = build_app(definition, settings)
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again to this
    # handler: a stop that went well exits 0 (not 143, which reads as killed).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
