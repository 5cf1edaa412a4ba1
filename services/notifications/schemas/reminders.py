"""A person's upcoming reminders as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel


class ReminderView(BaseModel):
    reminder_id: UUID
    kind: str  # shift_reminder, meeting_reminder, lesson_reminder, deadline_reminder
    subject_kind: str  # shift, meeting, lesson, report_deadline
    subject_id: str
    starts_at: datetime  # when the thing itself starts (or is due)
    fire_at: datetime  # when the reminder goes out
    lead_s: int  # how long before the thing
    fields: dict[str, Any]  # what the reminder will say (post, place, title, ...)


class ReminderPage(BaseModel):
    items: list[ReminderView]
    limit: int
    offset: int
