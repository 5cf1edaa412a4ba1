"""The independent checker of an activity plan: its own code, never the solver's model.

Given the drafts, the placements a solver proposed and the activities already scheduled,
it recomputes from the times alone:
- every draft placed exactly once, nothing placed that is not a draft;
- each placement lasts its duration, lies inside its window and inside the campus hours
  of one campus day;
- no person and no room in two activities at once (clashes across departments and within
  one), among the new placements and against the scheduled activities;
- the plan's objective: total minutes each draft starts after its window opens.

A plan is publishable only when `conflicts` is 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from services.scheduling.domain.activities import (
    DEFAULT_HOURS,
    ActivityNeeds,
    CampusHours,
    Placement,
)
from services.scheduling.domain.calendar_time import CAMPUS_TZ

ResourceKind = Literal["person", "room"]


@dataclass(frozen=True)
class Clash:
    """Two activities need the same person or room at overlapping times."""

    resource_kind: ResourceKind
    resource: str
    first: UUID
    second: UUID
    overlap_min: int


@dataclass(frozen=True)
class PlacementViolation:
    """A draft placed wrongly: not at all, twice, outside its window or hours, too long."""

    activity_id: UUID
    rule: str
    detail: str


@dataclass(frozen=True)
class CalendarVerdict:
    clashes: tuple[Clash, ...]
    violations: tuple[PlacementViolation, ...]
    delay_min: int

    @property
    def conflicts(self) -> int:
        return len(self.clashes) + len(self.violations)

    @property
    def clash_free(self) -> bool:
        return self.conflicts == 0


def check_calendar(
    drafts: Sequence[ActivityNeeds],
    placements: Sequence[Placement],
    *,
    scheduled: Sequence[tuple[ActivityNeeds, Placement]] = (),
    hours: CampusHours = DEFAULT_HOURS,
) -> CalendarVerdict:
    by_id = {d.activity_id: d for d in drafts}
    violations: list[PlacementViolation] = []
    placed: dict[UUID, Placement] = {}
    for placement in placements:
        needs = by_id.get(placement.activity_id)
        if needs is None:
            violations.append(
                PlacementViolation(placement.activity_id, "unknown_activity", "not a draft")
            )
        elif placement.activity_id in placed:
            violations.append(
                PlacementViolation(placement.activity_id, "placed_twice", "placed twice")
            )
        else:
            placed[placement.activity_id] = placement
            violations.extend(_placement_violations(needs, placement, hours))
    for needs in drafts:
        if needs.activity_id not in placed:
            violations.append(PlacementViolation(needs.activity_id, "not_placed", "no time"))
    timed = [(by_id[i], p) for i, p in placed.items()] + list(scheduled)
    delay = sum(_minutes(p.starts_at - by_id[i].earliest_start) for i, p in placed.items())
    return CalendarVerdict(tuple(_clashes(timed)), tuple(violations), delay)


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def _placement_violations(
    needs: ActivityNeeds, placement: Placement, hours: CampusHours
) -> Iterable[PlacementViolation]:
    start, end = placement.starts_at, placement.ends_at
    if _minutes(end - start) != needs.duration_min or (end - start).total_seconds() % 60:
        yield PlacementViolation(
            needs.activity_id,
            "wrong_duration",
            f"lasts {(end - start)} instead of {needs.duration_min} minutes",
        )
    if start < needs.earliest_start or end > needs.latest_end:
        yield PlacementViolation(
            needs.activity_id,
            "outside_window",
            f"{start.isoformat()}–{end.isoformat()} is not within "
            f"{needs.earliest_start.isoformat()}–{needs.latest_end.isoformat()}",
        )
    local_start, local_end = start.astimezone(CAMPUS_TZ), end.astimezone(CAMPUS_TZ)
    if (
        local_start.date() != local_end.date()
        or local_start.time() < hours.opens
        or local_end.time() > hours.closes
    ):
        yield PlacementViolation(
            needs.activity_id,
            "outside_campus_hours",
            f"{local_start:%Y-%m-%d %H:%M}–{local_end:%Y-%m-%d %H:%M} is not within one "
            f"day's {hours.opens:%H:%M}–{hours.closes:%H:%M}",
        )


def _clashes(timed: Sequence[tuple[ActivityNeeds, Placement]]) -> list[Clash]:
    uses: dict[tuple[ResourceKind, str], list[tuple[datetime, datetime, UUID]]] = defaultdict(list)
    for needs, placement in timed:
        slot = (placement.starts_at, placement.ends_at, needs.activity_id)
        for person in set(needs.people):
            uses[("person", person)].append(slot)
        if needs.room is not None:
            uses[("room", needs.room)].append(slot)
    clashes: list[Clash] = []
    for (kind, resource), slots in sorted(uses.items()):
        slots.sort()
        active: list[tuple[datetime, datetime, UUID]] = []
        for start, end, activity_id in slots:
            active = [a for a in active if a[1] > start]
            for _, other_end, other_id in active:
                overlap = _minutes(min(end, other_end) - start)
                clashes.append(Clash(kind, resource, other_id, activity_id, overlap))
            active.append((start, end, activity_id))
    return clashes
