"""Which failures hold a partition (infrastructure) and which are the event's own."""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

import asyncpg
import pytest

from shared.messaging.failures import PermanentFailure, RetryableFailure, is_retryable
from shared.messaging.subscriptions import earliest_offsets

pytestmark = pytest.mark.unit


def postgres_error(sqlstate: str) -> asyncpg.PostgresError:
    error_class = asyncpg.PostgresError.get_message_class_for_sqlstate(sqlstate)
    return error_class(f"sqlstate {sqlstate}")


@pytest.mark.parametrize(
    "sqlstate",
    [
        "08006",
        "40001",
        "40P01",
        "53100",
        "53200",
        "53300",
        "57014",
        "57P01",
        "58030",
        "55P03",
        "25006",
    ],
)
def test_a_database_that_is_down_full_or_busy_is_worth_waiting_for(sqlstate: str) -> None:
    assert is_retryable(postgres_error(sqlstate))


@pytest.mark.parametrize("sqlstate", ["42P01", "23505", "22P02", "42703", "23503"])
def test_a_statement_that_is_wrong_is_the_events_own_failure(sqlstate: str) -> None:
    assert not is_retryable(postgres_error(sqlstate))


def test_lost_connections_are_retryable() -> None:
    assert is_retryable(ConnectionRefusedError(errno.ECONNREFUSED, "refused"))
    assert is_retryable(ConnectionResetError())
    assert is_retryable(socket.gaierror())
    assert is_retryable(TimeoutError())
    assert is_retryable(asyncpg.exceptions.ConnectionDoesNotExistError("gone"))
    assert is_retryable(RetryableFailure("wait"))


def test_bugs_are_not_retryable() -> None:
    assert not is_retryable(asyncpg.InterfaceError("the server expects 3 arguments, 2 were passed"))
    assert not is_retryable(FileNotFoundError("template.txt"))  # an OSError with no errno
    assert not is_retryable(KeyError("x"))
    assert not is_retryable(PermanentFailure("team of 2"))


@dataclass
class Record:
    topic: str
    partition: int
    offset: int


def test_a_batch_across_partitions_rewinds_every_partition_to_its_first_record() -> None:
    batch = [Record("t", 0, 7), Record("t", 3, 40), Record("t", 0, 5), Record("t", 3, 41)]
    rewind = {(tp.topic, tp.partition): offset for tp, offset in earliest_offsets(batch).items()}
    assert rewind == {("t", 0): 5, ("t", 3): 40}
