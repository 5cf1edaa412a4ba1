"""Webhook retries: full-jitter backoff bounds, and giving up only once the retry window
(at least 24 h) has passed since the first attempt — with injected time."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain import webhooks as rules

pytestmark = pytest.mark.unit

FIRST = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DAY_S = 24 * 3600.0


@pytest.mark.parametrize("attempt", [0, 1, 2, 5, 10, 11, 12, 30, 100, 10_000])
def test_backoff_stays_within_zero_and_the_capped_ceiling(attempt: int) -> None:
    ceiling = min(3600.0, 1.0 * 2 ** min(attempt, 62))
    draws = random.Random(attempt)
    delays = [rules.backoff_delay_s(attempt, rand=draws.random) for _ in range(200)]
    assert all(0.0 <= d < ceiling for d in delays)
    assert rules.backoff_delay_s(attempt, rand=lambda: 0.0) == 0.0
    assert rules.backoff_delay_s(attempt, rand=lambda: 0.999999) == pytest.approx(ceiling, rel=1e-5)


def test_backoff_doubles_until_the_cap() -> None:
    top = [rules.backoff_delay_s(n, rand=lambda: 0.5, base_s=2.0, cap_s=100.0) for n in range(8)]
    assert top == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 50.0, 50.0]


def test_backoff_refuses_a_negative_attempt() -> None:
    with pytest.raises(ValueError):
        rules.backoff_delay_s(-1, rand=lambda: 0.5)


def test_a_failure_inside_the_window_is_retried_after_the_jittered_delay() -> None:
    now = FIRST + timedelta(minutes=10)
    after = rules.after_failure(
        attempts=3, first_attempt_at=FIRST, now=now, retry_window_s=DAY_S, rand=lambda: 0.5
    )
    assert not after.gives_up
    assert after.retry_at == now + timedelta(seconds=4.0)  # 0.5 * min(3600, 2**3)


def test_the_last_retry_falls_at_the_end_of_the_window() -> None:
    now = FIRST + timedelta(hours=23, minutes=50)
    after = rules.after_failure(
        attempts=40, first_attempt_at=FIRST, now=now, retry_window_s=DAY_S, rand=lambda: 0.99
    )
    assert after.retry_at == FIRST + timedelta(hours=24)


@pytest.mark.parametrize("past", [timedelta(0), timedelta(seconds=1), timedelta(days=3)])
def test_a_failure_once_the_window_has_passed_gives_up(past: timedelta) -> None:
    after = rules.after_failure(
        attempts=50,
        first_attempt_at=FIRST,
        now=FIRST + timedelta(seconds=DAY_S) + past,
        retry_window_s=DAY_S,
        rand=lambda: 0.5,
    )
    assert after.gives_up and after.retry_at is None


def test_a_receiver_down_for_a_day_is_tried_until_the_window_ends_then_given_up() -> None:
    """Simulated clock: every attempt fails; the schedule never passes the window's end
    and ends with one attempt at it."""
    draws = random.Random(7)
    now, attempts, times = FIRST, 0, []
    while True:
        attempts += 1
        times.append(now)
        after = rules.after_failure(
            attempts=attempts,
            first_attempt_at=FIRST,
            now=now,
            retry_window_s=DAY_S,
            rand=draws.random,
        )
        if after.gives_up:
            break
        assert after.retry_at is not None and after.retry_at >= now
        now = after.retry_at
    assert times[-1] == FIRST + timedelta(seconds=DAY_S)
    assert all(t <= FIRST + timedelta(seconds=DAY_S) for t in times)
    assert 10 < attempts < 200  # backing off: neither a handful nor a hammering


def test_only_2xx_counts_as_delivered() -> None:
    assert [rules.succeeded(c) for c in (200, 201, 204, 299)] == [True] * 4
    assert [rules.succeeded(c) for c in (199, 301, 400, 410, 500, 503)] == [False] * 6
