"""The solve workers' pool is killed when the service stops (`solver.worker.kill_pool`):
its jobs are given back by then, and the interpreter's exit would otherwise wait for each
worker (one busy, or still importing the solvers, for seconds)."""

from __future__ import annotations

import os
import time

import pytest

from services.scheduling.solver.worker import kill_pool, start_pool
from tools.stack.processes import is_alive

pytestmark = pytest.mark.unit


def test_a_busy_worker_is_ended_at_once_and_the_pool_takes_nothing_more() -> None:
    executor = start_pool(1)
    try:
        worker = executor.submit(os.getpid).result(timeout=60)
        busy = executor.submit(time.sleep, 120)  # a worker that would not end by itself
        deadline = time.monotonic() + 30
        while not busy.running() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert busy.running()

        kill_pool(executor)

        deadline = time.monotonic() + 10
        while is_alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not is_alive(worker), "the busy worker outlived the pool"
        with pytest.raises(RuntimeError):
            executor.submit(os.getpid)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
