"""Channel adapters: how a rendered message leaves the platform (email over SMTP, SMS
through a provider's HTTP API, IM bots through Apprise). The in-app inbox is not an
adapter: a notice is written in the transaction that makes the message.

Every adapter is a `ChannelSender`; the dispatcher (service/dispatch) calls `send` and
records what it answers. An adapter never raises for a provider's answer: it classifies
it. It raises only for its own bugs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from uuid import UUID


class SendOutcome(StrEnum):
    SENT = "sent"  # the provider accepted it (delivery not yet confirmed)
    DELIVERED = "delivered"  # the provider confirmed delivery at once
    TEMPORARY_FAILURE = "temporary_failure"  # retry later (timeout, 5xx, 429, 4xx SMTP)
    PERMANENT_FAILURE = "permanent_failure"  # do not retry on this channel (bad address,
    # refused template, 5xx SMTP, 4xx HTTP other than 408/429): fail over


@dataclass(frozen=True)
class Outgoing:
    message_id: UUID
    delivery_id: UUID
    attempt: int
    channel: str
    college: str
    recipient_id: str
    address: str  # the contact point: email address, mobile number, Apprise URL
    locale: str
    kind: str
    title: str
    body: str
    fields: dict[str, object]  # the kind's declared fields (SMS sends template variables)
    # The same key on every attempt of one delivery: providers that honour one send once.
    idempotency_key: str


@dataclass(frozen=True)
class SendResult:
    outcome: SendOutcome
    provider_message_id: str | None = None
    detail: str = ""


class ChannelSender(Protocol):
    channel: str
    # Whether the provider deduplicates by `idempotency_key` (so a crash between send
    # and record cannot make a second copy on this channel).
    honours_idempotency_key: bool

    async def send(self, outgoing: Outgoing) -> SendResult: ...
