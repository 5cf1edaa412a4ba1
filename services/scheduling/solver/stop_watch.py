"""Stopping a CP-SAT search from outside it: a thread polls a stop flag while the search
runs and, once the flag says so, asks the search to stop, again at every poll until the
search has returned.

CP-SAT honours a stop only while it searches: one asked too early (while the model is
loaded, or between phases) can be lost, and the maintainers' advice is to keep asking
until the solver exits (google/or-tools#3621). A flag that cannot be read (the
Manager carrying a solve job's cancel is gone), or a stop that raises, is logged once
and the watch goes on: a flag readable again still stops the search.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import structlog

log = structlog.get_logger(__name__)

STOP_POLL_S = 0.05


@contextmanager
def stop_when(
    should_stop: Callable[[], bool] | None,
    stop_search: Callable[[], None],
    *,
    name: str,
    every_s: float = STOP_POLL_S,
) -> Iterator[None]:
    """While the block runs, call `stop_search` at every poll at which `should_stop()`
    is true (no thread at all without a flag)."""
    if should_stop is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        failing = False
        while not done.wait(every_s):
            try:
                if should_stop():
                    stop_search()
            except Exception as error:  # said once; the watch goes on
                if not failing:
                    log.warning("the stop watch failed", watch=name, error=repr(error)[:300])
                    failing = True

    watcher = threading.Thread(target=watch, name=name, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
