"""Delivery tracking as the API shows it: a message, its deliveries and their attempts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class AttemptView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    started_at: datetime
    finished_at: datetime | None
    # None: the dispatcher holding it stopped before recording (see the README).
    outcome: str | None
    detail: str


class DeliveryView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    delivery_id: UUID
    channel: str
    status: str
    attempts: int
    dedupe_key: str
    template_version: int
    next_attempt_at: datetime
    provider_message_id: str | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    tries: list[AttemptView]


class MessageView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    message_id: UUID
    college: str
    event_id: UUID
    recipient_id: str
    kind: str
    category: str
    priority: str
    subject_id: str
    status: str
    channels: list[str]  # the failover path
    hold_until: datetime | None
    created_at: datetime
    updated_at: datetime


class MessageRecord(MessageView):
    """A message with the path it took: one delivery per channel tried, in order."""

    deliveries: list[DeliveryView]


class MessagePage(BaseModel):
    items: list[MessageRecord]
    limit: int
    offset: int
