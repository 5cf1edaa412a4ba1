"""An activity plan: the campus days it covers (a month, or a range), and the plan as a
solve kind: the problem (drafts to place, activities already scheduled, the campus hours)
and the outcome, judged by the independent checker.

Problem and outcome are plain frozen dataclasses, so they cross a process pool."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

from services.scheduling.domain.activities import (
    DEFAULT_HOURS,
    MAX_WINDOW_DAYS,
    ActivityNeeds,
    CampusHours,
    Placement,
)
from services.scheduling.domain.activity_check import CalendarVerdict
from services.scheduling.domain.calendar_time import at_campus
from services.scheduling.domain.rules import RuleBroken
from services.scheduling.domain.solving import SolveStatus


@dataclass(frozen=True)
class CalendarProblem:
    """Place every draft; the scheduled activities keep their times and block their
    people and rooms."""

    drafts: tuple[ActivityNeeds, ...]
    scheduled: tuple[tuple[ActivityNeeds, Placement], ...] = ()
    hours: CampusHours = DEFAULT_HOURS


@dataclass(frozen=True)
class CalendarOutcome:
    """What a calendar solve found, in the checker's numbers.

    `verdict` is the checker's judgement of `placements` (None when there are none);
    `objective` is the checker's total delay in minutes (starts after windows open).
    When infeasible, `conflicts` names a small set of drafts that cannot all be placed
    together (with the activities already scheduled)."""

    status: SolveStatus
    placements: tuple[Placement, ...] = ()
    verdict: CalendarVerdict | None = None
    objective: float | None = None
    best_bound: float | None = None
    wall_s: float = 0.0
    first_solution_s: float | None = None
    conflicts: tuple[UUID, ...] = field(default_factory=tuple)

    @property
    def publishable(self) -> bool:
        return (
            self.status in ("optimal", "feasible")
            and self.verdict is not None
            and self.verdict.clash_free
        )

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.best_bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return max(0.0, (self.objective - self.best_bound) / abs(self.objective))


@dataclass(frozen=True)
class PlanRange:
    """The campus days a plan covers: drafts whose window opens on one of them."""

    first_day: date
    last_day: date

    @property
    def starts_at(self) -> datetime:
        return at_campus(self.first_day, time(0))

    @property
    def ends_at(self) -> datetime:
        return at_campus(self.last_day + timedelta(days=1), time(0))


def plan_range(*, month: str | None, first_day: date | None, last_day: date | None) -> PlanRange:
    if month is not None:
        if first_day is not None or last_day is not None:
            raise RuleBroken(
                "month_or_range",
                field="month",
                message="give either a month or a range (from, to), not both",
                invalid=True,
            )
        year, number = (int(part) for part in month.split("-"))
        start = date(year, number, 1)
        following = date(year + number // 12, number % 12 + 1, 1)
        return PlanRange(start, following - timedelta(days=1))
    if first_day is None or last_day is None:
        raise RuleBroken(
            "month_or_range",
            field="month" if first_day is None and last_day is None else "to",
            message="give a month (YYYY-MM) or a range with both from and to",
            invalid=True,
        )
    if last_day < first_day:
        raise RuleBroken(
            "range_end_before_start", field="to", message="to is before from", invalid=True
        )
    if (last_day - first_day).days + 1 > MAX_WINDOW_DAYS:
        raise RuleBroken(
            "range_too_long",
            field="to",
            message=f"a plan covers at most {MAX_WINDOW_DAYS} days",
            invalid=True,
        )
    return PlanRange(first_day, last_day)
