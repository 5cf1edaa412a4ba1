"""Application rules: one active application per person per campaign, inside its window."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from services.recruitment.domain.applications import (
    ApplicationStatus,
    VolunteerApplication,
    submit_application,
    withdraw_application,
)
from services.recruitment.domain.campaigns import (
    Campaign,
    CampaignStatus,
    Position,
    ScreeningCriteria,
)
from shared.rules import RuleBroken as ApplicationRuleBroken

pytestmark = pytest.mark.unit
NOW = datetime(2026, 5, 8, 9, 30, tzinfo=UTC)
CAMPAIGN = Campaign(
    college="cs",
    campaign_id="summer-teaching-2026",
    title="一帮一",
    place="县城小学",
    starts_on=date(2026, 7, 8),
    ends_on=date(2026, 8, 11),
    opens_at=NOW - timedelta(days=1),
    closes_at=NOW + timedelta(days=7),
    positions=(Position("teachers", "支教老师", 3, ("english",), False),),
    screening=ScreeningCriteria(min_grade_year=2, questions=("为什么想去？",)),
    status=CampaignStatus.OPEN,
    opened_by="cs-officer",
    opened_at=NOW - timedelta(days=1),
)


def apply(**overrides: object) -> tuple[VolunteerApplication, object]:
    arguments: dict[str, object] = {
        "application_id": uuid4(),
        "campaign": CAMPAIGN,
        "position_id": None,
        "applicant_id": "s2024001",
        "applicant_name": "王芳",
        "motivation": "想参加一帮一暑期知识拓展班",
        "skills": ("english", "sports"),
        "has_active_application": False,
        "now": NOW,
    }
    arguments.update(overrides)
    return submit_application(**arguments)  # type: ignore[arg-type]


def test_a_first_application_is_submitted_and_announced() -> None:
    application, event = apply()
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.position_id == "teachers"
    assert event.application_id == application.id  # type: ignore[attr-defined]
    assert event.college == "cs"  # type: ignore[attr-defined]
    assert event.position_id == "teachers"  # type: ignore[attr-defined]
    assert event.submitted_at == NOW  # type: ignore[attr-defined]
    assert event.aggregate_id == str(application.id)  # type: ignore[attr-defined]
    assert event.campaign_title == "一帮一"  # type: ignore[attr-defined]


def test_a_second_active_application_to_the_same_campaign_is_refused() -> None:
    with pytest.raises(ApplicationRuleBroken) as refused:
        apply(has_active_application=True)
    assert refused.value.field == "campaign_id"
    assert refused.value.rule == "one_active_application_per_campaign"


def test_a_skill_listed_twice_is_refused() -> None:
    with pytest.raises(ApplicationRuleBroken) as refused:
        apply(skills=("english", "english"))
    assert refused.value.rule == "no_duplicate_skills"


def test_an_application_after_the_window_closed_is_refused() -> None:
    with pytest.raises(ApplicationRuleBroken) as refused:
        apply(now=CAMPAIGN.closes_at)
    assert refused.value.rule == "application_window_closed"


def test_an_application_to_a_closed_campaign_is_refused() -> None:
    with pytest.raises(ApplicationRuleBroken) as refused:
        apply(campaign=replace(CAMPAIGN, status=CampaignStatus.CLOSED))
    assert refused.value.rule == "application_window_closed"


def test_an_application_to_an_unknown_position_is_refused() -> None:
    with pytest.raises(ApplicationRuleBroken) as refused:
        apply(position_id="cooks")
    assert (refused.value.field, refused.value.rule) == ("position_id", "unknown_position")


def test_more_answers_than_questions_are_refused() -> None:
    with pytest.raises(ApplicationRuleBroken) as refused:
        apply(answers=("a", "b"))
    assert refused.value.rule == "one_answer_per_question"


def test_an_applicant_may_withdraw_until_decided() -> None:
    application, _ = apply()
    withdrawn, event = withdraw_application(application, now=NOW)
    assert withdrawn.status is ApplicationStatus.WITHDRAWN
    assert not event.was_admitted


def test_an_admitted_volunteer_may_still_withdraw() -> None:
    application, _ = apply()
    _, event = withdraw_application(
        replace(application, status=ApplicationStatus.ADMITTED), now=NOW
    )
    assert event.was_admitted


def test_a_rejected_or_withdrawn_application_cannot_be_withdrawn() -> None:
    application, _ = apply()
    for status in (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN):
        with pytest.raises(ApplicationRuleBroken) as refused:
            withdraw_application(replace(application, status=status), now=NOW)
        assert refused.value.rule == "withdrawal_only_until_decided"
