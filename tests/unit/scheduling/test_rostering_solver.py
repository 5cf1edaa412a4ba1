"""The CP-SAT rota solver and repair, every answer judged by the independent checker."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import time as wall

import pytest

from services.scheduling.domain.roster_checker import check_rota
from services.scheduling.domain.rostering import (
    Cover,
    Fairness,
    Holding,
    RotaOutcome,
    RotaProblem,
    ShiftRequest,
    SkillRequirement,
    Staff,
    WeeklyDuty,
)
from services.scheduling.domain.solving import SolveProgress
from services.scheduling.solver.repair import repair_rota
from services.scheduling.solver.rostering import solve_rota
from tests.unit.scheduling.rota_support import DAY, EVENING, a, problem

pytestmark = pytest.mark.unit


def solved(p: RotaProblem, limit: float = 5.0) -> RotaOutcome:
    outcome = solve_rota(p, time_limit_s=limit, workers=2)
    judged = check_rota(p, outcome.assignments)
    assert outcome.status == "optimal", outcome.conflicts
    assert judged.violations == () and outcome.hard_violations == ()
    assert outcome.objective == judged.objective
    assert outcome.solver_objective == pytest.approx(judged.objective)
    assert outcome.bound == pytest.approx(judged.objective)
    assert outcome.gap == 0.0
    return outcome


# Each problem tempts the solver (requests, cover) to break one rule.
TEMPTED = {
    "max_shifts": problem(
        staff=(Staff("s0", max_shifts={"D": 2}), Staff("s1"), Staff("s2")),
        requests=tuple(ShiftRequest("s0", d, "D", 5, True) for d in range(7)),
    ),
    "max_consecutive_days": problem(
        staff=(Staff("s0", max_consecutive_days=2), Staff("s1"), Staff("s2")),
        requests=tuple(ShiftRequest("s0", d, "D", 5, True) for d in range(7)),
    ),
    "min_consecutive_days": problem(
        staff=(Staff("s0", min_consecutive_days=3), Staff("s1"), Staff("s2")),
        requests=(
            ShiftRequest("s0", 3, "D", 5, True),
            *(ShiftRequest("s0", d, None, 2, False) for d in (1, 2, 4, 5)),
        ),
    ),
    "min_consecutive_days_off": problem(
        staff=(Staff("s0", min_consecutive_days_off=2), Staff("s1"), Staff("s2")),
        requests=tuple(ShiftRequest("s0", d, "D", 5, True) for d in (0, 1, 3, 4, 6)),
    ),
    "max_weekends": problem(
        days=14,
        staff=(Staff("s0", max_weekends=1), Staff("s1"), Staff("s2")),
        requests=tuple(ShiftRequest("s0", d, "D", 5, True) for d in (5, 12)),
    ),
    "min_rest": problem(
        staff=3,
        min_rest_min=15 * 60,  # evening ends 18:00, day starts 08:00: 14 h
        requests=(ShiftRequest("s0", 0, "E", 5, True), ShiftRequest("s0", 1, "D", 5, True)),
    ),
    "forbidden_successor": problem(
        staff=3,
        kinds=(DAY, replace(EVENING, forbidden_next=frozenset({"D"}))),
        requests=(ShiftRequest("s0", 0, "E", 5, True), ShiftRequest("s0", 1, "D", 5, True)),
    ),
    "min_max_total_minutes": problem(
        staff=(Staff("s0", max_total_min=480), Staff("s1", min_total_min=240 * 5), Staff("s2")),
        requests=tuple(ShiftRequest("s0", d, "D", 5, True) for d in range(7))
        + tuple(ShiftRequest("s1", d, None, 5, False) for d in range(7)),
    ),
    "skill": problem(
        staff=(Staff("s0", skills=frozenset({"exp"})), Staff("s1"), Staff("s2")),
        skill_requirements=tuple(SkillRequirement(d, "E", "exp") for d in range(3)),
        requests=tuple(ShiftRequest("s0", d, "D", 5, True) for d in range(7)),
    ),
    "weekly_duty": problem(
        days=14,
        staff=4,
        required=None,
        cover=tuple(Cover(d, k, 1, over_weight=1) for d in range(14) for k in "DE"),
        weekly_duty=WeeklyDuty(2, 240),
    ),
    "holdings": problem(
        days=14,
        staff=3,
        holdings=tuple(
            Holding(
                f"{k}-w{w}",
                tuple((d, k) for d in range(7 * w, 7 * w + 7)),
                frozenset({f"{k}-w{w + 1}"}) if w == 0 else frozenset(),
            )
            for w in (0, 1)
            for k in "DE"
        ),
        requests=tuple(ShiftRequest("s0", d, "D", 5, True) for d in range(14)),
    ),
    "fairness": problem(staff=4, fairness=Fairness(3)),
}


@pytest.mark.parametrize("rule", sorted(TEMPTED))
def test_the_optimal_rota_keeps_every_hard_rule_and_the_checker_agrees(rule: str) -> None:
    outcome = solved(TEMPTED[rule])
    assert outcome.first_feasible_s is not None and outcome.wall_s < 5


def test_the_weekly_duty_and_fairness_are_optimised_not_just_satisfied() -> None:
    outcome = solved(TEMPTED["fairness"])
    loads = {p.id: 0 for p in TEMPTED["fairness"].staff}
    for item in outcome.assignments:
        loads[item.staff] += 4
    assert max(loads.values()) - min(loads.values()) == 4  # 14 shifts over 4 people: 3 or 4
    assert outcome.penalties["fairness"] == 3 * 4


def test_a_held_week_goes_to_one_person_and_posts_rotate() -> None:
    outcome = solved(TEMPTED["holdings"])
    holders: dict[tuple[str, int], set[str]] = {
        (item.shift_type, item.day // 7): set() for item in outcome.assignments
    }
    for item in outcome.assignments:
        holders[(item.shift_type, item.day // 7)].add(item.staff)
    assert all(len(names) == 1 for names in holders.values())
    assert holders[("D", 0)] != holders[("D", 1)]


def test_progress_reports_objective_and_bound() -> None:
    seen: list[SolveProgress] = []
    outcome = solve_rota(TEMPTED["skill"], time_limit_s=5, progress=seen.append)
    assert seen and seen[-1].objective == outcome.objective
    assert all(p.bound <= p.objective for p in seen)


def test_a_stop_flag_ends_the_solve_at_once() -> None:
    big = problem(
        days=28,
        staff=60,
        kinds=(DAY, EVENING),
        required=3,
        fairness=Fairness(1),
        requests=tuple(
            ShiftRequest(f"s{i}", (i * 7) % 28, "D", 1 + i % 3, True) for i in range(60)
        ),
    )
    started = time.monotonic()
    outcome = solve_rota(big, time_limit_s=30, stop=lambda: True)
    assert time.monotonic() - started < 10
    assert outcome.status in ("cancelled", "optimal")


def test_an_infeasible_cover_names_the_cover_requirement() -> None:
    p = problem(staff=2, required=None, cover=(Cover(3, "D", 3), Cover(4, "E", 1)))
    outcome = solve_rota(p, time_limit_s=5)
    assert outcome.status == "infeasible" and not outcome.assignments
    assert outcome.conflicts == ("cover of day 3 (2024-09-05) shift D needs 3",)


def test_a_cover_beyond_what_all_can_work_is_named_with_fairness_on_too() -> None:
    """The fairness cuts follow from the covers, so the explaining model leaves them out:
    with them, the problem was infeasible with no requirement named at all, and the
    answer blamed the overlap of shifts, which an empty rota keeps."""
    p = problem(
        staff=2, kinds=(DAY,), required=None, cover=(Cover(0, "D", 3),), fairness=Fairness(1)
    )
    outcome = solve_rota(p, time_limit_s=5)
    assert outcome.status == "infeasible" and not outcome.assignments
    assert outcome.conflicts == ("cover of day 0 (2024-09-02) shift D needs 3",)


def test_an_infeasible_limit_names_the_staff_limit_and_the_cover() -> None:
    people = (
        Staff("s0", max_shifts={"D": 2}),
        Staff("s1", unavailable=frozenset((d, "D") for d in range(7))),
    )
    p = problem(staff=people, kinds=(DAY,))
    outcome = solve_rota(p, time_limit_s=5)
    assert outcome.status == "infeasible"
    assert "staff s0 max 2 shifts of type D" in outcome.conflicts
    assert any(c.startswith("cover of day") for c in outcome.conflicts)
    assert len(outcome.conflicts) <= 4


def test_repair_keeps_pinned_assignments_and_changes_the_fewest() -> None:
    p = problem(staff=4, fairness=Fairness(1))
    first = solved(p)
    leaver = first.assignments[-1].staff
    gone = replace(
        p,
        staff=tuple(
            replace(s, days_off=frozenset(range(3, 7))) if s.id == leaver else s for s in p.staff
        ),
    )
    pinned = [item for item in first.assignments if item.day < 3]
    theirs = [item for item in first.assignments if item.staff == leaver and item.day >= 3]
    outcome = repair_rota(gone, first.assignments, pinned=pinned, time_limit_s=5)
    assert outcome.status in ("optimal", "feasible")
    judged = check_rota(gone, outcome.assignments, pinned=pinned)
    assert judged.violations == ()
    assert set(pinned) <= set(outcome.assignments)
    assert outcome.changes == 2 * len(theirs)  # each freed seat: one out, one in, no more
    assert outcome.objective == judged.objective


def test_repair_of_an_unbroken_rota_changes_nothing() -> None:
    p = problem(staff=3)
    first = solved(p)
    outcome = repair_rota(p, first.assignments, pinned=[], time_limit_s=5)
    assert outcome.changes == 0 and set(outcome.assignments) == set(first.assignments)


def test_repair_names_the_conflict_when_a_pin_cannot_hold() -> None:
    p = problem(staff=2, kinds=(DAY,))
    pinned = [a("s0", 0, "D"), a("s1", 0, "D")]  # two people where one seat is allowed
    outcome = repair_rota(p, pinned, pinned=pinned, time_limit_s=5)
    assert outcome.status == "infeasible"
    assert any("pinned" in c for c in outcome.conflicts) or any(
        "cover of day 0" in c for c in outcome.conflicts
    )


def test_a_wall_clock_start_shift_crossing_midnight_is_handled() -> None:
    night = replace(DAY, id="N", start=wall(22), length_min=600)
    p = problem(staff=3, kinds=(night, DAY), min_rest_min=8 * 60)
    outcome = solved(p)
    by_person: dict[str, list] = {}
    for item in outcome.assignments:
        by_person.setdefault(item.staff, []).append(item)
    for items in by_person.values():
        nights = {i.day for i in items if i.shift_type == "N"}
        assert not any(i.shift_type == "D" and i.day - 1 in nights for i in items)
