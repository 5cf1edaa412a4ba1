"""The CP-SAT model of a rota problem: the hard rules and the weighted objective over the
variables of `rota_variables.py`.

With `explain=True` every hard requirement group is enforced by a named literal, so an
infeasible problem can be explained by the few assumptions CP-SAT needs to prove it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import cast

from ortools.sat.python import cp_model

from services.scheduling.domain.rostering import MINUTES_PER_DAY, Assignment, Staff
from services.scheduling.solver.rota_variables import Cell, Key, Lit, RotaVariables

__all__ = ["Cell", "Key", "Lit", "RotaModel"]


class RotaModel(RotaVariables):
    """Variables, hard rules and the weighted objective of one rota problem."""

    def _rules(self) -> None:
        self._daily_rules()
        self._staff_rules()
        self._cover_rules()
        self._holding_rotation()
        self._soft_rules()
        self.objective: cp_model.LinearExprT = sum(weight * expr for weight, expr in self.terms)
        self.model.minimize(self.objective)

    # --- a person's day: overlap, rest, shifts per day, forbidden successors ----------------
    def _daily_rules(self) -> None:
        problem = self.problem
        rest = problem.min_rest_min
        per_day_limit = problem.max_shifts_per_day
        for mine in self.by_staff.values():
            per_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
            spans: list[tuple[int, int, int, cp_model.IntVar]] = []  # start, end, day
            for (day, type_id), var in mine.items():
                kind = self.kinds[type_id]
                start = day * MINUTES_PER_DAY + kind.start_min
                per_day[day].append(var)
                spans.append((start, start + kind.length_min, day, var))
            for vars_ in per_day.values():
                if len(vars_) <= per_day_limit:
                    continue
                name = f"at most {per_day_limit} shift(s) a day"
                if per_day_limit == 1:
                    self._at_most_one(vars_, name)
                else:
                    self._enforce(self.model.add(sum(vars_) <= per_day_limit), name)
            skip_one_day = per_day_limit == 1
            for clique in _cliques(spans, 0):
                if not (skip_one_day and len({day for day, _ in clique}) == 1):
                    self._at_most_one([var for _, var in clique], None)
            if rest > 0:
                for clique in _cliques(spans, rest):
                    if not (skip_one_day and len({day for day, _ in clique}) == 1):
                        self._at_most_one(
                            [var for _, var in clique],
                            f"minimum rest of {rest} min between shifts",
                        )
            for (day, type_id), var in mine.items():
                for after in self.kinds[type_id].forbidden_next:
                    nxt = mine.get((day + 1, after))
                    if nxt is not None:
                        self._at_most_one(
                            [var, nxt], f"shift {after} may not follow shift {type_id} the next day"
                        )

    # --- a person's limits over the horizon -------------------------------------------------
    def _staff_rules(self) -> None:
        problem = self.problem
        for person in problem.staff:
            mine = self.by_staff.get(person.id, {})
            sid = person.id
            of_type: dict[str, list[cp_model.IntVar]] = defaultdict(list)
            for (_, t), v in mine.items():
                of_type[t].append(v)
            for type_id, most in person.max_shifts.items():
                vars_ = of_type.get(type_id, [])
                if len(vars_) > most:
                    self._enforce(
                        self.model.add(sum(vars_) <= most),
                        f"staff {sid} max {most} shifts of type {type_id}",
                    )
            minutes = cp_model.LinearExpr.weighted_sum(
                list(mine.values()), [self.kinds[t].length_min for _, t in mine]
            )
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

    def _pattern_rules(self, person: Staff) -> None:
        problem = self.problem
        sid = person.id
        days = problem.days
        needed = (
            person.max_consecutive_days is not None
            or person.min_consecutive_days > 1
            or person.min_consecutive_days_off > 1
            or person.max_weekends is not None
        )
        if not needed or not self.by_staff.get(sid):
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
                self._weekend_flags.append((flag, inside))
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
        self.load_range = (most, least)
        # weight per hour of spread: (most - least) * unit / 60 hours, times `scale`
        self.terms.append((weight * unit * self.scale // 60, most - least))
        if not self.explain:  # (they follow from the covers, which explaining may leave out)
            self._load_cuts(most, least, count=len(loads))

    def _load_cuts(self, most: cp_model.IntVar, least: cp_model.IntVar, *, count: int) -> None:
        """Valid cuts: the average of the loads lies between the least and the most."""
        unit = self.unit
        low_total = sum(
            c.required * (self.kinds[c.shift_type].length_min // unit)
            for c in self.problem.cover
            if c.under_weight is None
        )
        if low_total:
            self.model.add(most >= -(-low_total // count))
        if all(c.over_weight is None or c.maximum is not None for c in self.problem.cover):
            high_total = sum(
                (c.required if c.over_weight is None else (c.maximum or 0))
                * (self.kinds[c.shift_type].length_min // unit)
                for c in self.problem.cover
            )
            self.model.add(least <= high_total // count)

    def hint(self, assignments: Iterable[Assignment]) -> None:
        """Hint every variable once (a held block's cells share one variable), the helper
        variables too, so CP-SAT can take a feasible hint as its first solution."""
        wanted = {(a.staff, a.day, a.shift_type) for a in assignments}
        values: dict[int, int] = {}
        for key, var in self.x.items():
            values[var.index] = values.get(var.index, 0) or int(key in wanted)

        def value(lit: Lit) -> int:
            if isinstance(lit, bool):
                return int(lit)
            if isinstance(lit, cp_model.IntVar):
                return values.get(lit.index, 0)
            return 1 - values.get(lit.Not().index, 0)

        for flag, shifts in self._work_vars:
            values[flag.index] = int(any(value(v) for v in shifts))
        for flag, days in self._weekend_flags:
            values[flag.index] = int(any(value(d) for d in days))
        for cell, short in self.under.items():
            crew = sum(value(v) for v in self.by_cell.get(cell, {}).values())
            values[short.index] = max(0, self.covers[cell].required - crew)
        for cell, extra in self.over.items():
            crew = sum(value(v) for v in self.by_cell.get(cell, {}).values())
            values[extra.index] = max(0, crew - self.covers[cell].required)
        if self.load_range is not None:
            loads = [
                sum(
                    value(v) * self.kinds[t].length_min // self.unit
                    for (_, t), v in self.by_staff.get(person.id, {}).items()
                )
                for person in self.problem.staff
            ]
            values[self.load_range[0].index] = max(loads)
            values[self.load_range[1].index] = min(loads)
        variables = {var.index: var for var in self.x.values()}
        variables.update((f.index, f) for f, _ in self._work_vars)
        variables.update((f.index, f) for f, _ in self._weekend_flags)
        variables.update((v.index, v) for v in self.under.values())
        variables.update((v.index, v) for v in self.over.values())
        if self.load_range is not None:
            variables.update((v.index, v) for v in self.load_range)
        self.model.clear_hints()
        for index, var in variables.items():
            self.model.add_hint(var, values.get(index, 0))


def _cliques(
    spans: list[tuple[int, int, int, cp_model.IntVar]], rest: int
) -> list[list[tuple[int, cp_model.IntVar]]]:
    """The maximal sets of a person's shifts that pairwise overlap once each is extended by
    `rest` minutes (an interval graph: a sweep over start times)."""
    ordered = sorted(spans, key=lambda span: span[0])
    active: list[tuple[int, int, cp_model.IntVar]] = []  # end + rest, day, var
    found: list[list[tuple[int, cp_model.IntVar]]] = []
    grown = False
    for start, end, day, var in ordered:
        if any(stop <= start for stop, _, _ in active):
            if grown and len(active) >= 2:
                found.append([(d, v) for _, d, v in active])
            active = [item for item in active if item[0] > start]
            grown = False
        active.append((end + rest, day, var))
        grown = True
    if grown and len(active) >= 2:
        found.append([(d, v) for _, d, v in active])
    return found
