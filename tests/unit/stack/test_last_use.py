"""The test session stops a shared stack right after its last user (tests/support/last_use.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from tests.support.last_use import LastUse

pytestmark = pytest.mark.unit


@dataclass
class Item:
    nodeid: str
    fixturenames: tuple[str, ...]


@contextmanager
def resource(log: list[str], name: str) -> Iterator[str]:
    log.append(f"start {name}")
    yield name
    log.append(f"stop {name}")


def test_a_resource_stops_after_its_last_user_and_only_once() -> None:
    log: list[str] = []
    items = [Item("a", ("stack_of_its_own",)), Item("b", ("stack_of_its_own",)), Item("c", ())]
    last_use = LastUse()
    last_use.plan(items)  # type: ignore[arg-type]
    with last_use.closing("stack_of_its_own", resource(log, "own")) as value:
        assert value == "own"
        last_use.done(items[0])  # type: ignore[arg-type]
        assert log == ["start own"]  # b still needs it
        last_use.done(items[1])  # type: ignore[arg-type]
        assert log == ["start own", "stop own"]
        last_use.done(items[2])  # type: ignore[arg-type]
    assert log == ["start own", "stop own"]  # the fixture's own exit stops nothing twice


def test_a_run_stopped_before_the_last_user_stops_it_at_the_fixtures_exit() -> None:
    log: list[str] = []
    items = [Item("a", ("services",)), Item("b", ("services",))]
    last_use = LastUse()
    last_use.plan(items)  # type: ignore[arg-type]
    with last_use.closing("services", resource(log, "services")):
        last_use.done(items[0])  # type: ignore[arg-type]  # then -x stops the session
    assert log == ["start services", "stop services"]
