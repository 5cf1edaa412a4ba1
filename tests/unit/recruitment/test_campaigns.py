"""Campaign rules (DOMAIN.md §1, 招募): positions, dates, an application window."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.recruitment.domain.campaigns import (
    Campaign,
    CampaignStatus,
    Position,
    ScreeningCriteria,
    choose_position,
    close_campaign,
    ensure_closed_for_decision,
    ensure_taking_applications,
    open_campaign,
)
from shared.rules import RuleBroken as RecruitmentRuleBroken

pytestmark = pytest.mark.unit
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
TEACHERS = Position("teachers", "支教老师", 2, ("english",), False)
SQUAD = Position("squad", "特招服务小队", 1, (), True)


def campaign(**overrides: object) -> tuple[Campaign, object]:
    arguments: dict[str, object] = {
        "college": "cs",
        "campaign_id": "2026-summer-yibangyi",
        "title": "“一帮一”暑期知识拓展班志愿者招募",
        "place": "县城小学",
        "starts_on": date(2026, 7, 8),
        "ends_on": date(2026, 8, 11),
        "opens_at": NOW,
        "closes_at": NOW + timedelta(days=14),
        "positions": (TEACHERS, SQUAD),
        "screening": ScreeningCriteria(min_grade_year=None, questions=()),
        "campaign_id_taken": False,
        "opened_by": "cs-officer",
        "now": NOW,
    }
    arguments.update(overrides)
    return open_campaign(**arguments)  # type: ignore[arg-type]


def refused(rule: str, **overrides: object) -> RecruitmentRuleBroken:
    with pytest.raises(RecruitmentRuleBroken) as raised:
        campaign(**overrides)
    assert raised.value.rule == rule
    return raised.value


def test_an_officer_opens_a_campaign_and_announces_its_positions() -> None:
    opened, event = campaign()
    assert opened.status is CampaignStatus.OPEN
    assert event.campaign_id == "2026-summer-yibangyi"  # type: ignore[attr-defined]
    assert [p.position_id for p in event.positions] == ["teachers", "squad"]  # type: ignore[attr-defined]
    assert event.positions[1].interview_required  # type: ignore[attr-defined]
    # Its window, for reminders of its deadline that never come before it opens.
    assert event.applications_open_at == NOW  # type: ignore[attr-defined]
    assert event.applications_close_at == NOW + timedelta(days=14)  # type: ignore[attr-defined]


def test_a_campaign_id_already_taken_is_refused() -> None:
    assert not refused("campaign_id_taken", campaign_id_taken=True).invalid


def test_a_campaign_cannot_end_before_it_starts() -> None:
    assert refused("campaign_dates_in_order", ends_on=date(2026, 7, 1)).field == "ends_on"


def test_the_application_window_must_close_after_it_opens() -> None:
    refused("application_window_in_order", closes_at=NOW)


def test_a_window_already_over_is_refused() -> None:
    refused(
        "application_window_already_over",
        opens_at=NOW - timedelta(days=10),
        closes_at=NOW - timedelta(days=1),
    )


def test_a_campaign_needs_a_position() -> None:
    refused("at_least_one_position", positions=())


def test_two_positions_with_one_id_are_refused() -> None:
    refused("position_ids_unique", positions=(TEACHERS, TEACHERS))


def test_a_position_recruited_by_interview_is_a_squad() -> None:
    assert SQUAD.is_squad and not TEACHERS.is_squad


def test_applications_are_taken_only_inside_the_window() -> None:
    opened, _ = campaign()
    ensure_taking_applications(opened, now=NOW)
    for outside in (NOW - timedelta(seconds=1), NOW + timedelta(days=14)):
        with pytest.raises(RecruitmentRuleBroken) as raised:
            ensure_taking_applications(opened, now=outside)
        assert raised.value.rule == "application_window_closed"


def test_a_closed_campaign_takes_no_applications() -> None:
    opened, _ = campaign()
    closed, event = close_campaign(opened, reason="名额已满", now=NOW + timedelta(hours=1))
    assert event.reason == "名额已满"
    with pytest.raises(RecruitmentRuleBroken) as raised:
        ensure_taking_applications(closed, now=NOW + timedelta(hours=2))
    assert raised.value.rule == "application_window_closed"


def test_a_campaign_is_closed_once() -> None:
    opened, _ = campaign()
    closed, _ = close_campaign(opened, reason="done", now=NOW)
    with pytest.raises(RecruitmentRuleBroken) as raised:
        close_campaign(closed, reason="again", now=NOW)
    assert raised.value.rule == "campaign_already_closed"


def test_decisions_wait_until_the_campaign_is_closed() -> None:
    opened, _ = campaign()
    with pytest.raises(RecruitmentRuleBroken) as raised:
        ensure_closed_for_decision(opened)
    assert raised.value.rule == "campaign_still_open"
    ensure_closed_for_decision(replace(opened, status=CampaignStatus.CLOSED))


def test_a_campaign_with_several_positions_needs_a_choice() -> None:
    opened, _ = campaign()
    with pytest.raises(RecruitmentRuleBroken) as raised:
        choose_position(opened, None)
    assert (raised.value.field, raised.value.rule) == ("position_id", "position_required")
    with pytest.raises(RecruitmentRuleBroken) as unknown:
        choose_position(opened, "cooks")
    assert unknown.value.rule == "unknown_position"
    single, _ = campaign(positions=(TEACHERS,))
    assert choose_position(single, None) is TEACHERS
