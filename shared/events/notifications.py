"""Events the notifications service publishes: what became of each message, and the
escalation chains.

A message's outcomes are keyed by message id (one message's events stay in order);
a chain's steps by chain id.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from shared.events.base import DomainEvent

PersonId = Annotated[str, Field(min_length=1, max_length=128)]
Kind = Annotated[str, Field(min_length=1, max_length=64)]
Channel = Literal["inapp", "email", "sms", "im"]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=4000)]

# --- deliveries ----------------------------------------------------------------------


class MessageSent(DomainEvent):
    """A provider accepted a message on a channel (queued -> sent)."""

    event_type = "campusflow.notifications.message.sent.v1"
    key_field = "message_id"

    message_id: UUID
    recipient_id: PersonId
    kind: Kind
    channel: Channel
    attempt: int = Field(ge=1)
    sent_at: AwareDatetime


class MessageDelivered(DomainEvent):
    """The channel confirmed the message reached the recipient (sent -> delivered)."""

    event_type = "campusflow.notifications.message.delivered.v1"
    key_field = "message_id"

    message_id: UUID
    recipient_id: PersonId
    kind: Kind
    channel: Channel
    delivered_at: AwareDatetime


class MessageFailed(DomainEvent):
    """A channel gave up on a message: bounced, or failed permanently / after its retries.
    `failed_over_to` names the recipient's next channel when the message moved on."""

    event_type = "campusflow.notifications.message.failed.v1"
    key_field = "message_id"

    message_id: UUID
    recipient_id: PersonId
    kind: Kind
    channel: Channel
    outcome: Literal["bounced", "failed"]
    reason: LongText
    failed_over_to: Channel | None = None
    failed_at: AwareDatetime


class MessageDropped(DomainEvent):
    """A non-critical message was not sent, as the recipient chose (quiet hours set to
    drop, or the category switched off)."""

    event_type = "campusflow.notifications.message.dropped.v1"
    key_field = "message_id"

    message_id: UUID
    recipient_id: PersonId
    kind: Kind
    reason: Literal["quiet_hours", "switched_off"]
    dropped_at: AwareDatetime


# --- escalation chains (上报) -----------------------------------------------------------

Case = Literal["incident", "dropout"]


class EscalationStarted(DomainEvent):
    """A timed chain started: an incident on an outing, or a pupil who dropped out."""

    event_type = "campusflow.notifications.escalation.started.v1"
    key_field = "chain_id"

    chain_id: UUID
    case: Case
    subject_id: str = Field(min_length=1, max_length=64)
    title: ShortText
    started_at: AwareDatetime


class EscalationEscalated(DomainEvent):
    """Nobody acknowledged in time: the chain reached its next step."""

    event_type = "campusflow.notifications.escalation.escalated.v1"
    key_field = "chain_id"

    chain_id: UUID
    case: Case
    step: int = Field(ge=0)
    role: ShortText
    recipient_ids: list[PersonId] = Field(max_length=100)
    escalated_at: AwareDatetime


class EscalationClosed(DomainEvent):
    """The chain stopped: acknowledged (by link or API), resolved by its case (the pupil
    returned), or exhausted (its last step passed unanswered)."""

    event_type = "campusflow.notifications.escalation.closed.v1"
    key_field = "chain_id"

    chain_id: UUID
    case: Case
    how: Literal["acknowledged", "resolved", "exhausted"]
    by: PersonId | None = None
    step: int = Field(ge=0)
    closed_at: AwareDatetime
