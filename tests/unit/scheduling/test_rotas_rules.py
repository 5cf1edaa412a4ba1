"""The pure rules of rotas as a service: dated shifts, absences, judging one change, who may
swap, who may take an open shift."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import pytest

from services.scheduling.domain.calendar_time import CAMPUS_TZ
from services.scheduling.domain.rostering import (
    Assignment,
    Cover,
    Holding,
    RotaProblem,
    ShiftType,
    SkillRequirement,
    Staff,
)
from services.scheduling.domain.rotas import (
    Absence,
    Judge,
    absent_cells,
    assignments_of,
    check_swap,
    dated_shifts,
    eligible_takers,
    new_violations,
    shift_id_of,
    swap_seats,
    with_absences,
)
from services.scheduling.domain.shift_changes import Offer, Swap, decided, taken
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

MONDAY = date(2026, 3, 2)
BEFORE = datetime(2026, 2, 1, tzinfo=UTC)  # long before the rota starts
# day shift (needs the key) and evening shift, Monday to Wednesday, one seat each.
ROTA = {
    Assignment("k1", 0, "day"),
    Assignment("k2", 1, "day"),
    Assignment("k1", 2, "day"),
    Assignment("n1", 0, "eve"),
    Assignment("n2", 1, "eve"),
    Assignment("n1", 2, "eve"),
}


def problem(*, holdings: tuple[Holding, ...] = ()) -> RotaProblem:
    kinds = (
        ShiftType("day", "desk", time(8), 240, place="office"),
        ShiftType("eve", "desk", time(14), 240, place="office"),
    )
    staff = (
        Staff("k1", skills=frozenset({"key"}), max_shifts={"day": 2}),
        Staff("k2", skills=frozenset({"key"}), max_shifts={"day": 2}),
        Staff("k3", skills=frozenset({"key"}), unavailable=frozenset({(1, "day")})),
        Staff("n1"),
        Staff("n2"),
    )
    cover = tuple(Cover(day, kind.id, 1) for day in range(3) for kind in kinds)
    skills = tuple(SkillRequirement(day, "day", "key") for day in range(3))
    return RotaProblem(MONDAY, 3, kinds, staff, cover, skill_requirements=skills, holdings=holdings)


def shifts_by_cell(rota_id: object = None) -> dict[tuple[int, str], object]:
    found = dated_shifts(uuid4(), problem(), ROTA)
    return {shift.cell: shift for shift in found}


def test_dated_shifts_are_at_campus_time_with_stable_ids_and_their_holders() -> None:
    rota_id = uuid4()
    shifts = dated_shifts(rota_id, problem(), ROTA)
    assert [(s.day_index, s.shift_type) for s in shifts] == [
        (0, "day"),
        (0, "eve"),
        (1, "day"),
        (1, "eve"),
        (2, "day"),
        (2, "eve"),
    ]
    tuesday_day = shifts[2]
    assert tuesday_day.starts_at == datetime(2026, 3, 3, 8, tzinfo=CAMPUS_TZ)
    assert tuesday_day.ends_at - tuesday_day.starts_at == timedelta(hours=4)
    assert tuesday_day.holders == ("k2",) and tuesday_day.post == "desk"
    assert tuesday_day.shift_id == shift_id_of(rota_id, 1, "day")
    assert dated_shifts(rota_id, problem(), ROTA)[2].shift_id == tuesday_day.shift_id
    assert assignments_of(shifts) == ROTA


def test_a_shift_that_needs_a_crew_has_its_seats_even_when_nobody_holds_one() -> None:
    shifts = dated_shifts(uuid4(), problem(), ROTA - {Assignment("k2", 1, "day")})
    tuesday = next(s for s in shifts if s.cell == (1, "day"))
    assert tuesday.holders == () and tuesday.seats == 1


def test_an_absence_frees_the_shifts_it_overlaps_that_start_after_it_was_recorded() -> None:
    leave = Absence(
        "k1",
        "leave",
        starts_at=datetime(2026, 3, 2, 10, tzinfo=CAMPUS_TZ),  # during Monday's day shift
        ends_at=datetime(2026, 3, 3, 9, tzinfo=CAMPUS_TZ),  # during Tuesday's day shift
        recorded_at=BEFORE,
        reason="请假",
    )
    assert absent_cells(problem(), leave) == {(0, "day"), (0, "eve"), (1, "day")}
    late = Absence("k1", "withdrawal", BEFORE, None, datetime(2026, 3, 3, 12, tzinfo=CAMPUS_TZ), "")
    assert absent_cells(problem(), late) == {(1, "eve"), (2, "day"), (2, "eve")}
    applied = with_absences(problem(), [leave])
    assert {(1, "day"), (0, "eve")} <= next(s for s in applied.staff if s.id == "k1").unavailable


def test_judging_a_change_reports_only_what_it_breaks_anew() -> None:
    judge = Judge(problem())
    unskilled = (ROTA - {Assignment("k2", 1, "day")}) | {Assignment("n1", 1, "day")}
    assert [v.rule for v in judge.new_violations(ROTA, unskilled)] == ["skill"]
    # Once broken, the same rule is not new again...
    both = unskilled - {Assignment("n1", 1, "day")} | {Assignment("n2", 1, "day")}
    assert [v.rule for v in judge.new_violations(unskilled, both)] == ["max_shifts_per_day"]
    # ...unless the shift is settled: then its crew must meet every rule.
    settled = judge.new_violations(unskilled, both, settled={(1, "day")})
    assert sorted(v.rule for v in settled) == ["max_shifts_per_day", "skill"]
    assert new_violations(problem(), ROTA, ROTA) == []


def test_a_swap_between_two_key_holders_keeps_every_rule() -> None:
    shifts = shifts_by_cell()
    after = swap_seats(
        problem(),
        ROTA,
        requester_id="k1",
        requester_shift=shifts[(2, "day")],
        partner_id="k2",
        partner_shift=shifts[(1, "day")],
        now=BEFORE,
    )
    check_swap(problem(), ROTA, after)
    assert Assignment("k2", 2, "day") in after and Assignment("k1", 1, "day") in after


def test_a_swap_that_breaks_a_hard_rule_is_refused_naming_the_rule() -> None:
    shifts = shifts_by_cell()
    after = swap_seats(
        problem(),
        ROTA,
        requester_id="k2",
        requester_shift=shifts[(1, "day")],
        partner_id="n1",
        partner_shift=shifts[(2, "eve")],
        now=BEFORE,
    )
    with pytest.raises(RuleBroken) as refused:
        check_swap(problem(), ROTA, after)
    assert refused.value.rule == "skill" and not refused.value.invalid
    assert refused.value.field == "swap"


@pytest.mark.parametrize(
    ("requester", "mine", "partner", "theirs", "now", "field", "rule"),
    [
        ("k1", (0, "day"), "k1", (2, "day"), BEFORE, "partner_id", "swap_with_self"),
        ("k1", (0, "day"), "n1", (0, "day"), BEFORE, "partner_shift_id", "same_shift"),
        ("k2", (0, "day"), "n1", (0, "eve"), BEFORE, "requester_shift_id", "holds_shift"),
        ("k1", (0, "day"), "n2", (0, "eve"), BEFORE, "partner_shift_id", "holds_shift"),
        ("k1", (0, "day"), "zz", (0, "eve"), BEFORE, "partner_id", "unknown_member"),
        (
            "k1",
            (0, "day"),
            "k2",
            (1, "day"),
            datetime(2026, 3, 2, 9, tzinfo=CAMPUS_TZ),
            "requester_shift_id",
            "upcoming_shift",
        ),
    ],
)
def test_a_swap_request_is_refused_naming_the_field(
    requester: str,
    mine: tuple[int, str],
    partner: str,
    theirs: tuple[int, str],
    now: datetime,
    field: str,
    rule: str,
) -> None:
    shifts = shifts_by_cell()
    with pytest.raises(RuleBroken) as refused:
        swap_seats(
            problem(),
            ROTA,
            requester_id=requester,
            requester_shift=shifts[mine],
            partner_id=partner,
            partner_shift=shifts[theirs],
            now=now,
        )
    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_a_swap_breaking_a_held_block_is_refused() -> None:
    week = Holding("day-week", ((0, "day"), (1, "day"), (2, "day")))
    evenings = {Assignment("n1", 0, "eve"), Assignment("k2", 1, "eve"), Assignment("n2", 2, "eve")}
    held = evenings | {Assignment("k1", day, "day") for day in range(3)}
    shifts = {s.cell: s for s in dated_shifts(uuid4(), problem(holdings=(week,)), held)}
    after = swap_seats(
        problem(holdings=(week,)),
        held,
        requester_id="k1",
        requester_shift=shifts[(1, "day")],
        partner_id="k2",
        partner_shift=shifts[(1, "eve")],
        now=BEFORE,
    )
    with pytest.raises(RuleBroken) as refused:
        check_swap(problem(holdings=(week,)), held, after)
    assert refused.value.rule == "holding"


def test_an_open_shift_is_offered_to_those_it_breaks_no_rule_for() -> None:
    shifts = shifts_by_cell()
    # k2's Tuesday day shift: k1 holds two day shifts (at most two), k3 is unavailable on
    # Tuesday's day shift, n1 and n2 have no key.
    assert eligible_takers(problem(), ROTA, shifts[(1, "day")], holder="k2") == []
    # n2's Tuesday evening: k2 works Tuesday already; anyone else may.
    assert eligible_takers(problem(), ROTA, shifts[(1, "eve")], holder="n2") == [
        "k1",
        "k3",
        "n1",
    ]


def test_a_swap_is_decided_once_and_an_offer_taken_once_by_an_eligible_member() -> None:
    swap = Swap("cs", uuid4(), uuid4(), "k1", uuid4(), "k2", uuid4(), "requested", BEFORE)
    approved = decided(swap, decision="approved", by="head", reason="", now=BEFORE)
    assert approved.status == "approved" and approved.decided_by == "head"
    with pytest.raises(RuleBroken, match="approved already"):
        decided(approved, decision="refused", by="head", reason="", now=BEFORE)
    offer = Offer("cs", uuid4(), uuid4(), uuid4(), "n2", ("k1", "n1"), "open", BEFORE)
    with pytest.raises(RuleBroken) as not_eligible:
        taken(offer, by="k2", now=BEFORE)
    assert not_eligible.value.rule == "eligible_taker"
    with pytest.raises(RuleBroken) as own:
        taken(offer, by="n2", now=BEFORE)
    assert own.value.rule == "take_own_offer"
    took = taken(offer, by="n1", now=BEFORE)
    with pytest.raises(RuleBroken, match="taken by n1"):
        taken(took, by="k1", now=BEFORE)
