"""The subscriber watch counts FastStream's restarts of a consume task and reports a
subscriber with no live task to the probes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from shared.messaging.subscriptions import subscriber_watch
from shared.supervisor import LOOP_RESTARTS, LoopHealth

pytestmark = pytest.mark.unit


@dataclass
class FakeSubscriber:
    group_id: str
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    running: bool = True


@dataclass
class FakeBroker:
    subscribers: list[FakeSubscriber]


async def test_restarts_are_counted_and_a_dead_subscriber_fails_the_rounds() -> None:
    forever = asyncio.Event()
    subscriber = FakeSubscriber("campusflow.unit-watch")
    subscriber.tasks.append(asyncio.create_task(forever.wait()))
    watch = subscriber_watch(FakeBroker([subscriber]), service="unit", every_s=0.01)  # type: ignore[arg-type]
    stop, health = asyncio.Event(), LoopHealth()
    watching = asyncio.create_task(watch(stop, health))
    restarts = LOOP_RESTARTS.labels("unit", "consumer:campusflow.unit-watch")
    await asyncio.sleep(0.05)
    assert health.failing_since is None and restarts._value.get() == 0

    # The consume task dies; FastStream adds a new one: one restart, still consuming.
    subscriber.tasks[0].cancel()
    subscriber.tasks.append(asyncio.create_task(forever.wait()))
    await asyncio.sleep(0.05)
    assert restarts._value.get() == 1
    assert health.failing_since is None

    # No live task at all: every round fails until one is back.
    subscriber.tasks[1].cancel()
    await asyncio.sleep(0.05)
    assert health.failing_since is not None
    assert "consumer:campusflow.unit-watch" in (health.last_error or "")
    subscriber.tasks.append(asyncio.create_task(forever.wait()))
    await asyncio.sleep(0.05)
    assert health.failing_since is None

    stop.set()
    await asyncio.wait_for(watching, timeout=5)
    forever.set()
