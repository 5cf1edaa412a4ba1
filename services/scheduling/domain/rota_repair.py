"""Repairing a published rota when a member withdraws or gets leave (pure rules).

A published rota's seats are pinned: repair never moves another member's seat and never
touches a shift that has started. It frees the absent member's seats on the shifts the
absence covers and gives each to one member who may take it under every hard rule (a
freed part of a held block, e.g. the rest of a week at a post, goes to one member), or
cancels it when nobody can. The solver gets a repair problem that says exactly that:

- every dated shift keeps exactly the crew size it had before (a freed seat must be
  filled again; a shift nobody may join stays as it is) and nobody joins a shift whose
  crew is untouched;
- minimums that only removing shifts can break (minimum total, minimum runs, the weekly
  duty) no longer bind the absent members: adding shifts to others cannot break them;
- a freed part of a held block is a block of its own, and members who hold the blocks
  it rotates with may not take it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Set
from dataclasses import dataclass, replace

from services.scheduling.domain.roster_checker import check_rota
from services.scheduling.domain.rostering import (
    Assignment,
    Cover,
    Holding,
    RotaProblem,
    Staff,
)
from services.scheduling.domain.rotas import Cell, Judge


@dataclass(frozen=True)
class RepairPlan:
    problem: RotaProblem  # the repair problem (see the module's docstring)
    current: frozenset[Assignment]  # the seats before the repair
    pinned: frozenset[Assignment]  # every seat kept: all but the freed ones
    freed: tuple[Assignment, ...]  # the absent member's seats to give away
    groups: tuple[tuple[Cell, ...], ...]  # freed shifts one member takes together
    kept: frozenset[Assignment]  # the pinned seats of the repair problem's members


@dataclass(frozen=True)
class SeatChange:
    """A freed seat: who takes it over (`to_person`), or None when it is cancelled."""

    day: int
    shift_type: str
    from_person: str
    to_person: str | None


def freed_seats(
    current: Set[Assignment], *, person_id: str, cells: Set[Cell]
) -> tuple[Assignment, ...]:
    return tuple(
        sorted(
            item
            for item in current
            if item.staff == person_id and (item.day, item.shift_type) in cells
        )
    )


def plan_repair(
    problem: RotaProblem,
    current: Iterable[Assignment],
    *,
    freed: Iterable[Assignment],
    absent: Set[str],
) -> RepairPlan:
    """The repair problem of `problem` (absences applied already) and its pinned seats.

    `absent`: every member with an absence on this rota (their minimums are relaxed). The
    repair problem holds only who matters: the members who may take a freed shift and the
    crews of the freed shifts, each with all their seats, which the problem then fixes."""
    before = frozenset(current)
    gone = tuple(sorted(set(freed)))
    pinned = before - set(gone)
    open_cells = {(item.day, item.shift_type) for item in gone}
    held_by: dict[str, set[Cell]] = {}
    for item in pinned:
        held_by.setdefault(item.staff, set()).add((item.day, item.shift_type))

    blocks, keep_out = _freed_blocks(problem, open_cells, held_by)
    grouped = {cell for block in blocks for cell in block.cells}
    groups = [block.cells for block in blocks] + [(cell,) for cell in sorted(open_cells - grouped)]
    crews = {item.staff for item in pinned if (item.day, item.shift_type) in open_cells}

    def may_take(person: Staff) -> bool:
        out = keep_out.get(person.id, set())
        return any(
            all(person.may_work(*cell) and cell not in out for cell in group) for group in groups
        )

    members = [p for p in problem.staff if p.id in crews or (p.id not in absent and may_take(p))]
    included = {person.id for person in members}
    kept = frozenset(item for item in pinned if item.staff in included)
    crew = Counter((item.day, item.shift_type) for item in kept)
    crew.update((item.day, item.shift_type) for item in gone)
    cells = set(crew)
    staff = []
    for person in members:
        mine = held_by.get(person.id, set())
        blocked = (cells - mine - open_cells) | keep_out.get(person.id, set())
        relaxed = replace(person, unavailable=person.unavailable | blocked)
        if person.id in absent:
            relaxed = replace(
                relaxed, min_total_min=0, min_consecutive_days=1, min_consecutive_days_off=1
            )
        staff.append(relaxed)
    repair = replace(
        problem,
        staff=tuple(staff),
        cover=tuple(Cover(day, type_id, crew[(day, type_id)]) for day, type_id in sorted(cells)),
        requests=tuple(r for r in problem.requests if r.staff in included),
        skill_requirements=tuple(
            need for need in problem.skill_requirements if (need.day, need.shift_type) in open_cells
        ),
        holdings=tuple(blocks),
        weekly_duty=None,
    )
    return RepairPlan(
        problem=repair,
        current=before,
        pinned=frozenset(pinned),
        freed=gone,
        groups=tuple(sorted(groups, key=lambda group: (group[0], len(group)))),
        kept=kept,
    )


def _freed_blocks(
    problem: RotaProblem, open_cells: Set[Cell], held_by: dict[str, set[Cell]]
) -> tuple[list[Holding], dict[str, set[Cell]]]:
    """The freed part of each held block, as a block of its own; and, per member, the freed
    parts they may not take because they hold a block those parts rotate with."""
    blocks: list[Holding] = []
    keep_out: dict[str, set[Cell]] = {}
    block_of = {block.id: block for block in problem.holdings}
    for block in problem.holdings:
        part = tuple(sorted(cell for cell in block.cells if cell in open_cells))
        if not part:
            continue
        blocks.append(Holding(block.id, part))
        rotating = set(block.forbidden_next) | {
            other.id for other in problem.holdings if block.id in other.forbidden_next
        }
        for other_id in sorted(rotating):
            other = block_of.get(other_id)
            if other is None:
                continue
            for sid, mine in held_by.items():
                if mine & set(other.cells):
                    keep_out.setdefault(sid, set()).update(part)
    return blocks, keep_out


def seat_changes(plan: RepairPlan, repaired: Iterable[Assignment]) -> list[SeatChange] | None:
    """Which member takes each freed seat in `repaired`; None if `repaired` is no repair of
    the plan (a pinned seat lost, a seat added elsewhere than a freed shift)."""
    result = set(repaired)
    if not plan.pinned <= result:
        return None
    added: dict[Cell, list[str]] = {}
    for item in sorted(result - plan.pinned):
        added.setdefault((item.day, item.shift_type), []).append(item.staff)
    freed_per_cell = Counter((item.day, item.shift_type) for item in plan.freed)
    if any(len(names) > freed_per_cell.get(cell, 0) for cell, names in added.items()):
        return None
    changes = []
    for item in plan.freed:
        takers = added.get((item.day, item.shift_type), [])
        changes.append(
            SeatChange(item.day, item.shift_type, item.staff, takers.pop(0) if takers else None)
        )
    return changes


def greedy_repair(plan: RepairPlan, *, lengths: dict[str, int]) -> set[Assignment]:
    """The fallback when the solver finds no repair in time: each group of freed shifts,
    in time order, to the least-loaded member the checker lets take it, or to nobody."""
    judge = Judge(plan.problem)
    state = set(plan.kept)
    load: Counter[str] = Counter()
    for item in state:
        load[item.staff] += lengths.get(item.shift_type, 0)
    for group in plan.groups:
        on_group = {item.staff for item in state if (item.day, item.shift_type) in group}
        candidates = sorted(
            (
                person
                for person in plan.problem.staff
                if person.id not in on_group and all(person.may_work(*cell) for cell in group)
            ),
            key=lambda person: (load[person.id], person.id),
        )
        for person in candidates:
            trial = state | {Assignment(person.id, day, type_id) for day, type_id in group}
            if not judge.new_violations(state, trial, settled=set(group)):
                state = trial
                load[person.id] += sum(lengths.get(type_id, 0) for _, type_id in group)
                break
    return state | plan.pinned


def cancelled_problem(plan: RepairPlan, changes: Iterable[SeatChange]) -> RotaProblem:
    """The repair problem with each cancelled seat's shift needing one member fewer (and
    no skill on it)."""
    fewer = Counter((c.day, c.shift_type) for c in changes if c.to_person is None)
    if not fewer:
        return plan.problem
    cover = tuple(
        replace(c, required=c.required - fewer[(c.day, c.shift_type)])
        if (c.day, c.shift_type) in fewer
        else c
        for c in plan.problem.cover
    )
    # A shift short of a member may be short of a skill too: that is the cancellation.
    skills = tuple(
        need for need in plan.problem.skill_requirements if (need.day, need.shift_type) not in fewer
    )
    return replace(plan.problem, cover=cover, skill_requirements=skills)


def judge_repair(plan: RepairPlan, repaired: Iterable[Assignment]) -> list[SeatChange] | None:
    """The seat changes of `repaired` if it keeps every pinned seat and breaks no hard rule
    of the repair problem (each cancelled seat's shift needing one member fewer), by the
    independent checker; None otherwise."""
    result = set(repaired)
    changes = seat_changes(plan, result)
    if changes is None:
        return None
    problem = cancelled_problem(plan, changes)
    included = {person.id for person in problem.staff}
    judged = check_rota(problem, [item for item in result if item.staff in included])
    return None if judged.violations else changes


def nobody_takes(plan: RepairPlan) -> list[SeatChange]:
    """Every freed seat cancelled: always a valid repair."""
    return [SeatChange(item.day, item.shift_type, item.staff, None) for item in plan.freed]
