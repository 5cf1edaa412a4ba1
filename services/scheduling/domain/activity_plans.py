"""An activity plan as a solve kind: the problem (drafts to place, activities already
scheduled, the campus hours) and the outcome, judged by the independent checker.

Both are plain frozen dataclasses, so they cross a process pool."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from services.scheduling.domain.activities import (
    DEFAULT_HOURS,
    ActivityNeeds,
    CampusHours,
    Placement,
)
from services.scheduling.domain.activity_check import CalendarVerdict
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
