"""The office duty rota template (DOMAIN.md §2) expanded into the general model and solved."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, time

import pytest

from services.scheduling.domain.office_rota import (
    DAY_POST,
    BusySlot,
    OfficeMember,
    OfficeTemplate,
    busy_during,
    office_problem,
)
from services.scheduling.domain.roster_checker import check_rota
from services.scheduling.solver.rostering import solve_rota

pytestmark = pytest.mark.unit

MONDAY = date(2024, 9, 2)


def members(count: int, busy: Mapping[int, tuple[BusySlot, ...]] | None = None) -> tuple:
    busy = busy or {}
    return tuple(OfficeMember(f"m{i}", busy=busy.get(i, ())) for i in range(count))


def test_a_class_overlapping_a_post_makes_the_member_unavailable_for_it() -> None:
    member = OfficeMember("m", busy=(BusySlot(1, time(11, 0), time(12, 35)),))
    assert busy_during(member, 1, DAY_POST)
    assert not busy_during(member, 2, DAY_POST)
    assert not busy_during(
        OfficeMember("n", busy=(BusySlot(1, time(12, 0), time(13, 0)),)), 1, DAY_POST
    )  # ends when the post ends: no overlap
    problem = office_problem(OfficeTemplate(MONDAY, 1, (member,)))
    assert problem.staff[0].unavailable == frozenset({(1, "day")})


def test_weekly_posts_are_held_for_a_week_and_rotate() -> None:
    template = OfficeTemplate(
        MONDAY, 3, members(5, {0: (BusySlot(0, time(8), time(9, 40)),)}), fairness_weight=1
    )
    problem = office_problem(template)
    assert len(problem.cover) == 3 * 5 * 2 and len(problem.holdings) == 6
    outcome = solve_rota(problem, time_limit_s=5)
    assert outcome.status == "optimal"
    assert check_rota(problem, outcome.assignments).violations == ()
    holders: dict[tuple[str, int], set[str]] = defaultdict(set)
    for item in outcome.assignments:
        assert problem.date_of(item.day).weekday() < 5  # open Mon-Fri only
        holders[(item.shift_type, item.day // 7)].add(item.staff)
    assert all(len(names) == 1 for names in holders.values())  # one holder all week
    for post in ("day", "evening"):
        for week in (0, 1):
            assert holders[(post, week)] != holders[(post, week + 1)]  # posts rotate
    assert "m0" not in holders[("day", 0)] | holders[("day", 1)] | holders[("day", 2)]


def test_when_nobody_is_free_all_week_the_conflict_names_the_post() -> None:
    busy = {i: (BusySlot(i, time(8), time(9, 40)),) for i in range(5)}  # a class each morning
    outcome = solve_rota(
        office_problem(OfficeTemplate(MONDAY, 1, members(5, busy))), time_limit_s=5
    )
    assert outcome.status == "infeasible"
    assert len(outcome.conflicts) == 1 and "shift day needs 1" in outcome.conflicts[0]


def test_every_member_does_a_duty_of_three_hours_or_more_each_week() -> None:
    busy = {i: (BusySlot(i % 5, time(8), time(12)),) for i in range(12)}
    template = OfficeTemplate(MONDAY, 2, members(12, busy), rule="weekly_duty")
    problem = office_problem(template)
    outcome = solve_rota(problem, time_limit_s=5)
    assert outcome.status == "optimal"
    assert check_rota(problem, outcome.assignments).violations == ()
    per_week: dict[tuple[str, int], int] = defaultdict(int)
    for item in outcome.assignments:
        per_week[(item.staff, item.day // 7)] += 1
    assert all(per_week[(f"m{i}", w)] >= 1 for i in range(12) for w in (0, 1))
    # 12 duties a week over 10 dated shifts of one seat: two extra people, at least
    assert outcome.penalties["cover_over"] == 2 * 2
