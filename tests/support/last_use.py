"""Session resources stopped right after the last collected test that uses them, not at
the end of the session.

A stack left idle still costs CPU (its services poll their timers and consumers, the broker
heartbeats): about a fifth of a core for a whole stack. The session's e2e tests come first
and the integration and unit tests after them, so the e2e services, and the stack of its own
that the chaos drills and the fuzz run share, would idle through the last two thirds of the
suite on a 2-core machine. `LAST_USE.closing(name, manager)` enters the manager for a
session fixture; `LAST_USE.done(item)` (tests/conftest.py, after each test's teardown)
leaves it once `item` was the last selected test whose fixtures include `name`. The
fixture's own exit leaves it otherwise (a run stopped early, `-x`), never twice.

Only for resources no other fixture still needs after their last user: a fixture that
depends on one is among that test's fixtures too, so it is done with by then.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TypeVar

import pytest

T = TypeVar("T")


class LastUse:
    def __init__(self) -> None:
        self._last: dict[str, str] = {}  # fixture name -> node id of its last user
        self._open: dict[str, ExitStack] = {}

    def plan(self, items: Sequence[pytest.Item]) -> None:
        """The selected tests, in the order they run."""
        self._last = {}
        for item in items:
            for name in getattr(item, "fixturenames", ()):
                self._last[name] = item.nodeid

    @contextmanager
    def closing(self, name: str, manager: AbstractContextManager[T]) -> Iterator[T]:
        resources = ExitStack()
        value = resources.enter_context(manager)
        self._open[name] = resources
        try:
            yield value
        finally:
            left = self._open.pop(name, None)
            if left is not None:
                left.close()

    def done(self, item: pytest.Item) -> None:
        for name, nodeid in self._last.items():
            if nodeid == item.nodeid and name in self._open:
                self._open.pop(name).close()


LAST_USE = LastUse()
