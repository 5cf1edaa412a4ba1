"""Excellence defenses scheduled with CP-SAT (exact on the chair's small problems).

Variables: x[h, s] — hearing h takes slot s; p[s, m] — member m sits on the panel of
whatever defense slot s holds. Constraints (see domain/defenses.py for the rules):
- each hearing takes exactly one slot; a slot holds at most one hearing (used[s]);
- a used slot has exactly `panel_size` members, an unused one none;
- two overlapping slots never share a member, and two overlapping slots of one room
  are never both used (one clique constraint per slot start: spans form an interval
  graph);
- a member sits only where available and not already busy in an existing defense; a
  slot whose room an existing defense holds at that time is not offered;
- a member never sits on the panel of a report they authored or advised.
Objective: the most defenses any one member sits in, as low as possible, then the
earliest slots; proven optimal on a college's usual few defenses, the best found within
`TIME_LIMIT_S` on large ones (40 defenses x 100 slots x 50 members: a valid plan within the
limit). Every plan is feasible: the objective only orders valid plans. One worker: the
same problem gives the same plan.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from ortools.sat.python import cp_model

from services.evaluation.domain.defenses import (
    Defense,
    DefenseProblem,
    busy_members,
    validate,
)
from shared.rules import RuleBroken

TIME_LIMIT_S = 5.0


def schedule_defenses(
    problem: DefenseProblem,
    *,
    new_id: Callable[[], UUID],
    time_limit_s: float = TIME_LIMIT_S,
) -> list[Defense]:
    """A defense for every hearing of the problem, or RuleBroken when none fits."""
    validate(problem)
    slots = sorted(
        (
            s
            for s in problem.slots
            if not any(d.room == s.room and d.slot.overlaps(s) for d in problem.existing)
        ),
        key=lambda s: (s.starts_at, s.room, s.ends_at),
    )
    hearings = sorted(problem.hearings, key=lambda h: str(h.report_id))
    model = cp_model.CpModel()
    x = {
        (h, s): model.new_bool_var(f"x_{h}_{s}")
        for h in range(len(hearings))
        for s in range(len(slots))
    }
    p: dict[tuple[int, int], cp_model.IntVar] = {}
    for s, slot in enumerate(slots):
        busy = busy_members(problem.existing, slot)
        for m, member in enumerate(problem.members):
            if member.can_sit(slot) and member.person_id not in busy:
                p[s, m] = model.new_bool_var(f"p_{s}_{m}")
    used = []
    for s in range(len(slots)):
        in_slot = sum(x[h, s] for h in range(len(hearings)))
        model.add(in_slot <= 1)
        used.append(in_slot)
        model.add(
            sum(p.get((s, m), 0) for m in range(len(problem.members)))
            == problem.panel_size * in_slot
        )
    for h, hearing in enumerate(hearings):
        model.add_exactly_one(x[h, s] for s in range(len(slots)))
        for m, member in enumerate(problem.members):
            if member.person_id in hearing.conflicted:
                for s in range(len(slots)):
                    if (s, m) in p:
                        model.add_bool_or([x[h, s].Not(), p[s, m].Not()])
    # Overlapping spans: any two that overlap both contain the later one's start, so
    # "at most one among the slots running at each slot's start" is exactly "no two
    # overlapping" (one constraint per start, member and room instead of one per pair).
    for start in sorted({slot.starts_at for slot in slots}):
        running = [s for s, slot in enumerate(slots) if slot.starts_at <= start < slot.ends_at]
        for room in {slots[s].room for s in running}:
            model.add(sum(used[s] for s in running if slots[s].room == room) <= 1)
        for m in range(len(problem.members)):
            seats = [p[s, m] for s in running if (s, m) in p]
            if len(seats) > 1:
                model.add_at_most_one(seats)
    most = model.new_int_var(0, len(hearings), "most")
    for m in range(len(problem.members)):
        model.add(sum(p.get((s, m), 0) for s in range(len(slots))) <= most)
    model.minimize(len(slots) * len(hearings) * most + sum(s * used[s] for s in range(len(slots))))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status == cp_model.UNKNOWN:
        raise RuleBroken(
            "defense_schedule_timeout",
            field="slots",
            message=f"no plan was found within {time_limit_s:g} s; schedule fewer defenses"
            " at a time or offer fewer slots",
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuleBroken(
            "defense_schedule_infeasible",
            field="slots",
            message=(
                f"{len(hearings)} defenses with panels of {problem.panel_size} do not fit the"
                " slots and the members' availability without a member in two defenses at"
                " once or judging their own report; offer more slots or members"
            ),
        )
    defenses = []
    for h, hearing in enumerate(hearings):
        s = next(s for s in range(len(slots)) if solver.value(x[h, s]))
        panel = tuple(
            sorted(
                member.person_id
                for m, member in enumerate(problem.members)
                if (s, m) in p and solver.value(p[s, m])
            )
        )
        slot = slots[s]
        defenses.append(
            Defense(new_id(), hearing.report_id, slot.room, slot.starts_at, slot.ends_at, panel)
        )
    return defenses
