"""Excellence defenses: the scheduler never seats a member in two overlapping defenses
(nor at their own report, nor when unavailable), the independent checker catches each
broken rule, and the decision's score stays in range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import combinations, permutations, product
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.evaluation.assignment.defense_slots import schedule_defenses
from services.evaluation.domain.defense_checker import check_defenses
from services.evaluation.domain.defenses import (
    Defense,
    DefenseProblem,
    Hearing,
    PanelMember,
    Slot,
    decide,
)
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

DAY = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)  # 09:00 Asia/Shanghai


def at(minutes: int) -> datetime:
    return DAY + timedelta(minutes=minutes)


def slot(room: str, start: int, length: int = 30) -> Slot:
    return Slot(room, at(start), at(start + length))


def rid(n: int) -> UUID:
    return UUID(int=n + 1)


def members(*names: str) -> tuple[PanelMember, ...]:
    return tuple(PanelMember(n) for n in names)


def solve(problem: DefenseProblem) -> list[Defense]:
    return schedule_defenses(problem, new_id=uuid4)


def test_two_rooms_at_once_need_two_disjoint_panels() -> None:
    problem = DefenseProblem(
        hearings=(Hearing(rid(0)), Hearing(rid(1))),
        slots=(slot("A101", 0), slot("A102", 0)),
        members=members("t1", "t2", "t3", "t4"),
        panel_size=2,
    )
    plan = solve(problem)
    assert len(plan) == 2
    assert not set(plan[0].panel_ids) & set(plan[1].panel_ids)
    assert check_defenses(plan, members=problem.members, panel_size=2) == []


def test_too_few_members_for_parallel_defenses_take_later_slots() -> None:
    problem = DefenseProblem(
        hearings=(Hearing(rid(0)), Hearing(rid(1))),
        slots=(slot("A101", 0), slot("A102", 0), slot("A101", 60)),
        members=members("t1", "t2", "t3"),
        panel_size=2,
    )
    plan = solve(problem)
    starts = sorted(d.starts_at for d in plan)
    assert starts == [at(0), at(60)]
    assert check_defenses(plan, panel_size=2) == []


def test_no_fit_is_refused_naming_the_slots() -> None:
    problem = DefenseProblem(
        hearings=(Hearing(rid(0)), Hearing(rid(1))),
        slots=(slot("A101", 0), slot("A102", 15)),
        members=members("t1", "t2", "t3"),
        panel_size=2,
    )
    with pytest.raises(RuleBroken) as refused:
        solve(problem)
    assert (refused.value.rule, refused.value.field) == ("defense_schedule_infeasible", "slots")


def test_a_member_never_judges_their_own_report_and_sits_only_when_available() -> None:
    problem = DefenseProblem(
        hearings=(Hearing(rid(0), frozenset({"t1"})),),
        slots=(slot("A101", 0), slot("A101", 60)),
        members=(
            PanelMember("t1"),
            PanelMember("t2", ((at(50), at(120)),)),
            PanelMember("t3"),
        ),
        panel_size=2,
    )
    [defense] = solve(problem)
    assert defense.panel_ids == ("t2", "t3")
    assert defense.starts_at == at(60)


def test_existing_defenses_keep_their_members_and_rooms_busy() -> None:
    existing = Defense(uuid4(), rid(9), "A101", at(0), at(30), ("t1", "t2"))
    problem = DefenseProblem(
        hearings=(Hearing(rid(0)),),
        slots=(slot("A101", 0), slot("A102", 10), slot("A102", 30)),
        members=members("t1", "t2", "t3"),
        panel_size=2,
        existing=(existing,),
    )
    [defense] = solve(problem)
    # A101 at 0 is taken; A102 at 10 has only t3 free; A102 at 30 follows on.
    assert (defense.room, defense.starts_at) == ("A102", at(30))
    assert check_defenses([existing, defense]) == []


@pytest.mark.parametrize(
    ("problem", "rule", "field"),
    [
        (DefenseProblem((), (slot("A", 0),), members("a")), "nothing_to_schedule", "season"),
        (
            DefenseProblem((Hearing(rid(0)),), (Slot("A", at(30), at(0)),), members("a", "b", "c")),
            "slot_ends_before_start",
            "slots.0.ends_at",
        ),
        (
            DefenseProblem((Hearing(rid(0)),), (slot("A", 0),), members("a", "a", "b")),
            "duplicate_member",
            "members",
        ),
        (
            DefenseProblem((Hearing(rid(0)),), (slot("A", 0),), members("a", "b")),
            "panel_too_small",
            "members",
        ),
        (
            DefenseProblem(
                (Hearing(rid(0)), Hearing(rid(1))), (slot("A", 0),), members("a"), panel_size=1
            ),
            "not_enough_slots",
            "slots",
        ),
    ],
)
def test_malformed_problems_are_refused(problem: DefenseProblem, rule: str, field: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        solve(problem)
    assert (refused.value.rule, refused.value.field) == (rule, field)


def test_the_checker_names_each_broken_rule() -> None:
    a = Defense(uuid4(), rid(0), "A101", at(0), at(30), ("t1", "t2"))
    b = Defense(uuid4(), rid(1), "A101", at(20), at(50), ("t2", "t3"))
    c = Defense(uuid4(), rid(2), "A102", at(100), at(90), ())
    d = Defense(uuid4(), rid(0), "A103", at(200), at(230), ("t4", "t4"))
    rules = {
        v.rule
        for v in check_defenses(
            [a, b, c, d],
            members=(PanelMember("t1"), PanelMember("t2"), PanelMember("t3", ((at(60), at(90)),))),
            conflicted={rid(0): frozenset({"t1"})},
            panel_size=2,
        )
    }
    assert rules == {
        "member_double_booked",
        "room_double_booked",
        "no_panel",
        "empty_slot",
        "report_twice",
        "panel_repeats",
        "panel_size",
        "conflict",
        "unknown_member",
        "member_unavailable",
    }


def test_touching_defenses_do_not_clash() -> None:
    a = Defense(uuid4(), rid(0), "A101", at(0), at(30), ("t1",))
    b = Defense(uuid4(), rid(1), "A101", at(30), at(60), ("t1",))
    assert check_defenses([a, b]) == []


@pytest.mark.parametrize("score", [-0.1, 100.5, float("nan"), float("inf")])
def test_a_score_out_of_range_is_refused(score: float) -> None:
    with pytest.raises(RuleBroken) as refused:
        decide(score)
    assert (refused.value.rule, refused.value.field, refused.value.invalid) == (
        "score_out_of_range",
        "score",
        True,
    )


def test_a_score_in_range_is_kept() -> None:
    assert decide(0) == 0
    assert decide(87.5) == 87.5


@st.composite
def problems(draw: st.DrawFn) -> DefenseProblem:
    n_members = draw(st.integers(2, 6))
    names = [f"m{i}" for i in range(n_members)]
    panel = draw(st.integers(1, min(3, n_members)))
    slots = draw(
        st.lists(
            st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 8), st.integers(1, 3)),
            min_size=1,
            max_size=8,
            unique_by=lambda t: (t[0], t[1]),
        )
    )
    n_hearings = draw(st.integers(1, min(4, len(slots))))
    hearings = tuple(
        Hearing(rid(i), frozenset(draw(st.lists(st.sampled_from(names), max_size=2))))
        for i in range(n_hearings)
    )
    available = []
    for name in names:
        if draw(st.booleans()):
            available.append(PanelMember(name))
        else:
            start = draw(st.integers(0, 8))
            span = (at(start * 30), at((start + draw(st.integers(1, 8))) * 30))
            available.append(PanelMember(name, (span,)))
    return DefenseProblem(
        hearings=hearings,
        slots=tuple(slot(r, s * 30, length * 30) for r, s, length in slots),
        members=tuple(available),
        panel_size=panel,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_any_plan_the_scheduler_makes_passes_the_independent_checker(
    problem: DefenseProblem,
) -> None:
    try:
        plan = solve(problem)
    except RuleBroken as refused:
        assert refused.rule == "defense_schedule_infeasible"
        return
    assert sorted(d.report_id for d in plan) == sorted(h.report_id for h in problem.hearings)
    violations = check_defenses(
        plan,
        members=problem.members,
        conflicted={h.report_id: h.conflicted for h in problem.hearings},
        panel_size=problem.panel_size,
    )
    assert violations == []


def exists_plan(problem: DefenseProblem) -> bool:
    """Brute force over every slot order and panel: does any plan pass the checker?"""
    conflicted = {h.report_id: h.conflicted for h in problem.hearings}
    ids = [m.person_id for m in problem.members]
    panels = list(combinations(ids, problem.panel_size))
    for chosen in permutations(problem.slots, len(problem.hearings)):
        for seats in product(panels, repeat=len(problem.hearings)):
            plan = [
                Defense(uuid4(), h.report_id, s.room, s.starts_at, s.ends_at, panel)
                for h, s, panel in zip(problem.hearings, chosen, seats, strict=True)
            ]
            if not check_defenses(
                plan, members=problem.members, conflicted=conflicted, panel_size=problem.panel_size
            ):
                return True
    return False


@st.composite
def small_problems(draw: st.DrawFn) -> DefenseProblem:
    problem = draw(problems())
    hearings = problem.hearings[:2]
    return DefenseProblem(
        hearings=hearings,
        slots=problem.slots[:4],
        members=problem.members[:4],
        panel_size=min(problem.panel_size, 2, len(problem.members[:4])),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_the_scheduler_refuses_only_when_no_plan_exists(problem: DefenseProblem) -> None:
    try:
        solve(problem)
    except RuleBroken as refused:
        assert refused.rule == "defense_schedule_infeasible"
        assert not exists_plan(problem)
