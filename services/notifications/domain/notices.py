"""What a person is told, and in which words (zh-CN first: the people served read Chinese)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from shared.events.recruitment import (
    ApplicantAdmitted,
    ApplicantPromoted,
    ApplicantRejected,
    ApplicantWaitlisted,
    ApplicationSubmitted,
)

SelectionResult = ApplicantAdmitted | ApplicantWaitlisted | ApplicantRejected | ApplicantPromoted

# Notice ids derive from the event that caused them, so one event makes one notice.
_NOTICE_NAMESPACE = UUID("6f1b7f3e-3a55-4c4e-9a5e-2f0b8a4d9c11")
# Times in a notice are read by people on campus, in China.
CAMPUS_TIME_ZONE = ZoneInfo("Asia/Shanghai")


class NoticeKind(StrEnum):
    APPLICATION_RECEIVED = "application_received"
    APPLICANT_ADMITTED = "applicant_admitted"
    APPLICANT_WAITLISTED = "applicant_waitlisted"
    APPLICANT_REJECTED = "applicant_rejected"
    APPLICANT_PROMOTED = "applicant_promoted"


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


def campaign_name(event: ApplicationSubmitted | SelectionResult) -> str:
    """What the applicant knows the campaign by: its title; its id in events from before
    titles were carried."""
    return event.campaign_title or event.campaign_id


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
            f"{event.applicant_name}同学：你报名的志愿服务招募“{campaign_name(event)}”已收到，"
            f"提交时间 {submitted:%Y-%m-%d %H:%M}。请留意后续筛选与面试通知。"
        ),
        subject_id=str(event.application_id),
        created_at=now,
    )


def selection_result(event: SelectionResult, *, event_id: UUID, now: datetime) -> Notice:
    """Results are notified (DOMAIN.md §4): admitted, waitlisted (with rank), rejected, promoted."""
    campaign = campaign_name(event)
    kind: NoticeKind
    if isinstance(event, ApplicantAdmitted):
        kind, title = NoticeKind.APPLICANT_ADMITTED, "志愿者录取通知"
        squad = f"，编入特招服务小队（{event.squad_id}）" if event.squad_id else ""
        body = f"恭喜你被志愿服务招募“{campaign}”录取{squad}。请留意后续培训与排班通知。"
    elif isinstance(event, ApplicantWaitlisted):
        kind, title = NoticeKind.APPLICANT_WAITLISTED, "志愿者候补通知"
        body = (
            f"志愿服务招募“{campaign}”名额已满，你目前在候补名单第 {event.rank} 位；"
            "有人退出时将按顺序自动递补并另行通知。"
        )
    elif isinstance(event, ApplicantRejected):
        kind, title = NoticeKind.APPLICANT_REJECTED, "志愿者招募结果"
        body = f"很遗憾，你未被志愿服务招募“{campaign}”录取。原因：{event.reason}。感谢你的报名。"
    else:
        kind, title = NoticeKind.APPLICANT_PROMOTED, "候补递补录取通知"
        body = f"有录取的志愿者退出，你已从候补名单递补录取志愿服务招募“{campaign}”。"
    return Notice(
        id=uuid5(_NOTICE_NAMESPACE, f"{kind}:{event_id}"),
        college=event.college,
        recipient_id=event.applicant_id,
        kind=kind,
        title=title,
        body=body,
        subject_id=str(event.application_id),
        created_at=now,
    )
