"""The general duty-rostering problem and its answer: pure data, no solver.

A rota problem has a horizon of days from a start date; shift types (a post held at a
place from a wall-clock start for a length in minutes, with the types that may not follow
it the next day); staff with their limits, days off, unavailable (day, shift type) pairs
and skills; shift-on and shift-off requests; cover per day and shift type; a minimum rest
between two shifts of the same person; skill requirements per dated shift; fairness; and
two optional rules the office rota needs: holdings (a block of dated shifts that whoever
holds one of them holds all of, with blocks that may not be held next by the same person)
and a weekly duty (everyone does at least so many shifts of at least so many minutes in
each week of the horizon).

Hard rules are never broken; soft ones cost their weight. `roster_checker` judges an
assignment set against all of it on its own, without the solver's model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

from services.scheduling.domain.calendar_time import at_campus
from services.scheduling.domain.solving import SolveStatus

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, order=True)
class Assignment:
    """Staff member `staff` works shift type `shift_type` on day index `day` (0 = start)."""

    staff: str
    day: int
    shift_type: str


@dataclass(frozen=True)
class ShiftType:
    id: str
    post: str
    start: time
    length_min: int
    place: str = ""
    forbidden_next: frozenset[str] = frozenset()  # types that may not follow it next day

    @property
    def start_min(self) -> int:
        return self.start.hour * 60 + self.start.minute


@dataclass(frozen=True)
class Staff:
    id: str
    max_shifts: Mapping[str, int] = field(default_factory=dict)  # type -> at most (absent: any)
    min_total_min: int = 0
    max_total_min: int | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days: int = 1
    min_consecutive_days_off: int = 1
    max_weekends: int | None = None
    days_off: frozenset[int] = frozenset()
    unavailable: frozenset[tuple[int, str]] = frozenset()  # (day, shift type)
    skills: frozenset[str] = frozenset()
    name: str = ""

    def may_work(self, day: int, shift_type: str) -> bool:
        """Not a day off, not unavailable, and allowed at least one of that type."""
        return (
            day not in self.days_off
            and (day, shift_type) not in self.unavailable
            and self.max_shifts.get(shift_type, 1) > 0
        )


@dataclass(frozen=True)
class ShiftRequest:
    """Staff wants (`on`) or does not want (not `on`) to work: a shift type that day, or,
    with `shift_type` None, any shift that day. Costs `weight` when not granted."""

    staff: str
    day: int
    shift_type: str | None
    weight: int
    on: bool


@dataclass(frozen=True)
class Cover:
    """How many staff work shift type `shift_type` on `day`.

    `under_weight` None: at least `required` (hard); otherwise each missing person costs it.
    `over_weight` None: at most `required` (hard); otherwise each extra person costs it, up
    to `maximum` (hard) when set.
    """

    day: int
    shift_type: str
    required: int
    under_weight: int | None = None
    over_weight: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class SkillRequirement:
    """At least `count` of the staff on `shift_type` on `day` have `skill` (hard)."""

    day: int
    shift_type: str
    skill: str
    count: int = 1


@dataclass(frozen=True)
class Fairness:
    """Balanced load: costs `weight` per hour between the most and the least loaded staff
    member's total minutes (among all staff of the problem)."""

    weight: int


@dataclass(frozen=True)
class Holding:
    """A block of dated shifts held together: whoever works one cell works all of them;
    nobody who holds this block holds any block of `forbidden_next` (e.g. next week's
    block of the same post: posts rotate)."""

    id: str
    cells: tuple[tuple[int, str], ...]  # (day, shift type)
    forbidden_next: frozenset[str] = frozenset()


@dataclass(frozen=True)
class WeeklyDuty:
    """Every staff member works at least `min_shifts` shifts of at least `min_length_min`
    minutes in each week (7-day period from the start date) of the horizon."""

    min_shifts: int = 1
    min_length_min: int = 180


@dataclass(frozen=True)
class RotaProblem:
    start: date
    days: int
    shift_types: tuple[ShiftType, ...]
    staff: tuple[Staff, ...]
    cover: tuple[Cover, ...] = ()
    requests: tuple[ShiftRequest, ...] = ()
    skill_requirements: tuple[SkillRequirement, ...] = ()
    min_rest_min: int = 0
    max_shifts_per_day: int = 1
    fairness: Fairness | None = None
    holdings: tuple[Holding, ...] = ()
    weekly_duty: WeeklyDuty | None = None
    name: str = ""

    def shift_type(self, type_id: str) -> ShiftType:
        for kind in self.shift_types:
            if kind.id == type_id:
                return kind
        raise KeyError(type_id)

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=day)

    def starts_at(self, day: int, type_id: str) -> datetime:
        return at_campus(self.date_of(day), self.shift_type(type_id).start)

    def ends_at(self, day: int, type_id: str) -> datetime:
        return self.starts_at(day, type_id) + timedelta(minutes=self.shift_type(type_id).length_min)

    def is_weekend(self, day: int) -> bool:
        return self.date_of(day).weekday() >= 5

    def weekends(self) -> list[tuple[int, ...]]:
        """The day indexes of each (possibly partial) weekend inside the horizon."""
        found: dict[int, list[int]] = {}
        for day in range(self.days):
            if self.is_weekend(day):
                iso_year, iso_week, _ = self.date_of(day).isocalendar()
                found.setdefault(iso_year * 100 + iso_week, []).append(day)
        return [tuple(days) for _, days in sorted(found.items())]

    def weeks(self) -> list[range]:
        return [range(first, min(first + 7, self.days)) for first in range(0, self.days, 7)]

    def describe_day(self, day: int) -> str:
        return f"day {day} ({self.date_of(day).isoformat()})"


PenaltyKind = Literal[
    "cover_under", "cover_over", "shift_on_requests", "shift_off_requests", "fairness"
]
PENALTY_KINDS: tuple[PenaltyKind, ...] = (
    "cover_under",
    "cover_over",
    "shift_on_requests",
    "shift_off_requests",
    "fairness",
)


@dataclass(frozen=True)
class Violation:
    """A broken hard rule, said so that an officer can act on it."""

    rule: str
    message: str
    staff: str | None = None
    day: int | None = None
    shift_type: str | None = None


@dataclass(frozen=True)
class RotaOutcome:
    """A solve's answer, judged by the checker: the objective and penalties are the
    checker's; `hard_violations` must be empty for anything publishable."""

    problem: RotaProblem
    status: SolveStatus
    assignments: tuple[Assignment, ...] = ()
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    wall_s: float = 0.0
    first_feasible_s: float | None = None
    penalties: Mapping[str, float] = field(default_factory=dict)
    hard_violations: tuple[Violation, ...] = ()
    conflicts: tuple[str, ...] = ()
    changes: int | None = None
    solver_objective: float | None = None

    @property
    def publishable(self) -> bool:
        return self.status in ("optimal", "feasible") and not self.hard_violations
