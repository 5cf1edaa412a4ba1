"""The pipeline's pure decisions: ids that make a replay find its message, the dedupe
key, the failover path, and what follows each attempt's outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.notifications.domain.delivery import (
    DeliveryStatus,
    MessageStatus,
    Step,
    decide,
    dedupe_key,
    delivery_id_for,
    failover_path,
    first_outside,
    idempotency_key,
    message_id_for,
    message_status_after,
    status_when_started,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
PATH = ("sms", "email", "inapp")


def test_one_message_per_event_recipient_and_kind() -> None:
    event = uuid4()
    assert message_id_for(event, "p1", "shift_assigned") == message_id_for(
        event, "p1", "shift_assigned"
    )
    assert message_id_for(event, "p1", "shift_assigned") != message_id_for(
        event, "p2", "shift_assigned"
    )
    assert message_id_for(event, "p1", "shift_assigned") != message_id_for(
        event, "p1", "shift_changed"
    )
    assert message_id_for(event, "p1", "k") != message_id_for(uuid4(), "p1", "k")


def test_keys_name_event_recipient_channel_and_version() -> None:
    event, message = uuid4(), uuid4()
    assert dedupe_key(event, "p1", "email", 3) == f"{event}:p1:email:3"
    assert delivery_id_for(message, "email") != delivery_id_for(message, "sms")
    delivery = delivery_id_for(message, "email")
    assert idempotency_key(delivery) == idempotency_key(delivery) == f"campusflow-{delivery}"


def test_failover_path_prefers_the_callers_channels_and_is_never_empty() -> None:
    assert failover_path(("email", "inapp"), None) == ("email", "inapp")
    assert failover_path(("email", "inapp"), ("sms", "sms", "im")) == ("sms", "im")
    assert failover_path((), None) == ("inapp",)
    with pytest.raises(ValueError, match="unknown channel"):
        failover_path(("pigeon",), None)


def test_a_started_message_is_queued_only_with_an_outside_channel() -> None:
    assert first_outside(("inapp", "email")) == "email"
    assert first_outside(("inapp",)) is None
    assert status_when_started(("inapp", "sms")) is MessageStatus.QUEUED
    assert status_when_started(("inapp",)) is MessageStatus.DELIVERED


def _decide(outcome: str, *, tries: int = 1, channel: str = "sms", tried: tuple[str, ...] = ()):
    return decide(
        outcome,
        tries=tries,
        max_attempts=3,
        path=PATH,
        channel=channel,
        tried=tried or (channel,),
        now=NOW,
        jitter=0.0,
        postpone_s=7.0,
    )


def test_success_moves_the_message_on() -> None:
    assert _decide("sent").step is Step.SENT
    assert message_status_after(_decide("sent")) is MessageStatus.SENT
    assert message_status_after(_decide("delivered")) is MessageStatus.DELIVERED


def test_temporary_failures_retry_with_growing_delays_then_fail_over() -> None:
    first, second = _decide("temporary_failure", tries=1), _decide("temporary_failure", tries=2)
    assert first.step is second.step is Step.RETRY
    assert first.retry_at is not None and second.retry_at is not None
    assert first.retry_at - NOW < second.retry_at - NOW
    assert message_status_after(first) is MessageStatus.QUEUED
    exhausted = _decide("temporary_failure", tries=3)
    assert exhausted.step is Step.FAIL_OVER
    assert exhausted.final is DeliveryStatus.FAILED
    assert exhausted.next_channel == "email"


def test_a_permanent_failure_or_an_open_breaker_fails_over_at_once() -> None:
    refused = _decide("permanent_failure")
    assert (refused.step, refused.final, refused.next_channel) == (
        Step.FAIL_OVER,
        DeliveryStatus.BOUNCED,
        "email",
    )
    open_breaker = _decide("breaker_open")
    assert (open_breaker.final, open_breaker.next_channel) == (DeliveryStatus.FAILED, "email")


def test_failing_over_to_the_inbox_delivers_and_the_end_of_the_path_fails() -> None:
    to_inbox = _decide("permanent_failure", channel="email", tried=("sms", "email"))
    assert to_inbox.next_channel == "inapp"
    assert message_status_after(to_inbox) is MessageStatus.DELIVERED
    already = _decide("permanent_failure", channel="email", tried=("inapp", "sms", "email"))
    assert already.next_channel is None
    assert message_status_after(already) is MessageStatus.BOUNCED
    failed = _decide("breaker_open", channel="email", tried=("inapp", "sms", "email"))
    assert message_status_after(failed) is MessageStatus.FAILED


def test_rate_limited_is_postponed_without_counting() -> None:
    postponed = _decide("rate_limited", tries=99)
    assert postponed.step is Step.POSTPONE
    assert postponed.retry_at == NOW + timedelta(seconds=7)
