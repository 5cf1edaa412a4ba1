"""Kernel rules that need no broker: retry bounds, outbox lanes, dead-letter headers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from shared.messaging.dead_letters import dead_letter_headers
from shared.messaging.failures import (
    PermanentFailure,
    RetriesExhausted,
    RetryableFailure,
    RetryPolicy,
)
from shared.messaging.outbox import OUTBOX_LANES, lane_for

pytestmark = pytest.mark.unit


def test_a_key_always_lands_in_the_same_lane() -> None:
    assert lane_for(b"application-1") == lane_for(b"application-1")
    assert {lane_for(f"k{i}".encode()) for i in range(500)} == set(range(OUTBOX_LANES))


def test_retry_delays_grow_and_stay_capped() -> None:
    policy = RetryPolicy(first_delay_s=0.1, max_delay_s=1.0)
    assert all(0.05 <= policy.delay(0) <= 0.1 for _ in range(50))
    assert all(policy.delay(10) <= 1.0 for _ in range(50))


async def test_retryable_failure_is_retried_until_success() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ConnectionRefusedError("db restarting")
        return "done"

    assert await RetryPolicy(first_delay_s=0.001).run(flaky) == "done"
    assert calls == 3


async def test_retries_are_bounded() -> None:
    calls = 0

    async def down() -> None:
        nonlocal calls
        calls += 1
        raise RetryableFailure("still down")

    with pytest.raises(RetriesExhausted):
        await RetryPolicy(attempts=4, first_delay_s=0.001).run(down)
    assert calls == 4


async def test_retries_stop_at_the_deadline() -> None:
    async def down() -> None:
        raise RetryableFailure("still down")

    started = asyncio.get_running_loop().time()
    with pytest.raises(RetriesExhausted):
        await RetryPolicy(attempts=100, first_delay_s=0.05, deadline_s=0.3).run(down)
    assert asyncio.get_running_loop().time() - started < 2.0


async def test_permanent_failure_is_not_retried() -> None:
    calls = 0

    async def broken() -> None:
        nonlocal calls
        calls += 1
        raise PermanentFailure("team of 2")

    with pytest.raises(PermanentFailure):
        await RetryPolicy(first_delay_s=0.001).run(broken)
    assert calls == 1


@dataclass
class Record:
    topic: str = "campusflow.recruitment.applications"
    partition: int = 3
    offset: int = 42
    key: bytes | None = b"k"
    value: bytes | None = b"v"
    headers: tuple[tuple[str, bytes], ...] = (("ce_id", b"x"), ("dlt_error_class", b"old"))


def test_dead_letter_headers_name_origin_and_reason() -> None:
    headers = dict(
        dead_letter_headers(
            Record(),
            consumer="notifications.applicant-notices",
            error=ValueError("bad payload " + "x" * 5000),
            now=datetime(2026, 9, 1, tzinfo=UTC),
        )
    )
    assert headers["dlt_original_topic"] == b"campusflow.recruitment.applications"
    assert headers["dlt_original_partition"] == b"3"
    assert headers["dlt_original_offset"] == b"42"
    assert headers["dlt_error_class"] == b"ValueError"
    assert headers["dlt_error_message"].startswith(b"bad payload")
    assert len(headers["dlt_error_message"]) <= 2000
    assert headers["ce_id"] == b"x"
