"""Excellence defenses (答辩): slots, panels, the scheduling problem and the decision.

A defense is one report's hearing in a slot (a room and a time span) before a panel.
The chair offers slots and panel members (each with the spans they are available, or
always available); every application to schedule gets one slot and a panel of
`panel_size` members such that:
- a slot (a room at a time) holds at most one defense, and a room is never in two
  overlapping defenses (already scheduled ones included);
- no panel member sits in two overlapping defenses (already scheduled ones included);
- a member sits only in slots within one of their available spans;
- no member sits on the panel of a report they authored or advised (a conflict).
The scheduler (services/evaluation/assignment/defense_slots.py) builds such a plan and
the independent checker (domain/defense_checker.py) verifies it before it is kept.

The decision: the panel's score within [0, 100] and whether the report is excellent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from shared.rules import RuleBroken

SCORE_LOW = 0.0
SCORE_HIGH = 100.0
DEFAULT_PANEL_SIZE = 3


def _invalid(rule: str, field: str, message: str) -> RuleBroken:
    return RuleBroken(rule, field=field, message=message, invalid=True)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Two half-open spans [start, end) share some time (touching ends do not)."""
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True)
class Slot:
    room: str
    starts_at: datetime
    ends_at: datetime

    def overlaps(self, other: Slot) -> bool:
        return overlaps(self.starts_at, self.ends_at, other.starts_at, other.ends_at)


@dataclass(frozen=True)
class PanelMember:
    """A possible panel member; `available` None: available at every slot."""

    person_id: str
    available: tuple[tuple[datetime, datetime], ...] | None = None

    def can_sit(self, slot: Slot) -> bool:
        if self.available is None:
            return True
        return any(start <= slot.starts_at and slot.ends_at <= end for start, end in self.available)


@dataclass(frozen=True)
class Hearing:
    """A report to schedule, with the people who may not judge it (authors, advisor)."""

    report_id: UUID
    conflicted: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Defense:
    defense_id: UUID
    report_id: UUID
    room: str
    starts_at: datetime
    ends_at: datetime
    panel_ids: tuple[str, ...]

    @property
    def slot(self) -> Slot:
        return Slot(self.room, self.starts_at, self.ends_at)


@dataclass(frozen=True)
class DefenseProblem:
    hearings: tuple[Hearing, ...]
    slots: tuple[Slot, ...]
    members: tuple[PanelMember, ...]
    panel_size: int = DEFAULT_PANEL_SIZE
    existing: tuple[Defense, ...] = field(default=())


def validate(problem: DefenseProblem) -> None:
    """Refuse a problem that is malformed in itself (422), before any solving."""
    if not problem.hearings:
        raise RuleBroken(
            "nothing_to_schedule",
            field="season",
            message="no excellence application of the season is waiting for a defense",
        )
    if not 1 <= problem.panel_size <= 20:
        raise _invalid("bad_panel_size", "panel_size", "a panel has 1 to 20 members")
    for i, slot in enumerate(problem.slots):
        if slot.ends_at <= slot.starts_at:
            raise _invalid(
                "slot_ends_before_start", f"slots.{i}.ends_at", "a slot must end after it starts"
            )
    if len(set(problem.slots)) != len(problem.slots):
        raise _invalid("duplicate_slot", "slots", "the same room and time is offered twice")
    ids = [m.person_id for m in problem.members]
    if len(set(ids)) != len(ids):
        raise _invalid("duplicate_member", "members", "a panel member is listed twice")
    for i, member in enumerate(problem.members):
        for start, end in member.available or ():
            if end <= start:
                raise _invalid(
                    "span_ends_before_start",
                    f"members.{i}.available",
                    "an availability span must end after it starts",
                )
    if len(ids) < problem.panel_size:
        raise _invalid(
            "panel_too_small",
            "members",
            f"{len(ids)} members cannot make a panel of {problem.panel_size}",
        )
    if len(problem.slots) < len(problem.hearings):
        raise RuleBroken(
            "not_enough_slots",
            field="slots",
            message=f"{len(problem.hearings)} defenses need at least as many slots,"
            f" {len(problem.slots)} offered",
        )


def decide(score: float, *, low: float = SCORE_LOW, high: float = SCORE_HIGH) -> float:
    """The panel's score, refused outside [low, high]."""
    if not math.isfinite(score) or not low <= score <= high:
        raise _invalid("score_out_of_range", "score", f"the score must be within [{low}, {high}]")
    return score


def busy_members(defenses: Sequence[Defense], slot: Slot) -> set[str]:
    """Who already sits in a defense overlapping `slot`."""
    return {
        person
        for defense in defenses
        if defense.slot.overlaps(slot)
        for person in defense.panel_ids
    }
