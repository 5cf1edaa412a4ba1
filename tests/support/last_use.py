"""Session resources stopped right after the last collected test that uses them, not at
the end of the session.

A stack left idle still costs CPU (its services poll their timers and consumers, the broker
heartbeats): about a fifth of a core for a whole stack. The session's e2e tests come first
and the integration and unit tests after them, so the e2e services, and the stack of its own
that the chaos drills and the fuzz run share, would idle through the last two thirds of the
suite on a 2-core machine. `LAST_USE.closing(name, manager)` enters the manager for a
session fixture; `LAST_USE.done(item)` (tests/conftest.py, after each test's teardown)
leaves it after the last selected test of the module holding its last user: by then
pytest has torn down that module's (and its classes') fixtures, which may use it. The
fixture's own exit leaves it otherwise (a run stopped early, `-x`), never twice.

Only for resources no session fixture still needs after their last user: a fixture that
depends on one is among that test's fixtures too, so it is done with by then.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TypeVar

import pytest

T = TypeVar("T")


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


class LastUse:
    def __init__(self) -> None:
        # fixture name -> the test after whose teardown it stops (the same object: a test
        # id may be selected twice)
        self._until: dict[str, pytest.Item] = {}
        self._open: dict[str, ExitStack] = {}

    def plan(self, items: Sequence[pytest.Item]) -> None:
        """The selected tests, in the order they run."""
        last: dict[str, int] = {}
        for index, item in enumerate(items):
            for name in getattr(item, "fixturenames", ()):
                last[name] = index
        self._until = {}
        for name, index in last.items():
            # On to the last test of that module: its module- and class-scoped fixtures,
            # torn down when the module is left, may still use the resource.
            while index + 1 < len(items) and _module(items[index + 1]) == _module(items[index]):
                index += 1
            self._until[name] = items[index]

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

    def done(self, item: pytest.Item, *, teardown_error: BaseException | None = None) -> None:
        """Stop what `item` was the last to need: every one of them, whatever fails. A
        failure to stop is raised together with the test's own teardown error, if any."""
        errors: list[Exception] = []
        for name, until in self._until.items():
            if until is item and name in self._open:
                try:
                    self._open.pop(name).close()
                except Exception as error:
                    errors.append(error)
        if errors and teardown_error is not None:
            raise BaseExceptionGroup(
                "teardown failed, and so did stopping", [teardown_error, *errors]
            )
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise ExceptionGroup("stopping shared resources failed", errors)


LAST_USE = LastUse()
