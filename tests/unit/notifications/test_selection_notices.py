"""Notifications: results (admission, waitlist, rejection, promotion) reach the applicant."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.notifications.domain.notices import NoticeKind, selection_result
from shared.events.recruitment import (
    ApplicantAdmitted,
    ApplicantPromoted,
    ApplicantRejected,
    ApplicantWaitlisted,
)

pytestmark = pytest.mark.unit
NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
COMMON = {"college": "cs", "application_id": uuid4(), "campaign_id": "c1", "applicant_id": "s1"}


def test_an_admitted_applicant_is_told_and_of_their_squad() -> None:
    event = ApplicantAdmitted(**COMMON, squad_id="c1:squad", decided_at=NOW)
    notice = selection_result(event, event_id=uuid4(), now=NOW)
    assert notice.kind is NoticeKind.APPLICANT_ADMITTED
    assert notice.recipient_id == "s1" and "录取" in notice.body and "c1:squad" in notice.body


def test_a_waitlisted_applicant_is_told_their_rank() -> None:
    event = ApplicantWaitlisted(**COMMON, rank=3, decided_at=NOW)
    notice = selection_result(event, event_id=uuid4(), now=NOW)
    assert notice.kind is NoticeKind.APPLICANT_WAITLISTED and "第 3 位" in notice.body


def test_a_rejected_applicant_is_told_the_reason() -> None:
    event = ApplicantRejected(**COMMON, reason="时间冲突", decided_at=NOW)
    notice = selection_result(event, event_id=uuid4(), now=NOW)
    assert notice.kind is NoticeKind.APPLICANT_REJECTED and "时间冲突" in notice.body


def test_a_promoted_applicant_is_told_and_one_event_makes_one_notice() -> None:
    event = ApplicantPromoted(
        **COMMON,
        replaces_application_id=uuid4(),
        decided_at=NOW,
    )
    event_id = uuid4()
    first = selection_result(event, event_id=event_id, now=NOW)
    assert first.kind is NoticeKind.APPLICANT_PROMOTED
    assert first.id == selection_result(event, event_id=event_id, now=NOW).id
