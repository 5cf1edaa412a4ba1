"""Retry delays (exponential, jittered, capped) and the next channel of a failover path."""

from __future__ import annotations

import pytest

from services.notifications.domain.backoff import MAX_DELAY_S, retry_delay_s
from services.notifications.domain.failover import next_channel

pytestmark = pytest.mark.unit


def test_delays_double_within_a_jitter_band_and_are_capped() -> None:
    assert retry_delay_s(1, jitter=0.0) == 1.0
    assert retry_delay_s(1, jitter=0.999) < 2.0
    assert retry_delay_s(2, jitter=0.0) == 2.0
    assert retry_delay_s(5, jitter=0.0) == 16.0
    assert retry_delay_s(40, jitter=0.999) < MAX_DELAY_S
    assert retry_delay_s(40, jitter=0.0) == MAX_DELAY_S / 2


@pytest.mark.parametrize(("tries", "jitter"), [(0, 0.0), (1, 1.0), (1, -0.1)])
def test_bad_delay_inputs_are_refused(tries: int, jitter: float) -> None:
    with pytest.raises(ValueError):
        retry_delay_s(tries, jitter=jitter)


def test_next_channel_skips_what_was_tried() -> None:
    path = ("sms", "email", "inapp")
    assert next_channel(path, "sms", tried=("sms",)) == "email"
    assert next_channel(path, "sms", tried=("sms", "email")) == "inapp"
    assert next_channel(path, "email", tried=("inapp", "sms", "email")) is None
    assert next_channel(path, "inapp", tried=("inapp",)) is None
    # A channel not on the path (an escalation's own): the path from its start.
    assert next_channel(("email",), "sms", tried=("sms",)) == "email"
