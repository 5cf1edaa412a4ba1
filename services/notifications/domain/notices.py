"""What a person is told, and in which words (zh-CN first: the people served read Chinese)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from shared.events.recruitment import ApplicationSubmitted

# Notice ids derive from the event that caused them, so one event makes one notice.
_NOTICE_NAMESPACE = UUID("6f1b7f3e-3a55-4c4e-9a5e-2f0b8a4d9c11")
# Times in a notice are read by people on campus, in China.
CAMPUS_TIME_ZONE = ZoneInfo("Asia/Shanghai")


class NoticeKind(StrEnum):
    APPLICATION_RECEIVED = "application_received"


@dataclass(frozen=True)
class Notice:
    id: UUID
    college: str
    recipient_id: str
    kind: NoticeKind
    title: str
    body: str
    subject_id: str
    created_at: datetime


def application_received(event: ApplicationSubmitted, *, event_id: UUID, now: datetime) -> Notice:
    """Tell the applicant their volunteer application (报名) arrived and what happens next."""
    submitted = event.submitted_at.astimezone(CAMPUS_TIME_ZONE)
    return Notice(
        id=uuid5(_NOTICE_NAMESPACE, f"{NoticeKind.APPLICATION_RECEIVED}:{event_id}"),
        college=event.college,
        recipient_id=event.applicant_id,
        kind=NoticeKind.APPLICATION_RECEIVED,
        title="志愿者报名已提交",
        body=(
            f"{event.applicant_name}同学：你报名的志愿服务招募（{event.campaign_id}）已收到，"
            f"提交时间 {submitted:%Y-%m-%d %H:%M}。请留意后续筛选与面试通知。"
        ),
        subject_id=str(event.application_id),
        created_at=now,
    )
