"""Reminder timing with injected time: leads, passed leads, at-once, identities, moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain.reminders import (
    Firing,
    SubjectKind,
    message_event_id,
    parse_leads,
    plan_firings,
    reconcile,
    remaining_lead,
    reminder_id,
)

pytestmark = pytest.mark.unit

H = timedelta(hours=1)
DAY = timedelta(hours=24)
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_leads_parse_largest_first_distinct() -> None:
    assert parse_leads("60, 1440,60,") == (DAY, H)
    assert parse_leads("") == ()


@pytest.mark.parametrize("text", ["-5", "soon", "1.5"])
def test_bad_leads_are_a_configuration_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_leads(text)


def test_shift_two_days_ahead_reminds_at_t_minus_24h_and_1h() -> None:
    starts = NOW + 2 * DAY
    assert plan_firings(starts, (DAY, H), now=NOW) == [
        Firing(DAY, starts - DAY),
        Firing(H, starts - H),
    ]


def test_a_passed_lead_is_skipped_while_a_later_one_remains() -> None:
    starts = NOW + 5 * H
    assert plan_firings(starts, (DAY, H), now=NOW) == [Firing(H, starts - H)]


def test_every_lead_passed_but_still_ahead_fires_once_at_once() -> None:
    starts = NOW + timedelta(minutes=30)
    assert plan_firings(starts, (DAY, H), now=NOW) == [Firing(H, NOW, at_once=True)]


def test_a_lead_exactly_now_counts_as_passed() -> None:
    starts = NOW + H
    assert plan_firings(starts, (DAY, H), now=NOW) == [Firing(H, NOW, at_once=True)]


@pytest.mark.parametrize("starts", [NOW, NOW - H])
def test_nothing_for_a_subject_that_started(starts: datetime) -> None:
    assert plan_firings(starts, (DAY, H), now=NOW) == []


def test_no_leads_no_reminders() -> None:
    assert plan_firings(NOW + DAY, (), now=NOW) == []


def test_identity_is_stable_and_distinct_per_person_lead_subject() -> None:
    base = {
        "college": "cs",
        "subject_kind": SubjectKind.SHIFT,
        "subject_id": "s1",
        "person_id": "u1",
        "lead": H,
    }
    first = reminder_id(**base)  # type: ignore[arg-type]
    assert first == reminder_id(**base)  # type: ignore[arg-type]
    for change in (
        {"college": "math"},
        {"subject_kind": SubjectKind.MEETING},
        {"subject_id": "s2"},
        {"person_id": "u2"},
        {"lead": DAY},
    ):
        assert reminder_id(**{**base, **change}) != first  # type: ignore[arg-type]


def test_a_moved_subject_gets_a_new_message_id_an_unmoved_one_the_same() -> None:
    rid = reminder_id(
        college="cs", subject_kind=SubjectKind.SHIFT, subject_id="s", person_id="u", lead=H
    )
    assert message_event_id(rid, NOW) == message_event_id(rid, NOW)
    assert message_event_id(rid, NOW) != message_event_id(rid, NOW + H)


def test_remaining_lead_is_never_more_than_planned_or_negative() -> None:
    assert remaining_lead(NOW + H, NOW, H) == H
    assert remaining_lead(NOW + timedelta(minutes=20), NOW, H) == timedelta(minutes=20)
    assert remaining_lead(NOW + 3 * H, NOW, H) == H
    assert remaining_lead(NOW - H, NOW, H) == timedelta(0)


def test_reconcile_moves_everyone_still_on_it_and_drops_who_left() -> None:
    starts = NOW + 2 * DAY
    change = reconcile(
        holders=["b", "c", "b"],
        previous_holders=["a", "b"],
        starts_at=starts,
        leads=(DAY, H),
        now=NOW,
    )
    assert change.drop == {"a"}
    assert [(p, f.fire_at) for p, f in change.keep] == [
        ("b", starts - DAY),
        ("b", starts - H),
        ("c", starts - DAY),
        ("c", starts - H),
    ]


def test_reconcile_of_a_started_subject_keeps_nothing() -> None:
    change = reconcile(holders=["a"], previous_holders=["a"], starts_at=NOW, leads=(H,), now=NOW)
    assert change.keep == () and change.drop == frozenset()
