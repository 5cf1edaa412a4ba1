"""A person's notices as the API shows them."""

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


class NoticePage(BaseModel):
    items: list[NoticeView]
    limit: int
    offset: int
