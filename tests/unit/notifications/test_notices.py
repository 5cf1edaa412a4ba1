"""Notifications: the applicant is told, in Chinese, that the application arrived."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.notifications.domain.notices import NoticeKind, application_received
from shared.events import ApplicationSubmitted

pytestmark = pytest.mark.unit
NOW = datetime(2026, 5, 8, 9, 30, tzinfo=UTC)


def event() -> ApplicationSubmitted:
    return ApplicationSubmitted(
        college="cs",
        application_id=uuid4(),
        campaign_id="summer-teaching-2026",
        applicant_id="s2024001",
        applicant_name="王芳",
        submitted_at=NOW,
    )


def test_the_applicant_receives_a_notice_in_chinese() -> None:
    submitted = event()
    notice = application_received(submitted, event_id=uuid4(), now=NOW)
    assert notice.recipient_id == "s2024001"
    assert notice.college == "cs"
    assert notice.kind is NoticeKind.APPLICATION_RECEIVED
    assert "王芳" in notice.body and "已收到" in notice.body
    assert notice.subject_id == str(submitted.application_id)


def test_the_notice_tells_the_time_on_campus_not_utc() -> None:
    notice = application_received(event(), event_id=uuid4(), now=NOW)
    assert "2026-05-08 17:30" in notice.body  # 09:30 UTC is 17:30 in Beijing


def test_one_event_makes_one_notice_id() -> None:
    submitted, event_id = event(), uuid4()
    first = application_received(submitted, event_id=event_id, now=NOW)
    again = application_received(submitted, event_id=event_id, now=NOW)
    assert first.id == again.id
    assert application_received(submitted, event_id=uuid4(), now=NOW).id != first.id


def test_the_notice_names_the_campaign_by_its_title() -> None:
    titled = event().model_copy(update={"campaign_title": "“一帮一”暑期知识拓展班志愿者招募"})
    notice = application_received(titled, event_id=uuid4(), now=NOW)
    assert "“一帮一”暑期知识拓展班志愿者招募" in notice.body
    assert "summer-teaching-2026" not in notice.body


def test_an_event_from_before_titles_were_carried_names_the_campaign_by_its_id() -> None:
    notice = application_received(event(), event_id=uuid4(), now=NOW)
    assert "summer-teaching-2026" in notice.body
