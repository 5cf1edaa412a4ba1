"""Stopping a CP-SAT search from outside it: a thread polls a stop flag while the search
runs and, once the flag says so, asks the search to stop, again at every poll until the
search has returned.

CP-SAT honours a stop only while it searches: one asked too early (while the model is
loaded, or between phases) can be lost, and the maintainers' advice is to keep asking
until the solver exits (google/or-tools#3621). A flag that cannot be read (the
Manager carrying a solve job's cancel is gone) is logged once and polled on: the search
then runs to its time limit, as it would without a flag.
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
        unreadable = False
        while not done.wait(every_s):
            try:
                asked = should_stop()
            except Exception as error:
                if not unreadable:
                    log.warning("the stop flag is unreadable", watch=name, error=repr(error)[:300])
                    unreadable = True
                continue
            if asked:
                stop_search()

    watcher = threading.Thread(target=watch, name=name, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
