"""Recruitment rule: one active application per person per campaign (DOMAIN.md §1)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.recruitment.domain.applications import (
    ApplicationRuleBroken,
    ApplicationStatus,
    submit_application,
)

pytestmark = pytest.mark.unit
NOW = datetime(2026, 5, 8, 9, 30, tzinfo=UTC)


def apply(**overrides: object):  # type: ignore[no-untyped-def]
    arguments: dict[str, object] = {
        "application_id": uuid4(),
        "college": "cs",
        "campaign_id": "summer-teaching-2026",
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
    assert event.application_id == application.id
    assert event.college == "cs"
    assert event.submitted_at == NOW
    assert event.aggregate_id == str(application.id)


def test_a_second_active_application_to_the_same_campaign_is_refused() -> None:
    with pytest.raises(ApplicationRuleBroken) as refused:
        apply(has_active_application=True)
    assert refused.value.field == "campaign_id"
    assert refused.value.rule == "one_active_application_per_campaign"


def test_a_skill_listed_twice_is_refused() -> None:
    with pytest.raises(ApplicationRuleBroken) as refused:
        apply(skills=("english", "english"))
    assert refused.value.rule == "no_duplicate_skills"
