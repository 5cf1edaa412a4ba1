"""Repair plans (pure) and the repairs made of them: every pinned seat kept, each freed
seat given to one member who may take it or cancelled, judged by the independent checker.
The last test is a property over random small rotas."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from services.scheduling.domain.office_rota import OfficeMember, OfficeTemplate, office_problem
from services.scheduling.domain.roster_checker import check_rota
from services.scheduling.domain.rostering import (
    Assignment,
    Cover,
    RotaProblem,
    ShiftType,
    SkillRequirement,
    Staff,
)
from services.scheduling.domain.rota_repair import (
    freed_seats,
    greedy_repair,
    judge_repair,
    nobody_takes,
    plan_repair,
    seat_changes,
)
from services.scheduling.domain.rotas import Absence, absent_cells, with_absences
from services.scheduling.solver.repair import repair_rota
from services.scheduling.solver.rostering import solve_rota

pytestmark = pytest.mark.unit

MONDAY = date(2026, 3, 2)
BEFORE = datetime(2026, 2, 1, tzinfo=UTC)


def office(members: int = 6) -> RotaProblem:
    template = OfficeTemplate(
        start=MONDAY,
        weeks=3,
        members=tuple(OfficeMember(f"m{i}") for i in range(members)),
        fairness_weight=0,
    )
    return office_problem(template)


def lengths(problem: RotaProblem) -> dict[str, int]:
    return {kind.id: kind.length_min for kind in problem.shift_types}


def withdraw(problem: RotaProblem, person: str, at: datetime) -> Absence:
    return Absence(person, "withdrawal", at, None, at, "退出")


def test_a_withdrawal_mid_week_gives_the_rest_of_the_week_at_that_post_to_one_member() -> None:
    problem = office()
    rota = set(solve_rota(problem, time_limit_s=5, workers=1).assignments)
    holder = next(a.staff for a in rota if (a.day, a.shift_type) == (7, "day"))  # week 2
    wednesday = problem.starts_at(9, "day")  # week 2, Wednesday 08:00: Mon and Tue kept
    absence = withdraw(problem, holder, wednesday)
    away = with_absences(problem, [absence])
    freed = freed_seats(rota, person_id=holder, cells=absent_cells(away, absence))
    assert {(a.day, a.shift_type) for a in freed} == {(9, "day"), (10, "day"), (11, "day")}
    plan = plan_repair(away, rota, freed=freed, absent={holder})
    assert plan.groups == (((9, "day"), (10, "day"), (11, "day")),)
    # Whoever holds the day post in weeks 1 or 3 may not hold it in week 2 (rotation).
    neighbours = {a.staff for a in rota if a.shift_type == "day" and a.day // 7 in (0, 2)}
    outcome = repair_rota(
        plan.problem, plan.kept | set(freed), pinned=plan.kept, time_limit_s=5, workers=1
    )
    assert outcome.publishable
    changes = judge_repair(plan, set(outcome.assignments) | plan.pinned)
    assert changes is not None and len(changes) == 3
    takers = {c.to_person for c in changes}
    assert len(takers) == 1 and takers.isdisjoint(neighbours | {holder, None})
    # The member keeps Monday and Tuesday: those shifts had started, as it were.
    assert plan.pinned >= {Assignment(holder, 7, "day"), Assignment(holder, 8, "day")}


def test_nobody_takes_a_freed_seat_that_every_other_member_would_break_a_rule_for() -> None:
    kinds = (ShiftType("day", "desk", time(8), 240),)
    staff = (
        Staff("k1", skills=frozenset({"key"})),
        Staff("k2", skills=frozenset({"key"}), max_shifts={"day": 1}),
        Staff("n1"),
    )
    problem = RotaProblem(
        MONDAY,
        2,
        kinds,
        staff,
        cover=(Cover(0, "day", 1), Cover(1, "day", 1)),
        skill_requirements=(SkillRequirement(0, "day", "key"), SkillRequirement(1, "day", "key")),
    )
    rota = {Assignment("k1", 0, "day"), Assignment("k2", 1, "day")}
    absence = withdraw(problem, "k1", BEFORE)
    away = with_absences(problem, [absence])
    freed = freed_seats(rota, person_id="k1", cells=absent_cells(away, absence))
    plan = plan_repair(away, rota, freed=freed, absent={"k1"})
    greedy = greedy_repair(plan, lengths=lengths(problem))
    assert greedy == plan.pinned  # k2 may hold one day shift, n1 has no key
    assert judge_repair(plan, greedy) == nobody_takes(plan)
    assert [c.to_person for c in nobody_takes(plan)] == [None]


def test_a_repair_that_loses_a_pinned_seat_or_adds_one_elsewhere_is_no_repair() -> None:
    problem = office()
    rota = set(solve_rota(problem, time_limit_s=5, workers=1).assignments)
    holder = next(a.staff for a in rota if (a.day, a.shift_type) == (0, "evening"))
    absence = withdraw(problem, holder, BEFORE)
    away = with_absences(problem, [absence])
    freed = freed_seats(rota, person_id=holder, cells=absent_cells(away, absence))
    plan = plan_repair(away, rota, freed=freed, absent={holder})
    some_pinned = next(iter(plan.pinned))
    assert seat_changes(plan, plan.pinned - {some_pinned}) is None
    elsewhere = Assignment("m0", 20, "day")
    assert seat_changes(plan, plan.pinned | {elsewhere}) is None
    assert judge_repair(plan, plan.pinned | {elsewhere}) is None


@st.composite
def small_rotas(draw: st.DrawFn) -> tuple[RotaProblem, int, int]:
    days = draw(st.integers(2, 4))
    members = draw(st.integers(3, 6))
    kinds = (ShiftType("am", "desk", time(8), 240), ShiftType("pm", "desk", time(14), 240))
    staff = tuple(
        Staff(
            f"p{i}",
            max_shifts={"am": draw(st.integers(1, days)), "pm": draw(st.integers(1, days))},
            unavailable=frozenset(
                draw(st.sets(st.tuples(st.integers(0, days - 1), st.sampled_from(["am", "pm"]))))
            ),
            skills=frozenset({"key"}) if i % 2 == 0 else frozenset(),
        )
        for i in range(members)
    )
    cover = tuple(
        Cover(day, kind.id, draw(st.integers(0, 2))) for day in range(days) for kind in kinds
    )
    skills = tuple(SkillRequirement(c.day, c.shift_type, "key") for c in cover if c.required == 2)
    problem = RotaProblem(MONDAY, days, kinds, staff, cover, skill_requirements=skills)
    return problem, draw(st.integers(0, 50)), draw(st.integers(0, days - 1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_rotas())
def test_repair_never_changes_a_pinned_seat_and_breaks_no_hard_rule(
    case: tuple[RotaProblem, int, int],
) -> None:
    problem, pick, from_day = case
    solved = solve_rota(problem, time_limit_s=2, workers=1)
    assume(solved.publishable and bool(solved.assignments))
    rota = set(solved.assignments)
    # Someone with a seat on or after the day they withdraw, so something is freed.
    later = sorted(a for a in rota if a.day >= from_day) or sorted(rota)
    person = later[pick % len(later)].staff
    absence = withdraw(problem, person, problem.starts_at(from_day, "am"))
    away = with_absences(problem, [absence])
    freed = freed_seats(rota, person_id=person, cells=absent_cells(away, absence))
    plan = plan_repair(away, rota, freed=freed, absent={person})
    outcome = repair_rota(
        plan.problem, plan.kept | set(freed), pinned=plan.kept, time_limit_s=2, workers=1
    )
    greedy = greedy_repair(plan, lengths=lengths(problem))
    assert judge_repair(plan, plan.pinned) == nobody_takes(plan)
    assert judge_repair(plan, greedy) is not None  # the fallback is always a repair
    candidates = [greedy]
    if outcome.publishable:
        candidates.append(set(outcome.assignments) | plan.pinned)
    for repaired in candidates:
        changes = judge_repair(plan, repaired)
        assert changes is not None
        assert plan.pinned <= repaired  # no pinned seat changes
        assert all(a.staff != person for a in repaired - plan.pinned)
        given_away = {(c.day, c.shift_type) for c in changes if c.to_person is not None}
        assert {(a.day, a.shift_type) for a in repaired - plan.pinned} == given_away
        # Nothing breaks that was not broken: only cancelled seats may leave a shift short.
        broken = check_rota(away, repaired).violations
        short = {(c.day, c.shift_type) for c in changes if c.to_person is None}
        assert all((v.day, v.shift_type) in short or v.staff == person for v in broken), broken
