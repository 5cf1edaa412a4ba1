"""Rotas as a service: a draft's dated shifts, absences, and the rules of every seat change.

A rota is drafted from a solve's assignments, then published: each (day, shift type) of
its problem with a crew or a cover requirement becomes a dated shift at the campus's
wall-clock time, and each assignment a pinned seat. Afterwards seats change only by
repair (a member withdrew or got leave), an approved swap or a taken open shift, and only
when the change breaks no hard rule of the rota's problem that was not broken before:
`new_violations` runs the independent checker on the members and shifts a change touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID, uuid5

from services.scheduling.domain.roster_checker import check_rota
from services.scheduling.domain.rostering import (
    Assignment,
    Cover,
    RotaProblem,
    SkillRequirement,
    Violation,
)
from services.scheduling.domain.rules import RuleBroken

RotaStatus = Literal["draft", "published"]
AbsenceKind = Literal["withdrawal", "leave"]
Cell = tuple[int, str]  # (day index, shift type)


@dataclass(frozen=True)
class Rota:
    college: str
    rota_id: UUID
    name: str
    starts_on: date
    ends_on: date
    status: RotaStatus
    document: Mapping[str, Any]  # the problem in the JSON format of schemas/rostering.py
    assignments: tuple[Assignment, ...]  # the draft's; a published rota's live in its seats
    job_id: UUID | None
    created_by: str
    created_at: datetime
    published_at: datetime | None = None
    published_by: str | None = None


@dataclass(frozen=True)
class DatedShift:
    """One (day, shift type) of a rota's problem at its dated time, with who holds a seat."""

    shift_id: UUID
    rota_id: UUID
    day: date
    day_index: int
    shift_type: str
    post: str
    place: str
    starts_at: datetime
    ends_at: datetime
    seats: int
    holders: tuple[str, ...] = ()

    @property
    def cell(self) -> Cell:
        return (self.day_index, self.shift_type)

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class Absence:
    """From `starts_at` (until `ends_at`, or for good) the member holds no seat of the rota.
    It frees the shifts that overlap it and start after it was recorded."""

    person_id: str
    kind: AbsenceKind
    starts_at: datetime
    ends_at: datetime | None
    recorded_at: datetime
    reason: str


def shift_id_of(rota_id: UUID, day_index: int, shift_type: str) -> UUID:
    """The same dated shift has the same id in the draft and once published."""
    return uuid5(rota_id, f"{day_index}/{shift_type}")


def rota_period(problem: RotaProblem) -> tuple[date, date]:
    return problem.start, problem.start + timedelta(days=problem.days - 1)


def dated_shifts(
    rota_id: UUID, problem: RotaProblem, assignments: Iterable[Assignment]
) -> list[DatedShift]:
    """Every dated shift of the problem that needs or has a crew, in time order."""
    crews: dict[Cell, list[str]] = {}
    for item in assignments:
        crews.setdefault((item.day, item.shift_type), []).append(item.staff)
    required: dict[Cell, int] = {}
    for cover in problem.cover:
        required[(cover.day, cover.shift_type)] = cover.required
    shifts = []
    for cell in set(crews) | set(required):
        day, type_id = cell
        holders = tuple(sorted(crews.get(cell, ())))
        seats = max(required.get(cell, 0), len(holders))
        if seats == 0:
            continue
        kind = problem.shift_type(type_id)
        shifts.append(
            DatedShift(
                shift_id=shift_id_of(rota_id, day, type_id),
                rota_id=rota_id,
                day=problem.date_of(day),
                day_index=day,
                shift_type=type_id,
                post=kind.post,
                place=kind.place,
                starts_at=problem.starts_at(day, type_id),
                ends_at=problem.ends_at(day, type_id),
                seats=seats,
                holders=holders,
            )
        )
    return sorted(shifts, key=lambda s: (s.starts_at, s.post, s.shift_type))


def assignments_of(shifts: Iterable[DatedShift]) -> set[Assignment]:
    return {
        Assignment(holder, shift.day_index, shift.shift_type)
        for shift in shifts
        for holder in shift.holders
    }


# --- absences ---------------------------------------------------------------------------


