"""The watcher that stops a CP-SAT search from outside it (solver/stop_watch.py): it asks
again until the search has ended (a stop asked outside the search is lost), and a flag
that cannot be read for a while does not end the watch."""

from __future__ import annotations

import threading
import time

from services.scheduling.solver.stop_watch import stop_when

# Generous: the watcher polls every 0.05 s.
ENDS_WITHIN_S = 5.0


class Search:
    """A search that ignores the first `lost` stops asked of it (as CP-SAT does before
    its search has begun) and ends at the next one."""

    def __init__(self, lost: int) -> None:
        self.lost = lost
        self.asked = 0
        self.first_asked_at: float | None = None
        self.ended = threading.Event()

    def stop_search(self) -> None:
        if self.first_asked_at is None:
            self.first_asked_at = time.monotonic()
        self.asked += 1
        if self.asked > self.lost:
            self.ended.set()

    def run(self) -> float:
        started = time.monotonic()
        self.ended.wait(ENDS_WITHIN_S)
        return time.monotonic() - started


def test_a_stop_the_search_lost_is_asked_again_until_it_ends() -> None:
    search = Search(lost=3)
    with stop_when(lambda: True, search.stop_search, name="test-watch"):
        took = search.run()
    assert search.ended.is_set()
    assert search.asked >= 4
    assert took < ENDS_WITHIN_S


def test_nothing_is_stopped_until_the_flag_says_so() -> None:
    search = Search(lost=0)
    raised_at = time.monotonic() + 0.3
    with stop_when(lambda: time.monotonic() >= raised_at, search.stop_search, name="test-watch"):
        search.run()
    assert search.ended.is_set()
    assert search.first_asked_at is not None and search.first_asked_at >= raised_at


def test_a_flag_unreadable_for_a_while_is_polled_on() -> None:
    search = Search(lost=0)
    reads = 0

    def flag() -> bool:
        nonlocal reads
        reads += 1
        if reads <= 3:
            raise ConnectionResetError("the Manager is away")
        return True

    with stop_when(flag, search.stop_search, name="test-watch"):
        search.run()
    assert search.ended.is_set()
    assert reads > 3


def test_a_stop_that_raises_once_is_asked_again() -> None:
    search = Search(lost=0)
    failed = False

    def stop_search() -> None:
        nonlocal failed
        if not failed:
            failed = True
            raise RuntimeError("not now")
        search.stop_search()

    with stop_when(lambda: True, stop_search, name="test-watch"):
        search.run()
    assert failed and search.ended.is_set()


def test_the_watch_ends_with_the_block_and_without_a_flag_there_is_none() -> None:
    before = {thread.name for thread in threading.enumerate()}
    with stop_when(None, lambda: None, name="test-no-watch"):
        assert "test-no-watch" not in {thread.name for thread in threading.enumerate()}
    with stop_when(lambda: False, lambda: None, name="test-watch-ends"):
        assert "test-watch-ends" in {thread.name for thread in threading.enumerate()}
    assert {thread.name for thread in threading.enumerate()} <= before
