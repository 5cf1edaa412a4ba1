"""The rota checker's judgement of each dated shift's crew: cover (at least the required
number, at most the maximum), skills present, held posts rotating. Like the rest of
`roster_checker.py`, computed from the assignments alone, sharing nothing with the solver."""

from __future__ import annotations

from services.scheduling.domain.rostering import Assignment, RotaProblem, Staff, Violation


def cover_violations(
    problem: RotaProblem, crew: dict[tuple[int, str], list[str]]
) -> list[Violation]:
    out: list[Violation] = []
    covered = set()
    for cover in problem.cover:
        cell = (cover.day, cover.shift_type)
        covered.add(cell)
        count = len(crew.get(cell, []))
        where = f"{problem.describe_day(cover.day)} shift {cover.shift_type}"
        if cover.under_weight is None and count < cover.required:
            out.append(
                Violation(
                    "cover",
                    f"{where} has {count} staff, needs {cover.required}",
                    None,
                    cover.day,
                    cover.shift_type,
                )
            )
        if cover.over_weight is None and count > cover.required:
            out.append(
                Violation(
                    "cover",
                    f"{where} has {count} staff, at most {cover.required}",
                    None,
                    cover.day,
                    cover.shift_type,
                )
            )
        if cover.maximum is not None and count > cover.maximum:
            out.append(
                Violation(
                    "cover",
                    f"{where} has {count} staff, at most {cover.maximum}",
                    None,
                    cover.day,
                    cover.shift_type,
                )
            )
    for cell, names in sorted(crew.items()):
        if cell not in covered:
            out.append(
                Violation(
                    "no_cover",
                    f"{problem.describe_day(cell[0])} shift {cell[1]} "
                    f"has no cover requirement, yet {len(names)} staff work it",
                    None,
                    cell[0],
                    cell[1],
                )
            )
    return out


def skill_violations(
    problem: RotaProblem, crew: dict[tuple[int, str], list[str]], people: dict[str, Staff]
) -> list[Violation]:
    out: list[Violation] = []
    for need in problem.skill_requirements:
        names = crew.get((need.day, need.shift_type), [])
        skilled = sum(1 for name in names if need.skill in people[name].skills)
        if skilled < need.count:
            out.append(
                Violation(
                    "skill",
                    f"{problem.describe_day(need.day)} shift "
                    f"{need.shift_type} has {skilled} staff with skill {need.skill}, needs "
                    f"{need.count}",
                    None,
                    need.day,
                    need.shift_type,
                )
            )
    return out


def holding_violations(problem: RotaProblem, kept: set[Assignment]) -> list[Violation]:
    out: list[Violation] = []
    holders: dict[str, set[str]] = {}
    for block in problem.holdings:
        cells = set(block.cells)
        names = {item.staff for item in kept if (item.day, item.shift_type) in cells}
        holders[block.id] = names
        for name in sorted(names):
            missing = sorted(c for c in cells if Assignment(name, c[0], c[1]) not in kept)
            if missing:
                day, type_id = missing[0]
                out.append(
                    Violation(
                        "holding",
                        f"staff {name} holds part of block {block.id} "
                        f"but not day {day} shift {type_id}",
                        name,
                        day,
                        type_id,
                    )
                )
    for block in problem.holdings:
        for after in sorted(block.forbidden_next):
            for name in sorted(holders[block.id] & holders.get(after, set())):
                out.append(
                    Violation(
                        "holding_rotation",
                        f"staff {name} holds block {block.id} and then block {after}",
                        name,
                    )
                )
    return out
