"""The test session stops a shared stack right after its last user (tests/support/last_use.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.support.last_use import LastUse

pytestmark = pytest.mark.unit


class Item:  # what the plan reads of a pytest item
    def __init__(self, nodeid: str, *fixturenames: str) -> None:
        self.nodeid = nodeid
        self.fixturenames = fixturenames


@contextmanager
def resource(log: list[str], name: str, *, fails: bool = False) -> Iterator[str]:
    log.append(f"start {name}")
    yield name
    log.append(f"stop {name}")
    if fails:
        raise RuntimeError(f"{name} did not stop")


def planned(items: list[Item]) -> LastUse:
    last_use = LastUse()
    last_use.plan(items)  # type: ignore[arg-type]
    return last_use


def done(last_use: LastUse, item: Item, **kwargs: Any) -> None:
    last_use.done(item, **kwargs)  # type: ignore[arg-type]


def test_a_resource_stops_after_its_last_user_and_only_once() -> None:
    log: list[str] = []
    items = [Item("m1.py::a", "own"), Item("m2.py::b", "own"), Item("m3.py::c")]
    last_use = planned(items)
    with last_use.closing("own", resource(log, "own")) as value:
        assert value == "own"
        done(last_use, items[0])
        assert log == ["start own"]  # b still needs it
        done(last_use, items[1])
        assert log == ["start own", "stop own"]
        done(last_use, items[2])
    assert log == ["start own", "stop own"]  # the fixture's own exit stops nothing twice


def test_it_stops_only_when_the_last_users_module_is_left() -> None:
    # The module's fixtures (which may use it) are torn down when its last test is.
    log: list[str] = []
    items = [Item("m1.py::a", "own"), Item("m1.py::b"), Item("m1.py::c"), Item("m2.py::d")]
    last_use = planned(items)
    with last_use.closing("own", resource(log, "own")):
        done(last_use, items[0])
        done(last_use, items[1])
        assert log == ["start own"]
        done(last_use, items[2])
        assert log == ["start own", "stop own"]


def test_a_test_selected_twice_keeps_it_until_its_second_run() -> None:
    log: list[str] = []
    first, second = Item("m1.py::a", "own"), Item("m1.py::a", "own")
    last_use = planned([first, second])
    with last_use.closing("own", resource(log, "own")):
        done(last_use, first)
        assert log == ["start own"]
        done(last_use, second)
        assert log == ["start own", "stop own"]


def test_a_run_stopped_before_the_last_user_stops_it_at_the_fixtures_exit() -> None:
    log: list[str] = []
    items = [Item("m1.py::a", "services"), Item("m2.py::b", "services")]
    last_use = planned(items)
    with last_use.closing("services", resource(log, "services")):
        done(last_use, items[0])  # then -x stops the session
    assert log == ["start services", "stop services"]


def test_a_failure_to_stop_is_raised_with_the_tests_own_teardown_error() -> None:
    log: list[str] = []
    items = [Item("m1.py::a", "own", "services")]
    last_use = planned(items)
    with (
        last_use.closing("own", resource(log, "own", fails=True)),
        last_use.closing("services", resource(log, "services")),
    ):
        own_error = ValueError("the test's fixture failed to tear down")
        with pytest.raises(BaseExceptionGroup) as raised:
            done(last_use, items[0], teardown_error=own_error)
    assert raised.value.exceptions[0] is own_error
    assert [str(e) for e in raised.value.exceptions[1:]] == ["own did not stop"]
    assert "stop services" in log  # the other resource was still stopped
