"""The records of the pipeline as the service reads them: messages, deliveries with their
attempts, and the notices of the in-app inbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class Message:
    message_id: UUID
    college: str
    event_id: UUID
    recipient_id: str
    kind: str
    category: str
    priority: str
    subject_id: str
    fields: dict[str, object]
    locale: str
    channels: tuple[str, ...]
    status: str
    time_zone: str
    hold_until: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Attempt:
    attempt: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None  # None: the dispatcher holding it vanished before recording
    detail: str


@dataclass(frozen=True)
class Delivery:
    delivery_id: UUID
    message_id: UUID
    college: str
    channel: str
    dedupe_key: str
    template_version: int
    status: str
    attempts: int
    next_attempt_at: datetime
    provider_message_id: str | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    tries: list[Attempt] = field(default_factory=list)


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery a dispatcher claimed, with what it needs to send it."""

    delivery_id: UUID
    message_id: UUID
    college: str
    channel: str
    attempt: int
    event_id: UUID
    recipient_id: str
    kind: str
    fields: dict[str, object]
    locale: str
    channels: tuple[str, ...]
    time_zone: str


@dataclass(frozen=True)
class InboxNotice:
    """A notice in a person's inbox (the applicant notices of before have no message)."""

    id: UUID
    college: str
    recipient_id: str
    kind: str
    title: str
    body: str
    subject_id: str
    created_at: datetime
    read_at: datetime | None
    priority: str
    category: str
    message_id: UUID | None

    @property
    def read(self) -> bool:
        return self.read_at is not None
