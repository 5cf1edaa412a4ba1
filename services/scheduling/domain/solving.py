"""What any solve reports while it runs and when it ends (rotas, timetables, calendars)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

SolveStatus = Literal["optimal", "feasible", "infeasible", "unknown", "cancelled", "invalid"]


@dataclass(frozen=True)
class SolveProgress:
    """A better solution was found: its objective, the best bound so far, seconds since start."""

    objective: float
    bound: float
    elapsed_s: float


ProgressSink = Callable[[SolveProgress], None]
StopFlag = Callable[[], bool]


@dataclass(frozen=True)
class ProblemLimits:
    """How big one problem may be (a larger one is refused with 422 before any solve)."""

    max_staff: int = 3000
    max_shifts: int = 1000
    max_days: int = 62
    max_lessons: int = 20_000
    max_activities: int = 1000
