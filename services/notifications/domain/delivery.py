"""A message and its deliveries: the ids that make a replay find what it already made,
the dedupe key, the states a message and a delivery move through, and what the
dispatcher does with a provider's answer.

A message is what one event means for one recipient (id = uuid5(event id, recipient,
kind)). It tries the channels of its failover path (`channels`) one delivery at a time;
the in-app inbox is not tried: when 'inapp' is on the path, the notice is written at
once, in the transaction that makes (or releases) the message. Outside channels
(email, sms, im) are queued, claimed by a dispatcher and sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from uuid import UUID, uuid5

from services.notifications.domain.backoff import retry_delay_s
from services.notifications.domain.failover import next_channel

INAPP = "inapp"
OUTSIDE_CHANNELS = ("email", "sms", "im")
CHANNELS = (INAPP, *OUTSIDE_CHANNELS)


class MessageStatus(StrEnum):
    QUEUED = "queued"  # an outside delivery is waiting or being sent
    HELD = "held"  # quiet hours: released by the dispatcher at hold_until
    DIGESTED = "digested"  # left for the recipient's digest
    SENT = "sent"  # a provider accepted it
    DELIVERED = "delivered"  # confirmed, or in the inbox with no outside channel
    BOUNCED = "bounced"  # the last channel refused it permanently, none left
    FAILED = "failed"  # the last channel gave up, none left
    DROPPED = "dropped"  # not sent, as the recipient chose


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a dispatcher (claimed_until bounds the claim)
    SENT = "sent"
    DELIVERED = "delivered"
    BOUNCED = "bounced"
    FAILED = "failed"


class PlanAction(StrEnum):
    SEND = "send"
    HOLD = "hold"
    DROP = "drop"
    DIGEST = "digest"


def settled_action(planned: str, *, critical: bool) -> PlanAction:
    """What the pipeline does with a message now: its plan's action, except that a
    critical kind is sent at once whatever its plan said (never held, dropped nor left
    for a digest). Only a message settled `digest` arms its recipient's digest timer."""
    return PlanAction.SEND if critical else PlanAction(planned)


class Plan(Protocol):
    """What PREFS' `plan_delivery` answers (its DeliveryPlan), as this module reads it."""

    @property
    def action(self) -> str: ...
    @property
    def channels(self) -> tuple[str, ...]: ...
    @property
    def hold_until(self) -> datetime | None: ...
    @property
    def locale(self) -> str: ...
    @property
    def time_zone(self) -> str: ...


class Rendering(Protocol):
    """What TEMPLATES' `render_message` answers (its Rendered), as this module reads it."""

    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def locale(self) -> str: ...
    @property
    def version(self) -> int: ...


def message_id_for(event_id: UUID, recipient_id: str, kind: str) -> UUID:
    """One message per (event, recipient, kind): a replayed event finds it."""
    return uuid5(event_id, f"{recipient_id}\x1f{kind}")


def delivery_id_for(message_id: UUID, channel: str) -> UUID:
    """A message tries each channel at most once (failover never loops)."""
    return uuid5(message_id, channel)


def dedupe_key(event_id: UUID, recipient_id: str, channel: str, template_version: int) -> str:
    """Unique among deliveries: a redelivered event sends nothing twice."""
    return f"{event_id}:{recipient_id}:{channel}:{template_version}"


def idempotency_key(delivery_id: UUID) -> str:
    """The same on every attempt of one delivery (providers that honour it send once)."""
    return f"campusflow-{delivery_id}"


def failover_path(planned: Sequence[str], given: Sequence[str] | None) -> tuple[str, ...]:
    """The channels a message tries, in order: the caller's (escalations) or the plan's;
    each once; never empty (the inbox is always possible)."""
    path: list[str] = []
    for channel in given if given else planned:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        if channel not in path:
            path.append(channel)
    return tuple(path) or (INAPP,)


def first_outside(path: Sequence[str]) -> str | None:
    return next((channel for channel in path if channel != INAPP), None)


def missing_fields(declared: frozenset[str], fields: dict[str, object]) -> list[str]:
    return sorted(declared - fields.keys())


def status_when_started(path: Sequence[str]) -> MessageStatus:
    """A message just started: queued for its first outside channel, else in the inbox."""
    return MessageStatus.QUEUED if first_outside(path) else MessageStatus.DELIVERED


class Step(StrEnum):
    """What the dispatcher does after an attempt."""

    SENT = "sent"
    DELIVERED = "delivered"
    RETRY = "retry"  # same channel, later
    FAIL_OVER = "fail_over"  # next channel of the path (or the end of the path)
    POSTPONE = "postpone"  # rate limited: later, not counted as a try


@dataclass(frozen=True)
class Decision:
    step: Step
    # The delivery's final status when it ends here (bounced / failed), else None.
    final: DeliveryStatus | None = None
    retry_at: datetime | None = None
    next_channel: str | None = None


def decide(
    outcome: str,
    *,
    tries: int,
    max_attempts: int,
    path: Sequence[str],
    channel: str,
    tried: Sequence[str],
    now: datetime,
    jitter: float,
    postpone_s: float = 1.0,
) -> Decision:
    """What follows an attempt's outcome ('sent', 'delivered', 'temporary_failure',
    'permanent_failure', 'breaker_open', 'rate_limited'). `tries` counts this delivery's
    attempts that were not rate limited, this one included; `jitter` is in [0, 1)."""
    if outcome == "sent":
        return Decision(Step.SENT)
    if outcome == "delivered":
        return Decision(Step.DELIVERED)
    if outcome == "rate_limited":
        return Decision(Step.POSTPONE, retry_at=now + timedelta(seconds=postpone_s))
    if outcome == "temporary_failure" and tries < max_attempts:
        delay = retry_delay_s(tries, jitter=jitter)
        return Decision(Step.RETRY, retry_at=now + timedelta(seconds=delay))
    final = DeliveryStatus.BOUNCED if outcome == "permanent_failure" else DeliveryStatus.FAILED
    return Decision(
        Step.FAIL_OVER, final=final, next_channel=next_channel(path, channel, tried=tried)
    )


def message_status_after(decision: Decision) -> MessageStatus:
    """The message's status once an attempt's decision is applied."""
    if decision.step is Step.SENT:
        return MessageStatus.SENT
    if decision.step is Step.DELIVERED:
        return MessageStatus.DELIVERED
    if decision.step in (Step.RETRY, Step.POSTPONE):
        return MessageStatus.QUEUED
    if decision.next_channel == INAPP:
        return MessageStatus.DELIVERED
    if decision.next_channel is not None:
        return MessageStatus.QUEUED
    return (
        MessageStatus.BOUNCED if decision.final is DeliveryStatus.BOUNCED else MessageStatus.FAILED
    )
