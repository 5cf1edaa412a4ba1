"""Views are built from the domain objects: what each reader may see, and nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.recruitment.domain.applications import ApplicationStatus, VolunteerApplication
from services.recruitment.domain.campaigns import (
    Campaign,
    CampaignStatus,
    Position,
    ScreeningCriteria,
)
from services.recruitment.domain.interviews import InterviewSlot
from services.recruitment.domain.selection import Outcome
from services.recruitment.schemas.campaigns import CampaignView
from services.recruitment.schemas.interviews import INTERVIEWER, SlotView
from services.recruitment.schemas.selection import DecisionView

pytestmark = pytest.mark.unit
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def a_booked_slot() -> InterviewSlot:
    return InterviewSlot(
        id=uuid4(),
        college="cs",
        campaign_id="summer",
        position_id="squad",
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, minutes=20),
        place="B-201",
        application_id=uuid4(),
        applicant_id="cs-1",
        booked_at=NOW,
        score=88,
        recommended=True,
        completed_at=NOW,
    )


def test_an_applicant_sees_that_a_slot_is_taken_but_not_by_whom_nor_how_it_went() -> None:
    seen = SlotView.model_validate(a_booked_slot())
    assert seen.booked
    assert (seen.application_id, seen.score, seen.recommended) == (None, None, None)


def test_an_interviewer_sees_who_booked_and_the_result() -> None:
    slot = a_booked_slot()
    seen = SlotView.model_validate(slot, context=INTERVIEWER)
    assert (seen.application_id, seen.score, seen.recommended) == (slot.application_id, 88, True)


def test_a_campaign_view_names_its_fields_as_the_api_always_has() -> None:
    campaign = Campaign(
        college="cs",
        campaign_id="summer",
        title="t",
        place="p",
        starts_on=date(2026, 7, 8),
        ends_on=date(2026, 8, 11),
        opens_at=NOW,
        closes_at=NOW + timedelta(days=14),
        positions=(Position("teachers", "支教老师", 2, ("english",), False),),
        screening=ScreeningCriteria(min_grade_year=2, questions=("why?",)),
        status=CampaignStatus.OPEN,
        opened_by="cs-officer",
        opened_at=NOW,
    )
    shown = CampaignView.model_validate(campaign).model_dump(mode="json")
    assert shown["id"] == "summer" and shown["status"] == "open"
    assert (shown["min_grade_year"], shown["questions"]) == (2, ["why?"])
    assert shown["positions"][0]["id"] == "teachers"
    assert shown["positions"][0]["required_skills"] == ["english"]


def test_a_decision_view_lists_the_admitted_the_waitlist_in_rank_and_the_reasons() -> None:
    def application(status: ApplicationStatus, **decided: Any) -> VolunteerApplication:
        return VolunteerApplication(
            id=uuid4(),
            college="cs",
            campaign_id="summer",
            applicant_id=f"cs-{uuid4().hex[:4]}",
            applicant_name="李明",
            motivation="m",
            skills=(),
            status=status,
            submitted_at=NOW,
            decided_at=NOW,
            **decided,
        )

    admitted = application(ApplicationStatus.ADMITTED)
    waiting = application(ApplicationStatus.WAITLISTED, waitlist_rank=1)
    rejected = application(ApplicationStatus.REJECTED, decision_reason="no interview result")
    view = DecisionView.model_validate(Outcome(applications=[admitted, waiting, rejected]))
    assert view.admitted == [admitted.id]
    assert [(w.application_id, w.rank) for w in view.waitlisted] == [(waiting.id, 1)]
    assert [(r.application_id, r.reason) for r in view.rejected] == [
        (rejected.id, "no interview result")
    ]
