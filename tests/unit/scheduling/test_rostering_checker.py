"""The independent rota checker, one rule at a time, on tiny hand-made rotas."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.scheduling.domain.roster_checker import check_rota
from services.scheduling.domain.rostering import (
    Cover,
    Fairness,
    Holding,
    ShiftRequest,
    SkillRequirement,
    Staff,
    WeeklyDuty,
)
from tests.unit.scheduling.rota_support import DAY, NIGHT, a, problem, rules

pytestmark = pytest.mark.unit


def full_week(people: tuple[str, ...] = ("s0", "s1")) -> list:
    """s0 on every day shift, s1 on every evening shift of a week."""
    return [a(people[0], d, "D") for d in range(7)] + [a(people[1], d, "E") for d in range(7)]


def test_a_rota_that_keeps_every_rule_has_no_violation_and_zero_objective() -> None:
    judged = check_rota(problem(staff=2), full_week())
    assert judged.feasible
    assert judged.objective == 0.0
    assert set(judged.penalties) == {
        "cover_under",
        "cover_over",
        "shift_on_requests",
        "shift_off_requests",
        "fairness",
    }


def test_the_same_assignment_twice_is_a_violation() -> None:
    judged = check_rota(problem(staff=2), [*full_week(), a("s0", 0, "D")])
    assert "duplicate" in rules(judged)


@pytest.mark.parametrize(
    ("item", "rule"),
    [
        (a("ghost", 0, "D"), "unknown_staff"),
        (a("s0", 0, "X"), "unknown_shift_type"),
        (a("s0", 7, "D"), "outside_horizon"),
    ],
)
def test_an_assignment_outside_the_problem_is_named(item, rule: str) -> None:
    judged = check_rota(problem(staff=2), [*full_week(), item])
    assert rule in rules(judged)


def test_a_pinned_assignment_that_was_dropped_is_a_violation() -> None:
    rota = full_week()
    judged = check_rota(problem(staff=3), rota[1:], pinned=[rota[0]])
    assert "pinned" in rules(judged)
    message = next(v.message for v in judged.violations if v.rule == "pinned")
    assert "s0" in message and "day 0" in message and "shift D" in message


def test_a_day_off_and_an_unavailable_shift_are_violations_naming_staff_day_and_shift() -> None:
    people = (Staff("s0", days_off=frozenset({2})), Staff("s1", unavailable=frozenset({(3, "E")})))
    judged = check_rota(problem(staff=people), full_week())
    found = {v.rule: v for v in judged.violations}
    assert found["day_off"].staff == "s0" and found["day_off"].day == 2
    assert found["unavailable"].staff == "s1" and found["unavailable"].shift_type == "E"
    assert "day 3" in found["unavailable"].message


def test_more_shifts_of_a_type_than_allowed() -> None:
    people = (Staff("s0", max_shifts={"D": 6}), Staff("s1"))
    judged = check_rota(problem(staff=people), full_week())
    assert rules(judged) == ["max_shifts"]
    assert "s0" in judged.violations[0].message and "7" in judged.violations[0].message


def test_two_shifts_a_day_break_the_daily_limit() -> None:
    rota = [a("s0", d, k) for d in range(7) for k in ("D", "E")]
    assert "max_shifts_per_day" in rules(check_rota(problem(staff=1), rota))
    assert check_rota(problem(staff=1, max_shifts_per_day=2), rota).feasible


def test_overlapping_shifts_of_one_person() -> None:
    late = replace(DAY, id="L", start=DAY.start.replace(hour=11))
    p = problem(
        staff=1,
        kinds=(DAY, late),
        required=None,
        max_shifts_per_day=2,
        cover=(Cover(0, "D", 1), Cover(0, "L", 1)),
    )
    judged = check_rota(p, [a("s0", 0, "D"), a("s0", 0, "L")])
    assert rules(judged) == ["overlap"]


def test_too_little_rest_between_shifts() -> None:
    p = problem(
        staff=1,
        days=2,
        kinds=(NIGHT, DAY),
        required=None,
        min_rest_min=12 * 60,
        cover=(Cover(0, "N", 1), Cover(1, "D", 1)),
    )
    judged = check_rota(p, [a("s0", 0, "N"), a("s0", 1, "D")])
    assert rules(judged) == ["min_rest"]  # the night ends at 08:00 when the day starts
    assert "starts 0 min after" in judged.violations[0].message
    p2 = replace(p, shift_types=(replace(NIGHT, length_min=540), DAY))
    judged = check_rota(p2, [a("s0", 0, "N"), a("s0", 1, "D")])
    assert rules(judged) == ["min_rest"]
    assert "starts 60 min after" in judged.violations[0].message
    p3 = replace(p, shift_types=(replace(NIGHT, length_min=660), DAY))
    assert rules(check_rota(p3, [a("s0", 0, "N"), a("s0", 1, "D")])) == ["overlap"]


def test_a_forbidden_successor_the_next_day() -> None:
    evening = replace(problem().shift_types[1], forbidden_next=frozenset({"D"}))
    p = problem(staff=2, kinds=(DAY, evening))
    rota = (
        [a("s0", 0, "E"), a("s0", 1, "D")]
        + [a("s1", 0, "D")]
        + [a("s1", d, "E") for d in range(1, 7)]
        + [a("s0", d, "D") for d in range(2, 7)]
    )
    judged = check_rota(p, rota)
    assert rules(judged) == ["forbidden_successor"]


def test_total_minutes_below_the_minimum_and_above_the_maximum() -> None:
    people = (Staff("s0", max_total_min=240 * 6), Staff("s1", min_total_min=240 * 8))
    judged = check_rota(problem(staff=people), full_week())
    assert rules(judged) == ["max_total_minutes", "min_total_minutes"]


def test_working_days_in_a_row() -> None:
    people = (Staff("s0", max_consecutive_days=5), Staff("s1"))
    judged = check_rota(problem(staff=people), full_week())
    assert rules(judged) == ["max_consecutive_days"]


def test_a_short_working_stretch_inside_the_horizon_but_not_at_its_edges() -> None:
    people = (Staff("s0", min_consecutive_days=2), Staff("s1"), Staff("s2"))
    p = problem(
        staff=people,
        kinds=(DAY,),
        required=None,
        cover=tuple(Cover(d, "D", 1, under_weight=1) for d in range(7)),
    )
    alone = check_rota(p, [a("s0", 3, "D")])  # day 3 alone: a one-day stretch inside
    assert rules(alone) == ["min_consecutive_days"]
    at_edges = check_rota(p, [a("s0", 0, "D"), a("s0", 6, "D")])  # touching the horizon
    assert at_edges.feasible


def test_a_short_rest_stretch_between_working_days() -> None:
    people = (Staff("s0", min_consecutive_days_off=2), Staff("s1"))
    p = problem(
        staff=people,
        kinds=(DAY,),
        required=None,
        cover=tuple(Cover(d, "D", 1, under_weight=1) for d in range(7)),
    )
    judged = check_rota(p, [a("s0", 0, "D"), a("s0", 2, "D")])
    assert rules(judged) == ["min_consecutive_days_off"]
    assert check_rota(p, [a("s0", 0, "D"), a("s0", 3, "D")]).feasible


def test_working_weekends() -> None:
    people = (Staff("s0", max_weekends=1), Staff("s1"))
    p = problem(staff=people, days=14)
    rota = [a("s0", d, "D") for d in range(14)] + [a("s1", d, "E") for d in range(14)]
    judged = check_rota(p, rota)
    assert rules(judged) == ["max_weekends"]
    assert "2 weekends" in judged.violations[0].message


def test_a_weekly_duty_too_short_or_missing() -> None:
    short = replace(DAY, id="S", length_min=120)
    p = problem(staff=3, kinds=(DAY, short), weekly_duty=WeeklyDuty(1, 180))
    rota = [a("s0", d, "D") for d in range(7)] + [a("s1", d, "S") for d in range(7)]
    judged = check_rota(p, rota)
    assert sorted((v.rule, v.staff) for v in judged.violations) == [
        ("weekly_duty", "s1"),
        ("weekly_duty", "s2"),
    ]


def test_hard_cover_under_and_over_and_its_maximum() -> None:
    p = problem(staff=3)
    under = check_rota(p, full_week()[1:])
    assert rules(under) == ["cover"] and "needs 1" in under.violations[0].message
    over = check_rota(p, [*full_week(), a("s2", 0, "D")])
    assert rules(over) == ["cover"] and "at most 1" in over.violations[0].message
    soft = problem(
        staff=3,
        required=None,
        cover=tuple(Cover(d, k, 1, over_weight=1, maximum=2) for d in range(7) for k in "DE"),
    )
    rota = [*full_week(), a("s2", 0, "D")]
    assert check_rota(soft, rota).feasible
    crowded = check_rota(replace(soft, staff=(*soft.staff, Staff("s3"))), [*rota, a("s3", 0, "D")])
    assert rules(crowded) == ["cover"] and "at most 2" in crowded.violations[0].message


def test_working_a_shift_that_has_no_cover_requirement() -> None:
    p = problem(staff=2, required=None, cover=(Cover(0, "D", 1),))
    judged = check_rota(p, [a("s0", 0, "D"), a("s1", 1, "E")])
    assert rules(judged) == ["no_cover"]


def test_a_shift_without_its_required_skill() -> None:
    people = (Staff("s0", skills=frozenset({"experienced"})), Staff("s1"))
    p = problem(staff=people, skill_requirements=(SkillRequirement(0, "E", "experienced"),))
    judged = check_rota(p, full_week())
    assert rules(judged) == ["skill"]
    assert "experienced" in judged.violations[0].message


def test_a_held_block_taken_in_part_and_a_block_held_twice_in_a_row() -> None:
    week1 = Holding("D-w1", tuple((d, "D") for d in range(0, 7)), frozenset({"D-w2"}))
    week2 = Holding("D-w2", tuple((d, "D") for d in range(7, 14)))
    p = problem(staff=4, days=14, holdings=(week1, week2))
    evenings = [a("s2", d, "E") for d in range(14)]
    split = [a("s0", d, "D") for d in range(0, 6)] + [a("s3", 6, "D")]
    judged = check_rota(p, split + [a("s1", d, "D") for d in range(7, 14)] + evenings)
    assert sorted((v.rule, v.staff) for v in judged.violations) == [
        ("holding", "s0"),
        ("holding", "s3"),
    ]
    twice = check_rota(p, [a("s0", d, "D") for d in range(14)] + evenings)
    assert rules(twice) == ["holding_rotation"]
    fine = check_rota(
        p,
        [a("s0", d, "D") for d in range(7)] + [a("s1", d, "D") for d in range(7, 14)] + evenings,
    )
    assert fine.feasible


def test_soft_cover_costs_its_weights() -> None:
    p = problem(
        staff=3,
        required=None,
        cover=(Cover(0, "D", 2, under_weight=5), Cover(0, "E", 1, over_weight=3)),
    )
    judged = check_rota(p, [a("s0", 0, "D"), a("s1", 0, "E"), a("s2", 0, "E")])
    assert judged.feasible
    assert judged.penalties["cover_under"] == 5
    assert judged.penalties["cover_over"] == 3
    assert judged.objective == 8


def test_requests_cost_their_weight_when_not_granted() -> None:
    requests = (
        ShiftRequest("s0", 0, "E", 4, True),  # wants the evening: not granted
        ShiftRequest("s0", 1, None, 2, True),  # wants to work day 1: granted
        ShiftRequest("s1", 2, "E", 3, False),  # does not want the evening: given it
        ShiftRequest("s1", 3, None, 7, False),  # wants day 3 off: works it
        ShiftRequest("s0", 4, "E", 1, False),  # does not want the evening: granted
    )
    judged = check_rota(problem(staff=2, requests=requests), full_week())
    assert judged.penalties["shift_on_requests"] == 4
    assert judged.penalties["shift_off_requests"] == 10
    assert judged.objective == 14


def test_fairness_costs_its_weight_per_hour_between_most_and_least_loaded() -> None:
    p = problem(staff=3, fairness=Fairness(2))
    judged = check_rota(p, full_week())  # 28 h, 28 h and 0 h
    assert judged.penalties["fairness"] == 2 * 28
    balanced = check_rota(replace(p, staff=p.staff[:2]), full_week())
    assert balanced.penalties["fairness"] == 0