def absent_cells(problem: RotaProblem, absence: Absence) -> frozenset[Cell]:
    """The dated shifts an absence frees: overlapping it, starting once it was recorded."""
    cells = set()
    for day in range(problem.days):
        for kind in problem.shift_types:
            starts = problem.starts_at(day, kind.id)
            ends = starts + timedelta(minutes=kind.length_min)
            if starts < absence.recorded_at or ends <= absence.starts_at:
                continue
            if absence.ends_at is not None and starts >= absence.ends_at:
                continue
            cells.add((day, kind.id))
    return frozenset(cells)


def with_absences(problem: RotaProblem, absences: Iterable[Absence]) -> RotaProblem:
    """The problem in which each absent member is unavailable for the shifts they left."""
    away: dict[str, set[Cell]] = {}
    for absence in absences:
        away.setdefault(absence.person_id, set()).update(absent_cells(problem, absence))
    if not away:
        return problem
    staff = tuple(
        replace(person, unavailable=person.unavailable | away[person.id])
        if person.id in away
        else person
        for person in problem.staff
    )
    return replace(problem, staff=staff)


# --- judging a change ---------------------------------------------------------------------


def _key(v: Violation) -> tuple[str, str | None, int | None, str | None]:
    return (v.rule, v.staff, v.day, v.shift_type)


class Judge:
    """The independent checker, asked about one change at a time.

    Every hard rule is about one member's shifts or one dated shift's crew, so a change
    is judged on the members whose shifts change and the crews of the shifts that change:
    the same verdict as judging the whole rota, at the cost of a few members."""

    def __init__(self, problem: RotaProblem) -> None:
        self.problem = problem
        self._staff = {person.id: person for person in problem.staff}
        self._cover: dict[Cell, list[Cover]] = {}
        for cover in problem.cover:
            self._cover.setdefault((cover.day, cover.shift_type), []).append(cover)
        self._skills: dict[Cell, list[SkillRequirement]] = {}
        for need in problem.skill_requirements:
            self._skills.setdefault((need.day, need.shift_type), []).append(need)

    def new_violations(
        self, before: Set[Assignment], after: Set[Assignment], *, settled: Set[Cell] = frozenset()
    ) -> list[Violation]:
        """The hard rules `after` breaks that `before` did not; on the `settled` shifts, every
        rule about the crew (cover, skills) must hold after, broken before or not."""
        changed = before ^ after
        cells = {(item.day, item.shift_type) for item in changed}
        relevant = {item.staff for item in changed} | {
            item.staff for item in before | after if (item.day, item.shift_type) in cells
        }
        mine_before = [item for item in before if item.staff in relevant]
        mine_after = [item for item in after if item.staff in relevant]
        touched = {(item.day, item.shift_type) for item in (*mine_before, *mine_after)}
        local = replace(
            self.problem,
            staff=tuple(self._staff[sid] for sid in sorted(relevant) if sid in self._staff),
            cover=tuple(c for cell in sorted(touched) for c in self._cover.get(cell, ())),
            skill_requirements=tuple(
                need for cell in sorted(touched) for need in self._skills.get(cell, ())
            ),
            requests=(),
            fairness=None,
        )
        known = {
            _key(v)
            for v in check_rota(local, mine_before).violations
            if v.staff is not None or (v.day, v.shift_type) not in settled
        }
        found: dict[tuple[str, str | None, int | None, str | None], Violation] = {}
        for violation in check_rota(local, mine_after).violations:
            if _key(violation) not in known:
                found.setdefault(_key(violation), violation)
        return list(found.values())


def new_violations(
    problem: RotaProblem, before: Set[Assignment], after: Set[Assignment]
) -> list[Violation]:
    """The hard rules `after` breaks that `before` did not, by the independent checker."""
    return Judge(problem).new_violations(before, after)


def broken_rule(violations: list[Violation], *, field: str, what: str) -> RuleBroken:
    first = violations[0]
    more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
    return RuleBroken(
        first.rule, field=field, message=f"{what} breaks a hard rule: {first.message}{more}"
    )


def moved(
    before: Set[Assignment], shift: DatedShift, *, from_person: str, to_person: str
) -> set[Assignment]:
    day, type_id = shift.cell
    after = set(before)
    after.discard(Assignment(from_person, day, type_id))
    after.add(Assignment(to_person, day, type_id))
    return after


# --- who may change a seat ------------------------------------------------------------------


