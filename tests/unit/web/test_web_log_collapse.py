"""Kafka client noise during a broker restart: one warning per interval, with a count
(issue "Survive restarts", finding 4: about 6,000 aiokafka lines in 30 s)."""

from __future__ import annotations

import logging

import pytest

from shared.logs import CollapseRepeats

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def record(name: str, msg: str, *args: object, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_repeated_connection_errors_collapse_to_one_warning_per_interval() -> None:
    clock = Clock()
    collapse = CollapseRepeats(interval_s=10, clock=clock)
    passed = []
    for attempt in range(6000):  # 30 s of a broker restart, 200 lines a second
        clock.now = 1000.0 + attempt * 0.005
        line = record(
            "aiokafka.conn", "Unable connect to node with id %s: %s", 1, f"[Errno {attempt}]"
        )
        if collapse.filter(line):
            passed.append(line)
    assert len(passed) == 3  # at 0 s, 10 s and 20 s
    assert all(line.levelno == logging.WARNING for line in passed)
    assert "more like it held back" not in passed[0].getMessage()
    assert passed[1].getMessage().endswith("(1999 more like it held back)")
    assert passed[1].getMessage().startswith("Unable connect to node with id 1: [Errno 2000]")


def test_each_kind_of_message_has_its_own_window_and_tracebacks_become_one_line() -> None:
    clock = Clock()
    collapse = CollapseRepeats(interval_s=10, clock=clock)
    try:
        raise ConnectionRefusedError(111, "Connect call failed 100%")
    except ConnectionRefusedError as error:
        failure = error
    first = record("aiokafka.client", "Unable to update metadata from %s", "node-1")
    first.exc_info = (type(failure), failure, failure.__traceback__)
    other = record("aiokafka.consumer.group_coordinator", "Error sending JoinGroup")
    assert collapse.filter(first) and collapse.filter(other)
    assert first.exc_info is None
    assert first.getMessage() == (
        "Unable to update metadata from node-1 "
        "[ConnectionRefusedError(111, 'Connect call failed 100%')]"
    )
    assert not collapse.filter(record("aiokafka.client", "Unable to update metadata from %s", "n"))


def test_our_own_lines_and_library_info_lines_are_left_alone() -> None:
    collapse = CollapseRepeats(interval_s=10, clock=Clock())
    for _ in range(5):
        ours = record("campusflow.relay", "outbox relay round failed")
        assert collapse.filter(ours) and ours.levelno == logging.ERROR
        assert collapse.filter(record("aiokafka.consumer", "joined group", level=logging.INFO))
