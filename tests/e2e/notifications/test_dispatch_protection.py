"""Protection in the real Redis: per-recipient and per-channel windows, the breaker that
opens after N failures in a row and closes by itself, a success that resets the count;
and a dead Redis that answers "all clear" at once."""

from __future__ import annotations

import asyncio
import time
from uuid import uuid4

import pytest

from services.notifications.service.protection import Admission, Limits, Protection
from tools.stack import StackEndpoints, free_port

pytestmark = pytest.mark.e2e

LIMITS = Limits(per_recipient_per_min=2, per_channel_per_s=3, breaker_failures=2, breaker_open_s=1)


def _protection(url: str) -> Protection:
    return Protection.from_url(url, LIMITS, namespace=f"t{uuid4().hex}")


async def test_rate_windows_per_recipient_and_per_channel(stack: StackEndpoints) -> None:
    p = _protection(stack.redis_url)
    at = 1_800_000_000.5  # half a second into a minute
    admit = [
        await p.admit(college="cs", recipient_id="a", channel="email", now_s=at) for _ in range(3)
    ]
    assert [a.wait_s for a in admit[:2]] == [0.0, 0.0]
    assert admit[2].wait_s == pytest.approx(59.5)  # until the next minute
    other = await p.admit(college="cs", recipient_id="b", channel="email", now_s=at)
    assert other.wait_s == pytest.approx(0.5)  # the 4th email this second
    assert (await p.admit(college="cs", recipient_id="b", channel="sms", now_s=at)).wait_s == 0
    later = await p.admit(college="cs", recipient_id="a", channel="email", now_s=at + 60)
    assert later.wait_s == 0.0
    await p.close()


async def test_the_breaker_opens_after_failures_in_a_row_and_closes_by_itself(
    stack: StackEndpoints,
) -> None:
    p = _protection(stack.redis_url)
    assert await p.provider_failed("sms") is False
    state = await p.admit(college="cs", recipient_id="a", channel="sms")
    assert (state.breaker_open, state.failing) == (False, True)
    await p.provider_succeeded("sms")  # a success: the count starts again
    assert await p.provider_failed("sms") is False
    assert await p.provider_failed("sms") is True
    assert (await p.admit(college="cs", recipient_id="a", channel="sms")).breaker_open
    assert not (await p.admit(college="cs", recipient_id="a", channel="email")).breaker_open
    await asyncio.sleep(1.2)
    assert not (await p.admit(college="cs", recipient_id="a", channel="sms")).breaker_open
    await p.close()


async def test_a_dead_redis_means_no_limits_and_answers_fast() -> None:
    p = _protection(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    for _ in range(5):
        assert await p.admit(college="cs", recipient_id="a", channel="email") == Admission()
        assert await p.provider_failed("email") is False
    assert time.monotonic() - started < 5
    await p.close()
