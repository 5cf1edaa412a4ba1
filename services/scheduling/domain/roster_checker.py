"""The independent judge of a rota: every hard violation and every soft penalty, recomputed
from the assignments alone.

It shares nothing with the solver's model (the import rules forbid it): it walks each
person's shifts in time order and each dated shift's crew, the way an officer would check
a printed rota, so a bug in the model shows up as a violation or an objective mismatch.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from services.scheduling.domain.roster_crew_checks import (
    cover_violations,
    holding_violations,
    skill_violations,
)
from services.scheduling.domain.rostering import (
    MINUTES_PER_DAY,
    PENALTY_KINDS,
    Assignment,
    RotaProblem,
    ShiftType,
    Staff,
    Violation,
)


@dataclass(frozen=True)
class RotaJudgement:
    violations: tuple[Violation, ...]
    penalties: dict[str, float]
    objective: float

    @property
    def feasible(self) -> bool:
        return not self.violations


def check_rota(
    problem: RotaProblem, assignments: Iterable[Assignment], *, pinned: Iterable[Assignment] = ()
) -> RotaJudgement:
    """Judge `assignments` against every rule of `problem` (and keep every `pinned` one)."""
    kinds = {kind.id: kind for kind in problem.shift_types}
    people = {person.id: person for person in problem.staff}
    out: list[Violation] = []
    given = list(assignments)
    valid: list[Assignment] = []
    for duplicate, times in Counter(given).items():
        if times > 1:
            out.append(_at(duplicate, "duplicate", f"{_who(duplicate)} is assigned {times} times"))
    for item in sorted(set(given)):
        if item.staff not in people:
            out.append(_at(item, "unknown_staff", f"{_who(item)}: no such staff member"))
        elif item.shift_type not in kinds:
            out.append(_at(item, "unknown_shift_type", f"{_who(item)}: no such shift type"))
        elif not 0 <= item.day < problem.days:
            out.append(_at(item, "outside_horizon", f"{_who(item)}: outside the horizon"))
        else:
            valid.append(item)
    kept = set(valid)
    for item in pinned:
        if item not in kept:
            out.append(_at(item, "pinned", f"pinned assignment {_who(item)} was not kept"))

    by_staff: dict[str, list[Assignment]] = defaultdict(list)
    crew: dict[tuple[int, str], list[str]] = defaultdict(list)
    for item in valid:
        by_staff[item.staff].append(item)
        crew[(item.day, item.shift_type)].append(item.staff)

    for person in problem.staff:
        out.extend(_person_violations(problem, person, by_staff.get(person.id, []), kinds))
    out.extend(cover_violations(problem, crew))
    out.extend(skill_violations(problem, crew, people))
    out.extend(holding_violations(problem, kept))

    penalties = _penalties(problem, kept, crew, by_staff, kinds)
    return RotaJudgement(tuple(out), penalties, float(sum(penalties.values())))


def _who(item: Assignment) -> str:
    return f"staff {item.staff} on day {item.day} shift {item.shift_type}"


def _at(item: Assignment, rule: str, message: str) -> Violation:
    return Violation(rule, message, item.staff, item.day, item.shift_type)


def _person_violations(
    problem: RotaProblem, person: Staff, mine: list[Assignment], kinds: dict[str, ShiftType]
) -> list[Violation]:
    out: list[Violation] = []
    sid = person.id
    for item in mine:
        if item.day in person.days_off:
            out.append(_at(item, "day_off", f"{_who(item)}: it is a day off"))
        elif (item.day, item.shift_type) in person.unavailable:
            out.append(_at(item, "unavailable", f"{_who(item)}: unavailable then"))
    per_type = Counter(item.shift_type for item in mine)
    for type_id, count in sorted(per_type.items()):
        most = person.max_shifts.get(type_id)
        if most is not None and count > most:
            out.append(
                Violation(
                    "max_shifts",
                    f"staff {sid} works {count} shifts of type {type_id}, at most {most}",
                    sid,
                    None,
                    type_id,
                )
            )
    per_day = Counter(item.day for item in mine)
    for day, count in sorted(per_day.items()):
        if count > problem.max_shifts_per_day:
            out.append(
                Violation(
                    "max_shifts_per_day",
                    f"staff {sid} works {count} shifts on {problem.describe_day(day)}, "
                    f"at most {problem.max_shifts_per_day}",
                    sid,
                    day,
                )
            )
    timed = sorted(
        mine,
        key=lambda a: (a.day * MINUTES_PER_DAY + kinds[a.shift_type].start_min, a.shift_type),
    )
    for i, first in enumerate(timed):
        first_kind = kinds[first.shift_type]
        first_start = first.day * MINUTES_PER_DAY + first_kind.start_min
        first_end = first_start + first_kind.length_min
        for second in timed[i + 1 :]:
            second_start = second.day * MINUTES_PER_DAY + kinds[second.shift_type].start_min
            if second_start < first_end:
                out.append(
                    _at(
                        second,
                        "overlap",
                        f"{_who(second)} overlaps day {first.day} shift {first.shift_type}",
                    )
                )
            elif second_start - first_end < problem.min_rest_min:
                out.append(
                    _at(
                        second,
                        "min_rest",
                        f"{_who(second)} starts {second_start - first_end} min after day "
                        f"{first.day} shift {first.shift_type} ends, rest at least "
                        f"{problem.min_rest_min} min",
                    )
                )
            if second.day == first.day + 1 and second.shift_type in first_kind.forbidden_next:
                out.append(
                    _at(
                        second,
                        "forbidden_successor",
                        f"{_who(second)} may not follow shift {first.shift_type} of the day before",
                    )
                )
    total = sum(kinds[item.shift_type].length_min for item in mine)
    if total < person.min_total_min:
        out.append(
            Violation(
                "min_total_minutes",
                f"staff {sid} works {total} min, at least {person.min_total_min}",
                sid,
            )
        )
    if person.max_total_min is not None and total > person.max_total_min:
        out.append(
            Violation(
                "max_total_minutes",
                f"staff {sid} works {total} min, at most {person.max_total_min}",
                sid,
            )
        )
    out.extend(_pattern_violations(problem, person, {item.day for item in mine}))
    if problem.weekly_duty is not None:
        duty = problem.weekly_duty
        for number, week in enumerate(problem.weeks()):
            done = sum(
                1
                for item in mine
                if item.day in week and kinds[item.shift_type].length_min >= duty.min_length_min
            )
            if done < duty.min_shifts:
                out.append(
                    Violation(
                        "weekly_duty",
                        f"staff {sid} does {done} duties of at least {duty.min_length_min} min "
                        f"in week {number + 1}, at least {duty.min_shifts}",
                        sid,
                        week.start,
                    )
                )
    return out


def _runs(worked: list[bool], value: bool) -> list[tuple[int, int]]:
    """(first day, length) of each maximal run of days whose worked flag is `value`."""
    runs: list[tuple[int, int]] = []
    day = 0
    while day < len(worked):
        if worked[day] == value:
            end = day
            while end < len(worked) and worked[end] == value:
                end += 1
            runs.append((day, end - day))
            day = end
        else:
            day += 1
    return runs


def _pattern_violations(problem: RotaProblem, person: Staff, days: set[int]) -> list[Violation]:
    out: list[Violation] = []
    sid = person.id
    worked = [day in days for day in range(problem.days)]
    last = problem.days
    for first, length in _runs(worked, True):
        if person.max_consecutive_days is not None and length > person.max_consecutive_days:
            out.append(
                Violation(
                    "max_consecutive_days",
                    f"staff {sid} works {length} days in a "
                    f"row from {problem.describe_day(first)}, at most "
                    f"{person.max_consecutive_days}",
                    sid,
                    first,
                )
            )
        inside = first > 0 and first + length < last
        if inside and length < person.min_consecutive_days:
            out.append(
                Violation(
                    "min_consecutive_days",
                    f"staff {sid} works only {length} days "
                    f"in a row from {problem.describe_day(first)}, at least "
                    f"{person.min_consecutive_days}",
                    sid,
                    first,
                )
            )
    for first, length in _runs(worked, False):
        inside = first > 0 and first + length < last
        if inside and length < person.min_consecutive_days_off:
            out.append(
                Violation(
                    "min_consecutive_days_off",
                    f"staff {sid} has only {length} days "
                    f"off in a row from {problem.describe_day(first)}, at least "
                    f"{person.min_consecutive_days_off}",
                    sid,
                    first,
                )
            )
    if person.max_weekends is not None:
        busy = [weekend for weekend in problem.weekends() if any(d in days for d in weekend)]
        if len(busy) > person.max_weekends:
            out.append(
                Violation(
                    "max_weekends",
                    f"staff {sid} works {len(busy)} weekends, at most {person.max_weekends}",
                    sid,
                )
            )
    return out


def _penalties(
    problem: RotaProblem,
    kept: set[Assignment],
    crew: dict[tuple[int, str], list[str]],
    by_staff: dict[str, list[Assignment]],
    kinds: dict[str, ShiftType],
) -> dict[str, float]:
    found: dict[str, float] = {kind: 0.0 for kind in PENALTY_KINDS}
    for cover in problem.cover:
        count = len(crew.get((cover.day, cover.shift_type), []))
        if cover.under_weight is not None:
            found["cover_under"] += cover.under_weight * max(0, cover.required - count)
        if cover.over_weight is not None:
            found["cover_over"] += cover.over_weight * max(0, count - cover.required)
    for request in problem.requests:
        if request.shift_type is None:
            worked = any(item.day == request.day for item in by_staff.get(request.staff, []))
        else:
            worked = Assignment(request.staff, request.day, request.shift_type) in kept
        if request.on and not worked:
            found["shift_on_requests"] += request.weight
        if not request.on and worked:
            found["shift_off_requests"] += request.weight
    if problem.fairness is not None and problem.staff:
        loads = [
            sum(kinds[item.shift_type].length_min for item in by_staff.get(person.id, []))
            for person in problem.staff
        ]
        found["fairness"] = problem.fairness.weight * (max(loads) - min(loads)) / 60
    return found
