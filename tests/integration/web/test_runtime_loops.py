"""A service's own background loops (ServiceDefinition.background_loops) run under the
runtime's supervisor beside the kernel's: made from the started pool and settings,
counted by readiness, restarted when they crash, stopped with the service."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import asyncpg
import pytest

from shared.config import ServiceSettings
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.supervisor import Backoff, Loop, LoopHealth, NotReady
from tests.support.kernel import MIGRATIONS, SCHEMA
from tests.unit.web.support import make_settings
from tools.stack import StackEndpoints

pytestmark = pytest.mark.integration


@dataclass
class Probe:
    """A background loop that says what it was made with and how often it ran."""

    made_with: list[tuple[asyncpg.Pool, ServiceSettings]] = field(default_factory=list)
    runs: int = 0
    crash_first: bool = False
    running: asyncio.Event = field(default_factory=asyncio.Event)
    stopped: asyncio.Event = field(default_factory=asyncio.Event)

    def factory(self, pool: asyncpg.Pool, settings: ServiceSettings) -> Loop:
        self.made_with.append((pool, settings))
        return self.loop

    async def loop(self, stop: asyncio.Event, health: LoopHealth) -> None:
        self.runs += 1
        if self.crash_first and self.runs == 1:
            raise RuntimeError("the first run crashes")
        await self.made_with[-1][0].fetchval("SELECT 1")  # the pool it was given works
        health.succeeded()
        self.running.set()
        await stop.wait()
        self.stopped.set()


def runtime(kernel_dsn: str, stack: StackEndpoints, **loops: Probe) -> ServiceRuntime:
    definition = ServiceDefinition(
        name=SCHEMA,
        settings_type=ServiceSettings,
        migrations=MIGRATIONS,
        background_loops={name: probe.factory for name, probe in loops.items()},
    )
    settings = make_settings(
        database_url=kernel_dsn,
        kafka_bootstrap=stack.kafka_bootstrap,
        redis_url=stack.redis_url,
    )
    return ServiceRuntime(definition, settings)


async def test_a_background_loop_runs_with_the_service_and_stops_with_it(
    kernel_dsn: str, stack: StackEndpoints
) -> None:
    probe = Probe()
    service = runtime(kernel_dsn, stack, probe=probe)
    await service.start()
    try:
        await asyncio.wait_for(probe.running.wait(), timeout=10)
        [(pool, settings)] = probe.made_with
        assert pool is service.pool and settings is service.settings
        assert service.loops is not None and "probe" in service.loops.health
        await service.check_loops()  # readiness counts it, and it is running
    finally:
        await service.stop()
    assert probe.stopped.is_set()
    assert probe.runs == 1


async def test_a_crashing_background_loop_is_restarted_and_not_ready_meanwhile(
    kernel_dsn: str, stack: StackEndpoints
) -> None:
    probe = Probe(crash_first=True)
    service = runtime(kernel_dsn, stack, probe=probe)
    await service.start()
    assert service.loops is not None
    service.loops.backoff = Backoff(first_s=1.0, max_s=1.0)
    try:
        await asyncio.sleep(0.2)  # crashed, waiting for its restart
        with pytest.raises(NotReady, match="probe"):
            await service.check_loops()
        await asyncio.wait_for(probe.running.wait(), timeout=10)
        assert probe.runs == 2
        assert service.loops.health["probe"].restarts == 1
        await service.check_loops()
    finally:
        await service.stop()


async def test_a_background_loop_may_not_take_a_kernel_loop_s_name(
    kernel_dsn: str, stack: StackEndpoints
) -> None:
    service = runtime(kernel_dsn, stack, **{"outbox-relay": Probe()})
    try:
        with pytest.raises(ValueError, match="outbox-relay"):
            await service.start()
    finally:
        await service.stop()
