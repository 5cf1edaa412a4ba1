"""Reminders of preparation tasks and application deadlines with injected time: the
default leads, a task moved or handed to someone else, a campaign that opens late, and
who a campaign's deadline reminds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.consumers.deadlines import task_title
from services.notifications.domain.reminders import (
    REMINDER_KIND,
    Firing,
    SubjectKind,
    application_audience,
    leads_within_window,
    parse_leads,
    plan_firings,
    reconcile,
    reminder_id,
)
from services.notifications.settings import NotificationsSettings

pytestmark = pytest.mark.unit

H = timedelta(hours=1)
DAY = timedelta(hours=24)
NOW = datetime(2027, 4, 1, 8, 0, tzinfo=UTC)


def _default_leads(setting: str) -> tuple[timedelta, ...]:
    default = NotificationsSettings.model_fields[setting].default
    assert isinstance(default, str)
    return parse_leads(default)


TASK_LEADS = _default_leads("task_reminder_leads_min")
DEADLINE_LEADS = _default_leads("deadline_reminder_leads_min")


def test_the_default_leads_and_kinds() -> None:
    assert TASK_LEADS == (DAY,)
    assert DEADLINE_LEADS == (2 * DAY, DAY)
    assert REMINDER_KIND[SubjectKind.TASK] == "task_reminder"
    assert REMINDER_KIND[SubjectKind.APPLICATION_DEADLINE] == "deadline_reminder"


def test_a_task_due_in_a_week_reminds_its_assignee_a_day_before() -> None:
    due = NOW + 7 * DAY
    change = reconcile(
        holders=["cs-2025002"], previous_holders=[], starts_at=due, leads=TASK_LEADS, now=NOW
    )
    assert change.keep == (("cs-2025002", Firing(DAY, due - DAY)),)
    assert change.drop == frozenset()


def test_a_task_moved_earlier_than_its_lead_reminds_at_once_and_later_moves_back() -> None:
    moved = NOW + 5 * H  # the activity was brought forward: 24 h before has passed
    change = reconcile(
        holders=["a"], previous_holders=["a"], starts_at=moved, leads=TASK_LEADS, now=NOW
    )
    assert change.keep == (("a", Firing(DAY, NOW, at_once=True)),)
    later = NOW + 3 * DAY
    again = reconcile(
        holders=["a"], previous_holders=["a"], starts_at=later, leads=TASK_LEADS, now=NOW
    )
    assert again.keep == (("a", Firing(DAY, later - DAY)),)


def test_a_task_handed_over_moves_its_reminder_to_the_new_assignee() -> None:
    due = NOW + 4 * DAY
    change = reconcile(
        holders=["b"], previous_holders=["a"], starts_at=due, leads=TASK_LEADS, now=NOW
    )
    assert change.keep == (("b", Firing(DAY, due - DAY)),)
    assert change.drop == frozenset({"a"})
    # Nobody named any more: nobody kept, the former assignee dropped.
    unassigned = reconcile(
        holders=[], previous_holders=["b"], starts_at=due, leads=TASK_LEADS, now=NOW
    )
    assert (unassigned.keep, unassigned.drop) == ((), frozenset({"b"}))


def test_a_task_past_its_deadline_reminds_nobody() -> None:
    change = reconcile(
        holders=["a"], previous_holders=["a"], starts_at=NOW - H, leads=TASK_LEADS, now=NOW
    )
    assert change.keep == () and change.drop == frozenset()


def test_a_campaign_reminds_its_pool_less_the_applicants_once_each() -> None:
    pool = ["cs-2025001", "cs-2025002", "cs-2025001", "cs-2024003"]
    assert application_audience(pool, {"cs-2025002", "outsider"}) == [
        "cs-2025001",
        "cs-2024003",
    ]
    assert application_audience(pool, set(pool)) == []
    assert application_audience([], set()) == []


@pytest.mark.parametrize(
    ("closes_in", "expected"),
    [
        (10 * DAY, [2 * DAY, DAY]),  # both leads ahead
        (30 * H, [DAY]),  # opened 30 h before closing: 48 h has passed
    ],
)
def test_an_application_deadline_reminds_at_the_leads_still_ahead(
    closes_in: timedelta, expected: list[timedelta]
) -> None:
    closes = NOW + closes_in
    firings = plan_firings(closes, DEADLINE_LEADS, now=NOW)
    assert [f.lead for f in firings] == expected
    assert [f.fire_at for f in firings] == [closes - lead for lead in expected]
    assert not any(f.at_once for f in firings)


def test_a_campaign_closing_within_a_day_reminds_once_at_once() -> None:
    closes = NOW + 10 * H
    assert plan_firings(closes, DEADLINE_LEADS, now=NOW) == [Firing(DAY, NOW, at_once=True)]


def test_a_task_and_a_campaign_never_share_a_reminder() -> None:
    ids = {
        reminder_id(college="cs", subject_kind=kind, subject_id="x", person_id="a", lead=DAY)
        for kind in (SubjectKind.TASK, SubjectKind.APPLICATION_DEADLINE)
    }
    assert len(ids) == 2


def test_a_task_is_named_with_its_activity() -> None:
    assert task_title("义务献血活动", "活动宣传") == "义务献血活动 · 活动宣传"


# --- a window's deadline: no reminder before the window opens ---------------------------


def test_a_week_long_window_keeps_every_lead() -> None:
    closes = NOW + 10 * DAY
    kept = leads_within_window(DEADLINE_LEADS, opens_at=closes - 7 * DAY, closes_at=closes)
    assert kept == DEADLINE_LEADS


def test_a_one_day_window_drops_the_lead_before_it_opens() -> None:
    closes = NOW + 10 * DAY
    kept = leads_within_window(DEADLINE_LEADS, opens_at=closes - DAY, closes_at=closes)
    assert kept == (DAY,)  # T-24 h is the opening itself; T-48 h would come a day early
    assert [f.fire_at for f in plan_firings(closes, kept, now=NOW)] == [closes - DAY]


def test_a_window_shorter_than_every_lead_reminds_once_at_its_opening() -> None:
    closes = NOW + 10 * DAY
    opens = closes - 12 * H
    kept = leads_within_window(DEADLINE_LEADS, opens_at=opens, closes_at=closes)
    assert kept == (12 * H,)
    assert [f.fire_at for f in plan_firings(closes, kept, now=NOW)] == [opens]


def test_without_an_opening_or_leads_nothing_changes() -> None:
    closes = NOW + 10 * DAY
    assert leads_within_window(DEADLINE_LEADS, opens_at=None, closes_at=closes) == DEADLINE_LEADS
    assert leads_within_window((), opens_at=closes - H, closes_at=closes) == ()
