"""How a consumer tells a failure worth retrying from one that never will succeed."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from shared.db.pool import RETRYABLE_DB_ERRORS

T = TypeVar("T")


class RetryableFailure(Exception):
    """Infrastructure is briefly unavailable; the same event will succeed later."""


class PermanentFailure(Exception):
    """The event breaks a rule or cannot be applied; retrying changes nothing."""


class RetriesExhausted(Exception):
    """Retries ran out for a retryable failure: give the batch back to the broker."""


RETRYABLE: tuple[type[BaseException], ...] = (RetryableFailure, *RETRYABLE_DB_ERRORS)


def is_retryable(error: BaseException) -> bool:
    return isinstance(error, RETRYABLE)


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
