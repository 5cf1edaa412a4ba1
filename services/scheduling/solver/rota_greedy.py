"""A greedy fill of a rota: the solver's starting hint and the benchmark's baseline.

Dated shifts with the fewest candidates first; for each, the least-loaded people who may
work it without breaking their daily, rest, successor, per-type, total and consecutive-day
limits, skilled people first where a skill is required, requested shifts preferred and
refused ones avoided. Held blocks and minimum patterns are left to the solver.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from services.scheduling.domain.rostering import MINUTES_PER_DAY, Assignment, RotaProblem


def greedy_rota(
    problem: RotaProblem, eligible: Mapping[tuple[int, str], Iterable[str]] | None = None
) -> list[Assignment]:
    """`eligible`: who may work each dated shift, if already known (else from each staff
    member's days off, unavailability and per-type maximum)."""
    kinds = {kind.id: kind for kind in problem.shift_types}
    held = {cell for block in problem.holdings for cell in block.cells}
    wanted: dict[tuple[str, int, str | None], int] = defaultdict(int)
    for request in problem.requests:
        wanted[(request.staff, request.day, request.shift_type)] += (
            request.weight if request.on else -request.weight
        )
    spans: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)
    per_type: dict[tuple[str, str], int] = defaultdict(int)
    minutes: dict[str, int] = defaultdict(int)
    days: dict[str, set[int]] = defaultdict(set)
    rest = problem.min_rest_min
    chosen: list[Assignment] = []

    def fits(person_index: int, day: int, type_id: str) -> bool:
        person = problem.staff[person_index]
        sid = person.id
        kind = kinds[type_id]
        if per_type[(sid, type_id)] >= person.max_shifts.get(type_id, 1 << 30):
            return False
        if (
            person.max_total_min is not None
            and minutes[sid] + kind.length_min > person.max_total_min
        ):
            return False
        if sum(1 for _, _, d, _ in spans[sid] if d == day) >= problem.max_shifts_per_day:
            return False
        start = day * MINUTES_PER_DAY + kind.start_min
        end = start + kind.length_min
        for other_start, other_end, other_day, other_type in spans[sid]:
            if start < other_end + rest and other_start < end + rest:
                return False
            if other_day == day - 1 and type_id in kinds[other_type].forbidden_next:
                return False
            if other_day == day + 1 and other_type in kind.forbidden_next:
                return False
        most = person.max_consecutive_days
        if most is not None and day not in days[sid]:
            run = 1
            d = day - 1
            while d in days[sid]:
                run, d = run + 1, d - 1
            d = day + 1
            while d in days[sid]:
                run, d = run + 1, d + 1
            if run > most:
                return False
        return True

    def take(person_index: int, day: int, type_id: str) -> None:
        sid = problem.staff[person_index].id
        kind = kinds[type_id]
        start = day * MINUTES_PER_DAY + kind.start_min
        spans[sid].append((start, start + kind.length_min, day, type_id))
        per_type[(sid, type_id)] += 1
        minutes[sid] += kind.length_min
        days[sid].add(day)
        chosen.append(Assignment(sid, day, type_id))

    index = {person.id: i for i, person in enumerate(problem.staff)}
    candidates = {
        (cover.day, cover.shift_type): (
            [
                i
                for i, person in enumerate(problem.staff)
                if person.may_work(cover.day, cover.shift_type)
            ]
            if eligible is None
            else [index[sid] for sid in eligible.get((cover.day, cover.shift_type), ())]
        )
        for cover in problem.cover
        if (cover.day, cover.shift_type) not in held
    }
    allowed = {cell: set(pool) for cell, pool in candidates.items()}
    needs = defaultdict(list)
    for need in problem.skill_requirements:
        needs[(need.day, need.shift_type)].append(need)
    covers = {
        (c.day, c.shift_type): c for c in problem.cover if (c.day, c.shift_type) in candidates
    }
    crews: dict[tuple[int, str], list[int]] = defaultdict(list)

    def room_for(i: int, cell: tuple[int, str]) -> bool:
        """A seat is left for `i` once the seats a skill still needs are kept for it."""
        crew = crews[cell]
        kept = 0
        for need in needs.get(cell, []):
            have = sum(1 for j in [*crew, i] if need.skill in problem.staff[j].skills)
            kept += max(0, need.count - have)
        return len(crew) + 1 + kept <= covers[cell].required

    # first the shifts people asked for, the heaviest requests first
    for request in sorted(
        (r for r in problem.requests if r.on and r.shift_type is not None and r.staff in index),
        key=lambda r: (-r.weight, r.day, r.staff),
    ):
        cell = (request.day, request.shift_type or "")
        i = index[request.staff]
        if cell in covers and i in allowed[cell] and i not in crews[cell]:
            if room_for(i, cell) and fits(i, *cell):
                take(i, *cell)
                crews[cell].append(i)
    asked = {index[r.staff] for r in problem.requests if r.on and r.staff in index}
    for cover in sorted(
        covers.values(),
        key=lambda c: (len(candidates[(c.day, c.shift_type)]) - c.required, c.day),
    ):
        cell = (cover.day, cover.shift_type)

        def preference(i: int, day: int = cover.day, type_id: str = cover.shift_type) -> tuple:
            sid = problem.staff[i].id
            wish = wanted.get((sid, day, type_id), 0) + wanted.get((sid, day, None), 0)
            return (-wish, i in asked, minutes[sid], i)

        pool = sorted(candidates[cell], key=preference)
        crew = crews[cell]
        for need in needs.get(cell, []):
            have = sum(1 for i in crew if need.skill in problem.staff[i].skills)
            for i in pool:
                if have >= need.count or len(crew) >= cover.required:
                    break
                if i not in crew and need.skill in problem.staff[i].skills and fits(i, *cell):
                    take(i, *cell)
                    crew.append(i)
                    have += 1
        for i in pool:
            if len(crew) >= cover.required:
                break
            if i not in crew and fits(i, *cell):
                take(i, *cell)
                crew.append(i)
    return sorted(chosen)
