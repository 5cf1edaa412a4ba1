"""A person's inbox as the API shows it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class NoticeView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    college: str
    kind: str
    title: str
    body: str
    subject_id: str
    created_at: datetime
    read: bool = False
    read_at: datetime | None = None
    priority: str = "normal"
    category: str = "recruitment"
    # The message the notice came from (None for the applicant notices of before).
    message_id: UUID | None = None


class NoticePage(BaseModel):
    items: list[NoticeView]
    limit: int
    offset: int


class UnreadCount(BaseModel):
    unread: int
    critical: int  # of which critical (safety incidents, escalations)


class MarkedRead(BaseModel):
    marked: int
