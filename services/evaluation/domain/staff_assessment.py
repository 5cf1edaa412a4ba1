"""Staff assessment: a member's duty record for a term, folded from scheduling's facts,
plus officers' scores, combined into traceable figures (DOMAIN.md §3, §2).

The domain sees plain fact values, one per scheduling event kind, each carrying the
id of the event it came from (domain/duty_facts.py); mapping events to facts is the
service layer's job.

Folding is idempotent (an event id already folded changes nothing) and
order-independent: every figure is computed from the set of facts at the end, never
from the order they arrived in (a `DutyMissed` before its `ShiftAssigned` counts once).

Term boundary: shift, sign-in, missed-duty and handover facts count when their time
falls in ``[starts_at, ends_at)`` of the term; attendance and sanction facts carry
the term's label and count when it matches.

Criteria (DOMAIN.md §3) and weights of the total (0–100):

- ``presence`` 0.24 — presence for the whole shift: shifts kept on time / shifts due
  (due = shifts signed in for or missed);
- ``duty_log`` 0.12 — accurate duty logs: kept shifts with a handover written / kept;
- ``meeting_attendance`` 0.12 — meetings attended (present or late) / meetings
  minus excused absences;
- ``conduct`` 0.08 — 1 with no sanction, −0.5 per verbal warning or officer's warning,
  0 after a compulsory withdrawal, an expulsion, a notice of criticism or a dismissal
  (scheduling's attendance sanctions and the officers' own not annulled,
  domain/officer_sanctions.py);
- ``attitude``, ``ability``, ``teamwork`` 0.08 each — the members' criteria:
  officers' mean score / 10;
- ``enquiries``, ``equipment``, ``helping``, ``cleaning`` 0.05 each — the duty staff's
  criteria no event records (answering enquiries, keeping equipment working, helping,
  cleaning): officers' mean score / 10, given for members on duty.

(The duty staff's four criteria came after the others, whose weights were scaled by
0.8 to make room: a member without those scores keeps exactly the total they had.)

A criterion with no evidence (nothing due, no meetings, no officer's score) has no
value and the remaining weights are renormalised, so a member is never marked down
for what did not happen. ``conduct`` is the exception: no sanction in the term is
itself its evidence, so it counts beside whatever else does (but alone it is no
record: publishing refuses a member with no fact, no score and no officer's sanction).
Every figure lists the ids of the facts (events, officers' scores and sanctions) that
made it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal
from uuid import UUID

from services.evaluation.domain.duty_facts import (
    Attendance,
    AttendanceFact,
    CheckedInFact,
    DutyFact,
    HandoverFact,
    MissedFact,
    SanctionFact,
    ShiftAssignedFact,
    ShiftCancelledFact,
    ShiftChangedFact,
)
from services.evaluation.domain.officer_sanctions import OfficerSanction
from shared.rules import RuleBroken

Criterion = Literal[
    "attitude", "ability", "teamwork", "enquiries", "equipment", "helping", "cleaning"
]
MEMBER_CRITERIA: tuple[Criterion, ...] = ("attitude", "ability", "teamwork")
DUTY_CRITERIA: tuple[Criterion, ...] = ("enquiries", "equipment", "helping", "cleaning")
CRITERIA: tuple[Criterion, ...] = (*MEMBER_CRITERIA, *DUTY_CRITERIA)
SCORE_MIN = 0.0
SCORE_MAX = 10.0

WEIGHTS: Mapping[str, float] = {
    "presence": 0.24,
    "duty_log": 0.12,
    "meeting_attendance": 0.12,
    "conduct": 0.08,
    "attitude": 0.08,
    "ability": 0.08,
    "teamwork": 0.08,
    "enquiries": 0.05,
    "equipment": 0.05,
    "helping": 0.05,
    "cleaning": 0.05,
}


# --- the term and the record -------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    label: str
    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        if self.ends_at <= self.starts_at:
            raise RuleBroken(
                "term_window", field="ends_at", message="a term ends after it starts", invalid=True
            )

    def holds(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class Figure:
    """One number and the ids of the facts (events, officers' scores or sanctions) it
    came from."""

    name: str
    value: float | None
    sources: frozenset[UUID] = frozenset()


@dataclass(frozen=True)
class OfficerScore:
    score_id: UUID
    officer_id: str
    criterion: Criterion
    score: float


@dataclass(frozen=True)
class DutyRecord:
    person_id: str
    term: Term
    facts: Mapping[UUID, DutyFact] = field(default_factory=dict)
    officer_scores: tuple[OfficerScore, ...] = ()
    officer_sanctions: tuple[OfficerSanction, ...] = ()

    # folding -----------------------------------------------------------------------

    def concerns(self, fact: DutyFact) -> bool:
        """Whether the fact is about this member and falls within this term."""
        if isinstance(fact, ShiftChangedFact):
            if self.person_id not in (fact.from_person_id, fact.to_person_id):
                return False
        elif fact.person_id != self.person_id:
            return False
        if isinstance(fact, AttendanceFact | SanctionFact):
            return fact.term == self.term.label
        if isinstance(fact, CheckedInFact):
            return self.term.holds(fact.checked_in_at)
        if isinstance(fact, HandoverFact):
            return self.term.holds(fact.recorded_at)
        return self.term.holds(fact.starts_at)

    def fold(self, fact: DutyFact) -> DutyRecord:
        if fact.event_id in self.facts or not self.concerns(fact):
            return self
        return replace(self, facts={**self.facts, fact.event_id: fact})

    def fold_all(self, facts: Iterable[DutyFact]) -> DutyRecord:
        record = self
        for fact in facts:
            record = record.fold(fact)
        return record

    def score(self, score: OfficerScore) -> DutyRecord:
        """Add an officer's score: in range, a known criterion, one per officer per criterion."""
        if score.criterion not in CRITERIA:
            raise RuleBroken(
                "unknown_criterion",
                field="criterion",
                message=f"criterion must be one of {', '.join(CRITERIA)}",
                invalid=True,
            )
        if not SCORE_MIN <= score.score <= SCORE_MAX:
            raise RuleBroken(
                "score_out_of_range",
                field="score",
                message=f"a score is between {SCORE_MIN:g} and {SCORE_MAX:g}",
                invalid=True,
            )
        for held in self.officer_scores:
            if held.score_id == score.score_id:
                if held == score:
                    return self
                raise RuleBroken("score_id_reused", field="score_id", message="score id reused")
            if held.officer_id == score.officer_id and held.criterion == score.criterion:
                raise RuleBroken(
                    "already_scored",
                    field="criterion",
                    message=f"officer {score.officer_id} already scored {score.criterion}",
                )
        return replace(self, officer_scores=(*self.officer_scores, score))

    def sanction(self, sanction: OfficerSanction) -> DutyRecord:
        """Add an officer's sanction of the member in this term (the same one again: no change)."""
        for held in self.officer_sanctions:
            if held.sanction_id == sanction.sanction_id:
                if held == sanction:
                    return self
                raise RuleBroken(
                    "sanction_id_reused", field="sanction_id", message="sanction id reused"
                )
        return replace(self, officer_sanctions=(*self.officer_sanctions, sanction))

    @property
    def counted_sanctions(self) -> tuple[OfficerSanction, ...]:
        """The officers' sanctions that count: those not annulled."""
        return tuple(s for s in self.officer_sanctions if s.counts)

    def _of(self, kind: type[DutyFact]) -> list[DutyFact]:
        return [f for f in self.facts.values() if isinstance(f, kind)]

    # counts --------------------------------------------------------------------------

    def shifts_held(self) -> Figure:
        """Shifts assigned (or changed to) this member, net of cancellations and changes away."""
        net: dict[UUID, int] = {}
        sources: dict[UUID, set[UUID]] = {}
        for f in self.facts.values():
            if isinstance(f, ShiftAssignedFact):
                delta = 1
            elif isinstance(f, ShiftChangedFact):
                delta = (f.to_person_id == self.person_id) - (f.from_person_id == self.person_id)
            elif isinstance(f, ShiftCancelledFact):
                delta = -1
            else:
                continue
            net[f.shift_id] = net.get(f.shift_id, 0) + delta
            sources.setdefault(f.shift_id, set()).add(f.event_id)
        held = [s for s, n in net.items() if n > 0]
        return Figure("shifts_held", len(held), frozenset(e for s in held for e in sources[s]))

    def _by_shift(self, facts: Iterable[DutyFact]) -> dict[UUID, set[UUID]]:
        out: dict[UUID, set[UUID]] = {}
        for f in facts:
            assert isinstance(f, CheckedInFact | MissedFact | HandoverFact)
            out.setdefault(f.shift_id, set()).add(f.event_id)
        return out

    @staticmethod
    def _count(name: str, by_key: Mapping[UUID, set[UUID]]) -> Figure:
        return Figure(name, len(by_key), frozenset(e for ids in by_key.values() for e in ids))

    def shifts_kept(self) -> Figure:
        return self._count("shifts_kept", self._by_shift(self._of(CheckedInFact)))

    def shifts_late(self) -> Figure:
        late = [f for f in self._of(CheckedInFact) if isinstance(f, CheckedInFact) and f.late]
        return self._count("shifts_late", self._by_shift(late))

    def shifts_missed(self) -> Figure:
        return self._count("shifts_missed", self._by_shift(self._of(MissedFact)))

    def handovers_written(self) -> Figure:
        by_handover: dict[UUID, set[UUID]] = {}
        for f in self._of(HandoverFact):
            assert isinstance(f, HandoverFact)
            by_handover.setdefault(f.handover_id, set()).add(f.event_id)
        return self._count("handovers_written", by_handover)

    def _meetings(self) -> dict[UUID, AttendanceFact]:
        """Each meeting's latest attendance record (a correction replaces the first)."""
        latest: dict[UUID, AttendanceFact] = {}
        for f in self._of(AttendanceFact):
            assert isinstance(f, AttendanceFact)
            held = latest.get(f.meeting_id)
            if held is None or (f.recorded_at, str(f.event_id)) > (
                held.recorded_at,
                str(held.event_id),
            ):
                latest[f.meeting_id] = f
        return latest

    def attendance(self, kind: Attendance) -> Figure:
        ids = frozenset(f.event_id for f in self._meetings().values() if f.attendance == kind)
        return Figure(f"meetings_{kind}", len(ids), ids)

    def sanctions(self) -> Figure:
        by_sanction: dict[UUID, set[UUID]] = {}
        for f in self._of(SanctionFact):
            assert isinstance(f, SanctionFact)
            by_sanction.setdefault(f.sanction_id, set()).add(f.event_id)
        for s in self.counted_sanctions:
            by_sanction[s.sanction_id] = {s.sanction_id}
        return self._count("sanctions", by_sanction)

    # assessment figures ---------------------------------------------------------------

    def presence(self) -> Figure:
        kept = self._by_shift(self._of(CheckedInFact))
        late = self._by_shift(
            [f for f in self._of(CheckedInFact) if isinstance(f, CheckedInFact) and f.late]
        )
        missed = self._by_shift(self._of(MissedFact))
        due = set(kept) | set(missed)
        sources = frozenset(e for by in (kept, missed) for ids in by.values() for e in ids)
        if not due:
            return Figure("presence", None, sources)
        on_time = set(kept) - set(late) - set(missed)
        return Figure("presence", len(on_time) / len(due), sources)

    def duty_log(self) -> Figure:
        kept = self._by_shift(self._of(CheckedInFact))
        handed = self._by_shift(self._of(HandoverFact))
        logged = set(kept) & set(handed)
        sources = frozenset(
            [e for ids in kept.values() for e in ids] + [e for s in logged for e in handed[s]]
        )
        if not kept:
            return Figure("duty_log", None, sources)
        return Figure("duty_log", len(logged) / len(kept), sources)

    def meeting_attendance(self) -> Figure:
        meetings = self._meetings()
        counted = [f for f in meetings.values() if f.attendance != "excused"]
        sources = frozenset(f.event_id for f in counted)
        if not counted:
            return Figure("meeting_attendance", None, sources)
        attended = sum(f.attendance in ("present", "late") for f in counted)
        return Figure("meeting_attendance", attended / len(counted), sources)

    def conduct(self) -> Figure:
        facts = [f for f in self._of(SanctionFact) if isinstance(f, SanctionFact)]
        kinds = {f.sanction_id: f.sanction for f in facts}
        officers = self.counted_sanctions
        if any(k != "verbal_warning" for k in kinds.values()) or any(s.serious for s in officers):
            value = 0.0
        else:
            value = max(0.0, 1.0 - 0.5 * (len(kinds) + len(officers)))
        sources = {f.event_id for f in facts} | {s.sanction_id for s in officers}
        return Figure("conduct", value, frozenset(sources))

    def officers(self, criterion: Criterion) -> Figure:
        scores = [s for s in self.officer_scores if s.criterion == criterion]
        ids = frozenset(s.score_id for s in scores)
        if not scores:
            return Figure(criterion, None, ids)
        return Figure(criterion, sum(s.score for s in scores) / len(scores) / SCORE_MAX, ids)


@dataclass(frozen=True)
class StaffAssessment:
    person_id: str
    term: str
    counts: tuple[Figure, ...]
    criteria: tuple[Figure, ...]
    total: Figure

    def figure(self, name: str) -> Figure:
        for f in (*self.counts, *self.criteria, self.total):
            if f.name == name:
                return f
        raise KeyError(name)


def assess(record: DutyRecord, weights: Mapping[str, float] = WEIGHTS) -> StaffAssessment:
    """The member's figures for the term and the weighted total (0–100), each traceable."""
    if set(weights) != set(WEIGHTS) or any(w < 0 for w in weights.values()):
        raise RuleBroken(
            "weights",
            field="weights",
            message="one non-negative weight per criterion",
            invalid=True,
        )
    if abs(sum(weights.values()) - 1.0) > 1e-9:
        raise RuleBroken("weights", field="weights", message="weights sum to 1", invalid=True)
    counts = (
        record.shifts_held(),
        record.shifts_kept(),
        record.shifts_missed(),
        record.shifts_late(),
        record.handovers_written(),
        record.attendance("present"),
        record.attendance("late"),
        record.attendance("excused"),
        record.attendance("unexcused"),
        record.sanctions(),
    )
    criteria = (
        record.presence(),
        record.duty_log(),
        record.meeting_attendance(),
        record.conduct(),
        *(record.officers(c) for c in CRITERIA),
    )
    weighed = [c for c in criteria if c.value is not None and weights[c.name] > 0]
    mass = sum(weights[c.name] for c in weighed)
    value = (
        None
        if mass == 0
        else round(100 * sum(weights[c.name] * (c.value or 0.0) for c in weighed) / mass, 2)
    )
    total = Figure("total", value, frozenset(e for c in weighed for e in c.sources))
    return StaffAssessment(record.person_id, record.term.label, counts, criteria, total)
