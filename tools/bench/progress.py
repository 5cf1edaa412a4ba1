"""Progress lines while a phase runs: at most one every few seconds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from prometheus_client import REGISTRY
from rich.console import Console

PROGRESS_EVERY_S = 2.0


class Ticker:
    """Prints progress at most every PROGRESS_EVERY_S seconds."""

    def __init__(self, console: Console, label: str, total: int) -> None:
        self._console, self._label, self._total = console, label, total
        self._last = time.perf_counter()

    def __call__(self, done: int, note: str = "") -> None:
        now = time.perf_counter()
        if now - self._last >= PROGRESS_EVERY_S:
            self._last = now
            self._console.log(f"{self._label}: {done:,} / {self._total:,} {note}".rstrip())


def relayed_so_far(service: str) -> float:
    """The outbox rows the service's relay has published so far (its Prometheus counter)."""
    sample = REGISTRY.get_sample_value("campusflow_outbox_relayed_total", {"service": service})
    return sample or 0.0


async def watch(tick: Callable[[], None], every_s: float = 0.5) -> None:
    while True:
        await asyncio.sleep(every_s)
        tick()
