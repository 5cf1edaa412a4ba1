"""The variables of a rota problem's CP-SAT model (sparse: one Boolean per allowed staff x
dated shift), its named requirement groups, and reading a solution; the rules and the
objective over them are in `rota_model.py`."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from ortools.sat.python import cp_model

from services.scheduling.domain.rostering import Assignment, Cover, RotaProblem, Staff

Cell = tuple[int, str]
Key = tuple[str, int, str]
Lit = cp_model.IntVar | cp_model.NotBooleanVariable | bool  # or a constant


class RotaVariables:
    """The model, its variables (by staff and by dated shift) and what the rules share."""

    def __init__(
        self,
        problem: RotaProblem,
        *,
        explain: bool = False,
        pinned: Iterable[Assignment] = (),
        only: set[Key] | None = None,
    ) -> None:
        self.problem = problem
        self.only = only  # variables only for these (staff, day, type): a repair's neighbourhood
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
        self._work_vars: list[tuple[cp_model.IntVar, list[cp_model.IntVar]]] = []
        self._weekend_flags: list[tuple[cp_model.IntVar, list[Lit]]] = []
        self.load_range: tuple[cp_model.IntVar, cp_model.IntVar] | None = None
        self._variables()
        self._rules()

    def _rules(self) -> None:
        """The rules and the objective over the variables: `RotaModel`'s."""

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
        return cover is not None and _open(cover) and person.may_work(*cell)

    def _variables(self) -> None:
        problem = self.problem
        held: dict[Cell, int] = {}
        for index, block in enumerate(problem.holdings):
            for cell in block.cells:
                held.setdefault(cell, index)
        self.holding_vars: dict[tuple[str, str], cp_model.IntVar] = {}
        pinned = {(a.staff, a.day, a.shift_type) for a in self.pinned}
        only = self.only
        open_cells = [
            cell for cell, cover in sorted(self.covers.items()) if cell not in held and _open(cover)
        ]
        for person in problem.staff:
            sid = person.id
            off = person.days_off
            busy = person.unavailable
            most = person.max_shifts
            for cell in open_cells:
                key = (sid, cell[0], cell[1])
                if only is not None and key not in only:
                    continue
                if (
                    cell[0] not in off and cell not in busy and most.get(cell[1], 1) > 0
                ) or key in pinned:
                    self._add(key, self.model.new_bool_var(""))
            for index, block in enumerate(problem.holdings):
                keys = [(sid, day, type_id) for day, type_id in block.cells]
                if only is not None and not any(key in only for key in keys):
                    continue
                if all(self._allowed(person, cell) for cell in block.cells) or any(
                    key in pinned for key in keys
                ):
                    var = self.model.new_bool_var(f"h_{sid}_{block.id}")
                    self.holding_vars[(sid, block.id)] = var
                    for key in keys:
                        if held[(key[1], key[2])] == index:
                            self._add(key, var)
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
            self._work_vars.append((literal, shifts))
            for var in shifts:
                self.model.add_implication(var, literal)
            self.model.add_bool_or([*shifts, literal.Not()])
        self._work[(staff, day)] = literal
        return literal

    def _at_most_one(self, vars_: list[cp_model.IntVar], name: str | None) -> None:
        """At most one true; a variable listed twice (a held block's cells that exclude each
        other) can only be false."""
        distinct: dict[int, cp_model.IntVar] = {}
        for var in vars_:
            if var.index in distinct:
                ct = self.model.add(var == 0)
                if name is not None:
                    self._enforce(ct, name)
            distinct[var.index] = var
        if len(distinct) >= 2:
            ct = self.model.add_at_most_one(distinct.values())
            if name is not None:
                self._enforce(ct, name)

    def _clause(self, literals: list[Lit], name: str) -> None:
        """Add the disjunction unless a constant True satisfies it."""
        if any(lit is True for lit in literals):
            return
        real = [lit for lit in literals if lit is not False]
        self._enforce(self.model.add_bool_or(real), name)

    # --- reading a solution --------------------------------------------------------------------
    def assignments(self, value: object) -> list[Assignment]:
        """The assignments of a solution, read with `value(var) -> bool`."""
        read = value  # a callable: solver.boolean_value or callback.boolean_value
        return sorted(
            Assignment(*key)
            for key, var in self.x.items()
            if read(var)  # type: ignore[operator]
        )


def _open(cover: Cover) -> bool:
    """Someone may work the dated shift (its hard maximum is not zero)."""
    most = cover.required if cover.over_weight is None else cover.maximum
    return most is None or most > 0
