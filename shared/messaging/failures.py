"""How a consumer tells a failure worth retrying from one that never will succeed.

Retryable means "the infrastructure, not the event": a lost connection, or a
database that says it is unavailable, overloaded, in recovery or read-only
(SQLSTATE classes 08, 40, 53, 57, 58 and 55P03, 25006), or a client connection
caught in a state it cannot leave while the server goes away (asyncpg's
InterfaceError and InternalClientError). Everything else is the
event's own failure. The consumer double-checks a retryable verdict against a
health probe of the database before it holds a partition (see consumer.py).
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import aiokafka.errors
import asyncpg
import redis.exceptions

from shared.rules import TryAgain

T = TypeVar("T")


class RetryableFailure(Exception):
    """Infrastructure is briefly unavailable; the same event will succeed later."""


class PermanentFailure(Exception):
    """The event breaks a rule or cannot be applied; retrying changes nothing."""


class RetriesExhausted(Exception):
    """Retries ran out for a retryable failure: give the batch back to the broker."""


# connection (08), transaction rollback: serialization/deadlock (40), insufficient
# resources: disk full, out of memory, too many connections (53), operator
# intervention: shutdown, cannot connect now (57), system I/O error (58).
_RETRYABLE_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})
# lock not available (a NOWAIT lock), read-only transaction (a demoted primary).
_RETRYABLE_SQLSTATES = frozenset({"55P03", "25006"})
_CONNECTION_LOST: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, aborted
    socket.gaierror,
    TimeoutError,  # connect or pool acquire timed out
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.PostgresConnectionError,
    redis.exceptions.ConnectionError,  # Redis's own classes, not OSErrors
    redis.exceptions.TimeoutError,
    aiokafka.errors.KafkaConnectionError,
)


# The client's own connection states while the server goes away: asyncpg reports them
# as InterfaceError (a connection the pool already took back after the server ended it,
# a closed connection, an operation caught mid-flight) or InternalClientError ("cannot
# switch to state 15; another operation (2) is in progress"). Other InterfaceErrors are
# the caller's bugs ("the server expects 3 arguments for this query"): not retryable.
_CONNECTION_STATE_PHRASES = (
    "connection has been released back to the pool",
    "connection is closed",
    "another operation is in progress",
    "another operation is cancelling",
    "pool is closing",
)


def _lost_connection_state(error: BaseException) -> bool:
    if isinstance(error, asyncpg.exceptions.InternalClientError):
        return True
    if isinstance(error, asyncpg.exceptions.InterfaceError):
        text = str(error)
        return any(phrase in text for phrase in _CONNECTION_STATE_PHRASES)
    return False


def is_retryable(error: BaseException) -> bool:
    if isinstance(error, (RetryableFailure, TryAgain, *_CONNECTION_LOST)):
        return True
    if _lost_connection_state(error):
        return True
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(error, asyncpg.PostgresError) and isinstance(sqlstate, str):
        return sqlstate[:2] in _RETRYABLE_SQLSTATE_CLASSES or sqlstate in _RETRYABLE_SQLSTATES
    if isinstance(error, OSError) and error.errno is not None:
        return True  # a socket-level failure under asyncpg or aiokafka
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter.

    `deadline_s` stays well below the consumer's max_poll_interval, so a retry
    loop never gets the consumer thrown out of its group mid-batch.
    """

    attempts: int = 8
    first_delay_s: float = 0.1
    max_delay_s: float = 3.0
    deadline_s: float = 30.0

    def delay(self, attempt: int) -> float:
        base: float = min(self.max_delay_s, self.first_delay_s * 2**attempt)
        return base * (0.5 + random.random() / 2)

    async def run(self, action: Callable[[], Awaitable[T]]) -> T:
        """Run `action`, retrying retryable failures; other errors propagate at once."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        for attempt in range(self.attempts):
            try:
                return await action()
            except Exception as error:
                if not is_retryable(error):
                    raise
                last = error
                pause = self.delay(attempt)
                if attempt + 1 == self.attempts or loop.time() + pause - started > self.deadline_s:
                    break
                await asyncio.sleep(pause)
        raise RetriesExhausted(f"gave up after retrying: {last!r}") from last