def ensure_upcoming(shift: DatedShift, *, field: str, now: datetime) -> None:
    if shift.starts_at <= now:
        raise RuleBroken(
            "upcoming_shift",
            field=field,
            message=f"shift {shift.shift_id} started at {shift.starts_at.isoformat()}: it is past",
        )


def ensure_holds(shift: DatedShift, person_id: str, *, field: str) -> None:
    if person_id not in shift.holders:
        raise RuleBroken(
            "holds_shift",
            field=field,
            message=f"{person_id} holds no seat on shift {shift.shift_id}",
        )


def ensure_staff(problem: RotaProblem, person_id: str, *, field: str) -> None:
    if all(person.id != person_id for person in problem.staff):
        raise RuleBroken(
            "unknown_member",
            field=field,
            message=f"{person_id} is not a member of this rota",
            invalid=True,
        )


def swap_seats(
    problem: RotaProblem,
    before: Set[Assignment],
    *,
    requester_id: str,
    requester_shift: DatedShift,
    partner_id: str,
    partner_shift: DatedShift,
    now: datetime,
) -> set[Assignment]:
    """The assignments once the two members swap seats: two upcoming seats of one rota,
    each held by its member. Whether the swap keeps every hard rule is `check_swap`'s."""
    if requester_id == partner_id:
        raise RuleBroken(
            "swap_with_self",
            field="partner_id",
            message="a swap needs another member",
            invalid=True,
        )
    if requester_shift.shift_id == partner_shift.shift_id:
        raise RuleBroken(
            "same_shift",
            field="partner_shift_id",
            message="both seats are on the same shift: nothing to swap",
            invalid=True,
        )
    if requester_shift.rota_id != partner_shift.rota_id:
        raise RuleBroken(
            "same_rota",
            field="partner_shift_id",
            message="a swap is between two shifts of the same rota",
        )
    ensure_staff(problem, partner_id, field="partner_id")
    ensure_holds(requester_shift, requester_id, field="requester_shift_id")
    ensure_holds(partner_shift, partner_id, field="partner_shift_id")
    ensure_upcoming(requester_shift, field="requester_shift_id", now=now)
    ensure_upcoming(partner_shift, field="partner_shift_id", now=now)
    if requester_id in partner_shift.holders:
        raise RuleBroken(
            "already_on_shift",
            field="partner_shift_id",
            message=f"{requester_id} already holds a seat on shift {partner_shift.shift_id}",
        )
    if partner_id in requester_shift.holders:
        raise RuleBroken(
            "already_on_shift",
            field="requester_shift_id",
            message=f"{partner_id} already holds a seat on shift {requester_shift.shift_id}",
        )
    after = moved(before, requester_shift, from_person=requester_id, to_person=partner_id)
    return moved(after, partner_shift, from_person=partner_id, to_person=requester_id)


def check_swap(problem: RotaProblem, before: Set[Assignment], after: Set[Assignment]) -> None:
    """Refuse a swap (`before` -> `after`, from `swap_seats`) naming the rule when it breaks
    a hard rule of the rota that the rota as it stands does not break."""
    broken = new_violations(problem, before, after)
    if broken:
        raise broken_rule(broken, field="swap", what="this swap")


def may_take(
    judge: Judge, before: Set[Assignment], shift: DatedShift, *, holder: str, taker: str
) -> list[Violation]:
    """What taking over `holder`'s seat would break for the taker or the shift (the holder
    cannot come: what they stop doing is theirs to answer for)."""
    if taker == holder or taker in shift.holders:
        return [Violation("already_on_shift", f"{taker} already holds a seat on this shift")]
    after = moved(before, shift, from_person=holder, to_person=taker)
    return [v for v in judge.new_violations(before, after) if v.staff != holder]


def eligible_takers(
    problem: RotaProblem, before: Set[Assignment], shift: DatedShift, *, holder: str
) -> list[str]:
    """The members who may take `holder`'s seat on `shift` without breaking a hard rule."""
    day, type_id = shift.cell
    judge = Judge(problem)
    return sorted(
        person.id
        for person in problem.staff
        if person.may_work(day, type_id)
        and person.id != holder
        and person.id not in shift.holders
        and not may_take(judge, before, shift, holder=holder, taker=person.id)
    )
