"""The CP-SAT model of a rota problem (sparse: one Boolean per allowed staff x dated shift).

With `explain=True` every hard requirement group is enforced by a named literal, so an
infeasible problem can be explained by the few assumptions CP-SAT needs to prove it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import cast

from ortools.sat.python import cp_model

from services.scheduling.domain.rostering import (
    MINUTES_PER_DAY,
    Assignment,
    Cover,
    RotaProblem,
    Staff,
)

Cell = tuple[int, str]
Key = tuple[str, int, str]
Lit = cp_model.IntVar | cp_model.NotBooleanVariable | bool  # or a constant


class RotaModel:
    """Variables, hard rules and the weighted objective of one rota problem."""

    def __init__(
        self, problem: RotaProblem, *, explain: bool = False, pinned: Iterable[Assignment] = ()
    ) -> None:
        self.problem = problem
        self.explain = explain
        self.model = cp_model.CpModel()
        self.groups: dict[str, cp_model.IntVar] = {}
        self.kinds = {kind.id: kind for kind in problem.shift_types}
        self.covers: dict[Cell, Cover] = {(c.day, c.shift_type): c for c in problem.cover}
        self.pinned = set(pinned)
        self.blocked: list[str] = []  # pinned assignments that cannot be kept at all
        lengths = [kind.length_min for kind in problem.shift_types] or [60]
        self.unit = math.gcd(*lengths)  # loads are counted in units of this many minutes
        self.scale = 60 // math.gcd(60, self.unit)  # objective = integer / scale
        self.x: dict[Key, cp_model.IntVar] = {}
        self.by_staff: dict[str, dict[Cell, cp_model.IntVar]] = defaultdict(dict)
        self.by_cell: dict[Cell, dict[str, cp_model.IntVar]] = defaultdict(dict)
        self.terms: list[tuple[int, cp_model.LinearExprT]] = []  # (scaled weight, expr)
        self._work: dict[tuple[str, int], Lit] = {}
        self._variables()
        self._daily_rules()
        self._staff_rules()
        self._cover_rules()
        self._holding_rotation()
        self._soft_rules()
        self.objective: cp_model.LinearExprT = sum(weight * expr for weight, expr in self.terms)
        self.model.minimize(self.objective)

    # --- hard requirement groups -------------------------------------------------------
    def group(self, name: str) -> list[cp_model.IntVar]:
        """The enforcement literal of a named requirement (none unless explaining)."""
        if not self.explain:
            return []
        if name not in self.groups:
            self.groups[name] = self.model.new_bool_var(name)
        return [self.groups[name]]

    def _enforce(self, constraint: cp_model.Constraint, name: str) -> None:
        literals = self.group(name)
        if literals:
            constraint.only_enforce_if(literals)

    # --- variables -----------------------------------------------------------------------
    def _allowed(self, person: Staff, cell: Cell) -> bool:
        cover = self.covers.get(cell)
        if cover is None or not person.may_work(*cell):
            return False
        most = cover.required if cover.over_weight is None else cover.maximum
        return most is None or most > 0

    def _variables(self) -> None:
        problem = self.problem
        held: dict[Cell, int] = {}
        for index, block in enumerate(problem.holdings):
            for cell in block.cells:
                held.setdefault(cell, index)
        self.holding_vars: dict[tuple[str, str], cp_model.IntVar] = {}
        cells = sorted(self.covers)
        for person in problem.staff:
            for cell in cells:
                key = (person.id, cell[0], cell[1])
                pinned = Assignment(*key) in self.pinned
                if cell in held:
                    continue
                if self._allowed(person, cell) or (pinned and cell in self.covers):
                    self._add(key, self.model.new_bool_var(f"x_{key}"))
            for index, block in enumerate(problem.holdings):
                if all(self._allowed(person, cell) for cell in block.cells) or any(
                    Assignment(person.id, *cell) in self.pinned for cell in block.cells
                ):
                    var = self.model.new_bool_var(f"h_{person.id}_{block.id}")
                    self.holding_vars[(person.id, block.id)] = var
                    for cell in block.cells:
                        if held[cell] == index:
                            self._add((person.id, cell[0], cell[1]), var)
        for item in sorted(self.pinned):
            pin = self.x.get((item.staff, item.day, item.shift_type))
            if pin is None:
                self.blocked.append(
                    f"pinned staff {item.staff} on day {item.day} shift {item.shift_type} is "
                    "not a shift of this problem"
                )
            else:
                self._enforce(
                    self.model.add(pin == 1),
                    f"pinned staff {item.staff} on day {item.day} shift {item.shift_type}",
                )

    def _add(self, key: Key, var: cp_model.IntVar) -> None:
        self.x[key] = var
        self.by_staff[key[0]][(key[1], key[2])] = var
        self.by_cell[(key[1], key[2])][key[0]] = var

    def work(self, staff: str, day: int) -> Lit:
        """True when `staff` works any shift on `day` (a constant False when they cannot)."""
        found = self._work.get((staff, day))
        if found is not None:
            return found
        shifts = [var for (d, _), var in self.by_staff[staff].items() if d == day]
        literal: Lit
        if not shifts:
            literal = False
        elif len(shifts) == 1:
            literal = shifts[0]
        else:
            literal = self.model.new_bool_var(f"w_{staff}_{day}")
            for var in shifts:
                self.model.add_implication(var, literal)
            self.model.add_bool_or([*shifts, literal.Not()])
        self._work[(staff, day)] = literal
        return literal

    # --- a person's day: overlap, rest, shifts per day, forbidden successors ----------------
    def _daily_rules(self) -> None:
        problem = self.problem
        rest = problem.min_rest_min
        for mine in self.by_staff.values():
            per_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
            spans: list[tuple[int, int, int, cp_model.IntVar]] = []  # start, end, +rest
            for (day, type_id), var in mine.items():
                kind = self.kinds[type_id]
                start = day * MINUTES_PER_DAY + kind.start_min
                per_day[day].append(var)
                spans.append((start, start + kind.length_min, start + kind.length_min + rest, var))
            if problem.max_shifts_per_day < max((len(v) for v in per_day.values()), default=0):
                for vars_ in per_day.values():
                    self._enforce(
                        self.model.add(sum(set(vars_)) <= problem.max_shifts_per_day),
                        f"at most {problem.max_shifts_per_day} shift(s) a day",
                    )
            self._cliques(spans, overlap_only=True)
            if rest > 0:
                self._cliques(spans, overlap_only=False)
            for (day, type_id), var in mine.items():
                for after in self.kinds[type_id].forbidden_next:
                    nxt = mine.get((day + 1, after))
                    if nxt is not None and nxt is not var:
                        self._enforce(
                            self.model.add_bool_or([var.Not(), nxt.Not()]),
                            f"shift {after} may not follow shift {type_id} the next day",
                        )

    def _cliques(
        self, spans: list[tuple[int, int, int, cp_model.IntVar]], *, overlap_only: bool
    ) -> None:
        """At most one of the shifts whose (rest-extended) spans contain each start point."""
        seen: set[frozenset[int]] = set()
        for start, _, _, _ in spans:
            members = {
                id(var): var
                for s, end, end_rest, var in spans
                if s <= start < (end if overlap_only else end_rest)
            }
            if len(members) < 2 or frozenset(members) in seen:
                continue
            seen.add(frozenset(members))
            ct = self.model.add_at_most_one(members.values())
            if not overlap_only:
                self._enforce(ct, f"minimum rest of {self.problem.min_rest_min} min between shifts")

    # --- a person's limits over the horizon -------------------------------------------------
    def _staff_rules(self) -> None:
        problem = self.problem
        for person in problem.staff:
            mine = self.by_staff.get(person.id, {})
            sid = person.id
            for type_id, most in person.max_shifts.items():
                vars_ = [v for (d, t), v in mine.items() if t == type_id]
                if len(vars_) > most:
                    self._enforce(
                        self.model.add(sum(vars_) <= most),
                        f"staff {sid} max {most} shifts of type {type_id}",
                    )
            minutes = sum(self.kinds[t].length_min * v for (d, t), v in mine.items())
            if person.min_total_min > 0:
                self._enforce(
                    self.model.add(minutes >= person.min_total_min),
                    f"staff {sid} min {person.min_total_min} total minutes",
                )
            if person.max_total_min is not None:
                self._enforce(
                    self.model.add(minutes <= person.max_total_min),
                    f"staff {sid} max {person.max_total_min} total minutes",
                )
            self._pattern_rules(person)
            if problem.weekly_duty is not None:
                duty = problem.weekly_duty
                for number, week in enumerate(problem.weeks()):
                    long_ = [
                        v
                        for (d, t), v in mine.items()
                        if d in week and self.kinds[t].length_min >= duty.min_length_min
                    ]
                    self._enforce(
                        self.model.add(sum(long_) >= duty.min_shifts),
                        f"staff {sid} at least {duty.min_shifts} duty of {duty.min_length_min} "
                        f"min in week {number + 1}",
                    )

    def _clause(self, literals: list[Lit], name: str) -> None:
        """Add the disjunction unless a constant True satisfies it."""
        if any(lit is True for lit in literals):
            return
        real = [lit for lit in literals if lit is not False]
        self._enforce(self.model.add_bool_or(real), name)

    def _pattern_rules(self, person: Staff) -> None:
        problem = self.problem
        sid = person.id
        days = problem.days
        if not self.by_staff.get(sid):
            return
        work = [self.work(sid, d) for d in range(days)]

        def neg(lit: Lit) -> Lit:
            if isinstance(lit, bool):
                return not lit
            return cast(Lit, lit.Not())

        most = person.max_consecutive_days
        if most is not None and most < days:
            for first in range(days - most):
                window = [w for w in work[first : first + most + 1] if w is not False]
                if len(window) > most:
                    self._enforce(
                        self.model.add(sum(window) <= most),
                        f"staff {sid} at most {most} working days in a row",
                    )
        for length in range(1, person.min_consecutive_days):
            for first in range(1, days - length):
                self._clause(
                    [
                        work[first - 1],
                        *[neg(w) for w in work[first : first + length]],
                        work[first + length],
                    ],
                    f"staff {sid} at least {person.min_consecutive_days} working days in a row",
                )
        for length in range(1, person.min_consecutive_days_off):
            for first in range(1, days - length):
                self._clause(
                    [
                        neg(work[first - 1]),
                        *work[first : first + length],
                        neg(work[first + length]),
                    ],
                    f"staff {sid} at least {person.min_consecutive_days_off} days off in a row",
                )
        if person.max_weekends is not None:
            busy: list[cp_model.IntVar] = []
            for weekend in problem.weekends():
                inside = [work[d] for d in weekend if work[d] is not False]
                if not inside:
                    continue
                flag = self.model.new_bool_var(f"we_{sid}_{weekend[0]}")
                for lit in inside:
                    self.model.add_implication(lit, flag)
                busy.append(flag)
            if len(busy) > person.max_weekends:
                self._enforce(
                    self.model.add(sum(busy) <= person.max_weekends),
                    f"staff {sid} at most {person.max_weekends} working weekends",
                )

    # --- dated shifts: cover and skills ----------------------------------------------------
    def _cover_rules(self) -> None:
        problem = self.problem
        people = {person.id: person for person in problem.staff}
        self.under: dict[Cell, cp_model.IntVar] = {}
        self.over: dict[Cell, cp_model.IntVar] = {}
        for cell, cover in sorted(self.covers.items()):
            crew = list(self.by_cell.get(cell, {}).values())
            count = sum(crew)
            where = f"{problem.describe_day(cell[0])} shift {cell[1]}"
            if cover.under_weight is None:
                self._enforce(
                    self.model.add(count >= cover.required),
                    f"cover of {where} needs {cover.required}",
                )
            else:
                short = self.model.new_int_var(0, cover.required, f"under_{cell}")
                self.model.add(count + short >= cover.required)
                self.under[cell] = short
            if cover.over_weight is None:
                self._enforce(
                    self.model.add(count <= cover.required),
                    f"cover of {where} at most {cover.required}",
                )
            else:
                extra = self.model.new_int_var(0, max(len(crew), 0), f"over_{cell}")
                self.model.add(count - extra <= cover.required)
                self.over[cell] = extra
                if cover.maximum is not None:
                    self._enforce(
                        self.model.add(count <= cover.maximum),
                        f"cover of {where} at most {cover.maximum}",
                    )
        for need in problem.skill_requirements:
            cell = (need.day, need.shift_type)
            skilled = [
                v
                for name, v in self.by_cell.get(cell, {}).items()
                if need.skill in people[name].skills
            ]
            self._enforce(
                self.model.add(sum(skilled) >= need.count),
                f"{problem.describe_day(need.day)} shift {need.shift_type} needs "
                f"{need.count} staff with skill {need.skill}",
            )

    def _holding_rotation(self) -> None:
        for block in self.problem.holdings:
            for after in block.forbidden_next:
                for person in self.problem.staff:
                    first = self.holding_vars.get((person.id, block.id))
                    then = self.holding_vars.get((person.id, after))
                    if first is not None and then is not None:
                        self._enforce(
                            self.model.add_bool_or([first.Not(), then.Not()]),
                            f"posts rotate: no one holds block {block.id} and then {after}",
                        )

    # --- soft rules --------------------------------------------------------------------------
    def _soft_rules(self) -> None:
        problem = self.problem
        scale = self.scale
        for cell, short in self.under.items():
            self.terms.append((scale * (self.covers[cell].under_weight or 0), short))
        for cell, extra in self.over.items():
            self.terms.append((scale * (self.covers[cell].over_weight or 0), extra))
        for request in problem.requests:
            if request.shift_type is None:
                lit: Lit = (
                    self.work(request.staff, request.day)
                    if request.staff in self.by_staff
                    else False
                )
            else:
                lit = self.x.get((request.staff, request.day, request.shift_type), False)
            if isinstance(lit, bool):
                if request.on != lit:
                    self.terms.append((scale * request.weight, 1))
                continue
            self.terms.append((scale * request.weight, (1 - lit) if request.on else lit))
        if problem.fairness is not None and problem.staff:
            self._fairness(problem.fairness.weight)

    def _fairness(self, weight: int) -> None:
        unit = self.unit
        loads = []
        for person in self.problem.staff:
            mine = self.by_staff.get(person.id, {})
            loads.append(sum((self.kinds[t].length_min // unit) * v for (d, t), v in mine.items()))
        top = sum(self.kinds[type_id].length_min // unit for _, type_id in self.covers)
        most = self.model.new_int_var(0, top, "max_load")
        least = self.model.new_int_var(0, top, "min_load")
        for load in loads:
            self.model.add(most >= load)
            self.model.add(least <= load)
        # valid cuts: the average of the loads lies between the least and the most
        low_total = sum(
            c.required * (self.kinds[c.shift_type].length_min // unit)
            for c in self.problem.cover
            if c.under_weight is None
        )
        count = len(loads)
        if low_total:
            self.model.add(most >= -(-low_total // count))
        if all(c.over_weight is None or c.maximum is not None for c in self.problem.cover):
            high_total = sum(
                (c.required if c.over_weight is None else (c.maximum or 0))
                * (self.kinds[c.shift_type].length_min // unit)
                for c in self.problem.cover
            )
            self.model.add(least <= high_total // count)
        self.load_range = (most, least)
        # weight per hour of spread: (most - least) * unit / 60 hours, times `scale`
        self.terms.append((weight * unit * self.scale // 60, most - least))

    def hint(self, assignments: Iterable[Assignment]) -> None:
        """Hint every variable once (a held block's cells share one variable)."""
        wanted = set(assignments)
        values: dict[int, tuple[cp_model.IntVar, bool]] = {}
        for key, var in self.x.items():
            _, before = values.get(var.index, (var, False))
            values[var.index] = (var, before or Assignment(*key) in wanted)
        self.model.clear_hints()
        for var, value in values.values():
            self.model.add_hint(var, value)

    # --- reading a solution --------------------------------------------------------------------
    def assignments(self, value: object) -> list[Assignment]:
        """The assignments of a solution, read with `value(var) -> bool`."""
        read = value  # a callable: solver.boolean_value or callback.boolean_value
        return sorted(
            Assignment(*key)
            for key, var in self.x.items()
            if read(var)  # type: ignore[operator]
        )
