"""The independent checker of an activity plan: each rule on its own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.scheduling.domain.activities import Placement
from services.scheduling.domain.activity_check import check_calendar
from tests.unit.scheduling.activities_support import at, campus, needs

pytestmark = pytest.mark.unit


def test_a_person_in_two_departments_activities_at_once_is_a_clash() -> None:
    teaching = needs(1, people=("cs-2024001", "cs-2024002"), department="volunteers")
    blood = needs(2, people=("cs-2024002",), department="social_practice")
    verdict = check_calendar(
        [teaching, blood], [at(teaching, campus(0, 14)), at(blood, campus(0, 14, 30))]
    )
    assert [(c.resource_kind, c.resource, c.overlap_min) for c in verdict.clashes] == [
        ("person", "cs-2024002", 30)
    ]
    assert {verdict.clashes[0].first, verdict.clashes[0].second} == {
        teaching.activity_id,
        blood.activity_id,
    }
    assert verdict.conflicts == 1
    assert not verdict.clash_free


def test_the_same_room_at_once_is_a_clash_even_without_shared_people() -> None:
    a = needs(1, people=("a",), room="报告厅")
    b = needs(2, people=("b",), room="报告厅")
    verdict = check_calendar([a, b], [at(a, campus(0, 9)), at(b, campus(0, 9))])
    assert [(c.resource_kind, c.resource, c.overlap_min) for c in verdict.clashes] == [
        ("room", "报告厅", 60)
    ]


def test_back_to_back_is_no_clash_and_nothing_shared_is_no_clash() -> None:
    a = needs(1, people=("a",), room="报告厅")
    b = needs(2, people=("a",), room="报告厅")
    c = needs(3, people=("c",), room="操场")
    verdict = check_calendar(
        [a, b, c], [at(a, campus(0, 9)), at(b, campus(0, 10)), at(c, campus(0, 9, 30))]
    )
    assert verdict.clash_free
    assert verdict.violations == ()


def test_an_activity_already_scheduled_blocks_its_people_and_room() -> None:
    scheduled = needs(9, people=("head",), room="会议室 1")
    draft = needs(1, people=("other",), room="会议室 1")
    verdict = check_calendar(
        [draft], [at(draft, campus(0, 10))], scheduled=[(scheduled, at(scheduled, campus(0, 10)))]
    )
    assert [c.resource for c in verdict.clashes] == ["会议室 1"]
    assert {verdict.clashes[0].first, verdict.clashes[0].second} == {
        draft.activity_id,
        scheduled.activity_id,
    }


def test_three_at_once_are_three_clashes() -> None:
    trio = [needs(n, people=("p",)) for n in (1, 2, 3)]
    verdict = check_calendar(trio, [at(a, campus(0, 9)) for a in trio])
    assert len(verdict.clashes) == 3


def test_outside_the_window_is_a_violation() -> None:
    a = needs(1, window=(campus(0, 14), campus(0, 18)))
    verdict = check_calendar([a], [at(a, campus(0, 17, 30))])
    assert [v.rule for v in verdict.violations] == ["outside_window"]
    verdict = check_calendar([a], [at(a, campus(0, 13))])
    assert [v.rule for v in verdict.violations] == ["outside_window"]


def test_outside_campus_hours_or_across_midnight_is_a_violation() -> None:
    whole_day = (campus(0, 0), campus(2, 0))
    early = needs(1, window=whole_day)
    late = needs(2, window=whole_day, duration=120)
    verdict = check_calendar([early, late], [at(early, campus(0, 7, 30)), at(late, campus(0, 23))])
    assert sorted((v.activity_id.int, v.rule) for v in verdict.violations) == [
        (1, "outside_campus_hours"),
        (2, "outside_campus_hours"),
    ]
    # Ending exactly at closing time is inside the hours.
    fine = check_calendar([late], [at(late, campus(0, 20))])
    assert fine.clash_free


def test_a_placement_of_the_wrong_length_is_a_violation() -> None:
    a = needs(1, duration=90)
    short = Placement(a.activity_id, campus(0, 9), campus(0, 10))
    assert [v.rule for v in check_calendar([a], [short]).violations] == ["wrong_duration"]
    seconds = Placement(a.activity_id, campus(0, 9), campus(0, 10, 30) + timedelta(seconds=5))
    assert [v.rule for v in check_calendar([a], [seconds]).violations] == ["wrong_duration"]


def test_every_draft_is_placed_once_and_nothing_else() -> None:
    a, b, stranger = needs(1), needs(2), needs(3)
    verdict = check_calendar(
        [a, b], [at(a, campus(0, 9)), at(a, campus(0, 12)), at(stranger, campus(0, 9))]
    )
    assert sorted((v.activity_id.int, v.rule) for v in verdict.violations) == [
        (1, "placed_twice"),
        (2, "not_placed"),
        (3, "unknown_activity"),
    ]


def test_the_objective_is_the_minutes_after_each_window_opens() -> None:
    a = needs(1, window=(campus(0, 9), campus(0, 22)))
    b = needs(2, window=(campus(1, 8), campus(1, 22)))
    verdict = check_calendar([a, b], [at(a, campus(0, 9, 45)), at(b, campus(1, 10))])
    assert verdict.delay_min == 45 + 120
