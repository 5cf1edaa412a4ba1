"""Which failures hold a partition (infrastructure) and which are the event's own."""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

import asyncpg
import pytest

from shared.messaging.failures import PermanentFailure, RetryableFailure, is_retryable
from shared.messaging.subscriptions import earliest_offsets
from shared.rules import TryAgain

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
    assert is_retryable(TryAgain("what the use case read changed under it"))


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


# Finding 2 of "Survive restarts": what asyncpg raises while the server goes away.
CLIENT_CONNECTION_STATES = [
    asyncpg.exceptions.InternalClientError(
        "cannot switch to state 15; another operation (2) is in progress"
    ),
    asyncpg.InterfaceError(
        "cannot call Connection.is_closed(): connection has been released back to the pool"
    ),
    asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
    asyncpg.InterfaceError("cannot perform operation: connection is closed"),
    asyncpg.InterfaceError("connection is closed"),
    asyncpg.InterfaceError("pool is closing"),
    asyncpg.exceptions.ConnectionDoesNotExistError(
        "connection was closed in the middle of operation"
    ),
    asyncpg.exceptions.CannotConnectNowError(
        "the database system is not yet accepting connections"
    ),
    ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed ('127.0.0.1', 5432)"),
    OSError(errno.EPIPE, "Broken pipe"),
]


@pytest.mark.parametrize("error", CLIENT_CONNECTION_STATES, ids=repr)
def test_a_connection_caught_mid_outage_is_retryable(error: BaseException) -> None:
    assert is_retryable(error)


async def test_a_real_released_connection_is_retryable() -> None:
    """The InterfaceError asyncpg really raises for a proxy it took back."""
    from asyncpg.pool import PoolConnectionProxy

    proxy = PoolConnectionProxy.__new__(PoolConnectionProxy)
    proxy._con = None
    with pytest.raises(asyncpg.InterfaceError) as raised:
        proxy.is_closed()
    assert is_retryable(raised.value)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.InterfaceError("cannot use Connection.transaction() in a manually started one"),
        asyncpg.InterfaceError("the server expects 2 arguments for this query, 1 was passed"),
        asyncpg.exceptions.DataError("invalid input for query argument $1"),
    ],
    ids=repr,
)
def test_client_errors_that_are_bugs_stay_permanent(error: BaseException) -> None:
    assert not is_retryable(error)


def test_redis_and_kafka_connection_errors_are_retryable() -> None:
    import aiokafka.errors
    import redis.exceptions

    assert is_retryable(redis.exceptions.ConnectionError("Error 111 connecting"))
    assert is_retryable(redis.exceptions.TimeoutError("Timeout reading from socket"))
    assert is_retryable(aiokafka.errors.KafkaConnectionError("Unable to bootstrap"))
