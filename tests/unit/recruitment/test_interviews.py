"""Interview rules for special squads: slots offered, no double booking, results recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.recruitment.domain.applications import ApplicationStatus, VolunteerApplication
from services.recruitment.domain.campaigns import Position
from services.recruitment.domain.interviews import (
    InterviewSlot,
    book_slot,
    offer_slot,
    record_result,
)
from shared.rules import RuleBroken as RecruitmentRuleBroken

pytestmark = pytest.mark.unit
NOW = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)
SQUAD = Position("squad", "特招服务小队", 1, (), True)
TEACHERS = Position("teachers", "支教老师", 2, (), False)


def slot(position: Position = SQUAD, **overrides: object) -> InterviewSlot:
    arguments: dict[str, object] = {
        "slot_id": uuid4(),
        "college": "cs",
        "campaign_id": "c1",
        "position": position,
        "starts_at": NOW + timedelta(days=1),
        "ends_at": NOW + timedelta(days=1, minutes=20),
        "place": "团委办公室",
        "now": NOW,
    }
    arguments.update(overrides)
    return offer_slot(**arguments)  # type: ignore[arg-type]


APPLICATION = VolunteerApplication(
    id=uuid4(),
    college="cs",
    campaign_id="c1",
    position_id="squad",
    applicant_id="s1",
    applicant_name="李明",
    motivation="m",
    skills=(),
    status=ApplicationStatus.SCREENED_IN,
    submitted_at=NOW - timedelta(days=1),
)


def refused(rule: str, call: Callable[[], object]) -> None:
    with pytest.raises(RecruitmentRuleBroken) as raised:
        call()
    assert raised.value.rule == rule


def test_slots_are_offered_only_for_positions_with_interviews() -> None:
    refused("position_has_no_interview", lambda: slot(TEACHERS))


def test_a_slot_must_end_after_it_starts() -> None:
    refused("slot_times_in_order", lambda: slot(ends_at=NOW + timedelta(hours=1)))


def test_a_slot_is_offered_in_the_future() -> None:
    refused("slot_in_the_future", lambda: slot(starts_at=NOW - timedelta(hours=1), ends_at=NOW))


def test_a_screened_in_applicant_books_a_slot() -> None:
    booked, event = book_slot(
        slot(), application=APPLICATION, application_has_booking=False, now=NOW
    )
    assert booked.application_id == APPLICATION.id
    assert event.place == "团委办公室" and event.slot_id == booked.id


def test_no_double_booking_of_a_slot() -> None:
    booked, _ = book_slot(slot(), application=APPLICATION, application_has_booking=False, now=NOW)
    other = replace(APPLICATION, id=uuid4(), applicant_id="s2")
    refused(
        "no_double_booking",
        lambda: book_slot(booked, application=other, application_has_booking=False, now=NOW),
    )


def test_one_booking_per_application() -> None:
    refused(
        "one_booking_per_application",
        lambda: book_slot(slot(), application=APPLICATION, application_has_booking=True, now=NOW),
    )


def test_only_screened_in_applicants_book() -> None:
    submitted = replace(APPLICATION, status=ApplicationStatus.SUBMITTED)
    refused(
        "only_screened_in_applicants_book",
        lambda: book_slot(slot(), application=submitted, application_has_booking=False, now=NOW),
    )


def test_a_slot_of_another_position_cannot_be_booked() -> None:
    elsewhere = replace(APPLICATION, position_id="other")
    refused(
        "slot_of_another_position",
        lambda: book_slot(slot(), application=elsewhere, application_has_booking=False, now=NOW),
    )


def test_a_slot_that_has_started_cannot_be_booked() -> None:
    later = NOW + timedelta(days=2)
    refused(
        "slot_in_the_past",
        lambda: book_slot(
            slot(), application=APPLICATION, application_has_booking=False, now=later
        ),
    )


def test_a_result_is_recorded_once_for_a_booked_slot() -> None:
    refused("slot_not_booked", lambda: record_result(slot(), score=80, recommended=True, now=NOW))
    booked, _ = book_slot(slot(), application=APPLICATION, application_has_booking=False, now=NOW)
    done, event = record_result(booked, score=80, recommended=True, now=NOW)
    assert (event.score, event.recommended, event.applicant_id) == (80, True, "s1")
    refused(
        "interview_already_completed",
        lambda: record_result(done, score=90, recommended=True, now=NOW),
    )


def test_a_score_is_between_0_and_100() -> None:
    booked, _ = book_slot(slot(), application=APPLICATION, application_has_booking=False, now=NOW)
    refused(
        "score_between_0_and_100",
        lambda: record_result(booked, score=101, recommended=True, now=NOW),
    )
