"""Supervised background loops: none of a service's long-running loops may die silently.

A service runs loops beside its HTTP API: the outbox relay, pruning, and the
durable timers. Each runs under a `LoopSupervisor`, which restarts it with backoff
whenever it raises (or returns while the service is still running), logs each crash
once with its traceback, and counts restarts in a metric. Loops also report how their
rounds go through their `LoopHealth`: a loop whose rounds keep failing (the database
is away) is still running, but after a configured time it counts as failing, and the
process's liveness probe says so, so an orchestrator can restart the pod.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import structlog
from prometheus_client import Counter, Gauge

log = structlog.get_logger(__name__)

LOOP_RUNNING = Gauge(
    "campusflow_loop_running", "1 while a supervised loop runs", ["service", "loop"]
)
LOOP_RESTARTS = Counter(
    "campusflow_loop_restarts_total",
    "Times a supervised loop crashed and was restarted",
    ["service", "loop"],
)

Loop = Callable[[asyncio.Event, "LoopHealth"], Awaitable[None]]


class NotReady(Exception):
    """A readiness or liveness check failed; the message is safe to show on the probe."""


@dataclass
class LoopHealth:
    """What a loop reports about itself, read by the probes.

    `running` is the supervisor's word (the loop's task is inside the loop); the loop
    says `succeeded()` after a good round and `failed(error)` after a bad one.
    """

    running: bool = False
    restarts: int = 0
    failing_since: float | None = None
    last_error: str | None = None

    def succeeded(self) -> None:
        self.failing_since = None

    def failed(self, error: BaseException) -> None:
        if self.failing_since is None:
            self.failing_since = time.monotonic()
        self.last_error = repr(error)[:300]

    def failing_for(self, now: float | None = None) -> float:
        if self.failing_since is None:
            return 0.0
        return (time.monotonic() if now is None else now) - self.failing_since


@dataclass(frozen=True)
class Backoff:
    """Restart delays: doubling from `first_s` up to `max_s`."""

    first_s: float = 0.2
    max_s: float = 10.0

    def delay(self, crashes: int) -> float:
        return float(min(self.max_s, self.first_s * 2 ** max(0, crashes - 1)))


@dataclass
class LoopSupervisor:
    service: str
    backoff: Backoff = field(default_factory=Backoff)
    # A loop that stays up this long after a restart is considered recovered.
    stable_after_s: float = 30.0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    health: dict[str, LoopHealth] = field(default_factory=dict)

    def supervise(self, name: str, loop: Loop) -> None:
        """Start `loop(stop, health)` as a task that is restarted until `stop()`."""
        if name in self._tasks:
            raise ValueError(f"a loop named {name!r} is already supervised")
        health = self.health[name] = LoopHealth()
        self._tasks[name] = asyncio.create_task(
            self._keep_running(name, loop, health), name=f"{self.service}-{name}"
        )

    async def _keep_running(self, name: str, loop: Loop, health: LoopHealth) -> None:
        running = LOOP_RUNNING.labels(self.service, name)
        crashes = 0
        while not self._stop.is_set():
            started = time.monotonic()
            health.running = True
            running.set(1)
            try:
                await loop(self._stop, health)
                if self._stop.is_set():
                    return
                raise RuntimeError(f"loop {name!r} returned while the service runs")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                health.running = False
                running.set(0)
                health.failed(error)
                health.restarts += 1
                LOOP_RESTARTS.labels(self.service, name).inc()
                crashes = 1 if time.monotonic() - started > self.stable_after_s else crashes + 1
                pause = self.backoff.delay(crashes)
                log.error(
                    "supervised loop crashed; restarting",
                    loop=name,
                    restart_in_s=round(pause, 2),
                    restarts=health.restarts,
                    exc_info=error,
                )
                await sleep_or_stop(self._stop, pause)
            finally:
                health.running = False
                running.set(0)

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Ask every loop to finish, wait for them, cancel the ones that do not."""
        self._stop.set()
        tasks = list(self._tasks.values())
        if not tasks:
            return
        done, pending = await asyncio.wait(tasks, timeout=timeout_s)
        for task in pending:
            log.warning("supervised loop did not stop in time; cancelling", task=task.get_name())
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.warning("supervised loop ended with an error", error=repr(task.exception()))

    async def check_running(self) -> None:
        """Readiness: every supervised loop is inside its loop right now."""
        down = sorted(name for name, health in self.health.items() if not health.running)
        if down:
            raise NotReady(f"not running: {', '.join(down)}")

    def failing_longer_than(self, limit_s: float) -> list[str]:
        """Liveness: the loops that have been failing (crashing, or failing every round)
        for longer than `limit_s`."""
        now = time.monotonic()
        return sorted(
            name for name, health in self.health.items() if health.failing_for(now) > limit_s
        )


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or less if `stop` is set meanwhile: how every loop pauses."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
