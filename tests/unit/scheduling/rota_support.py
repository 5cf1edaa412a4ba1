"""Tiny hand-made rota problems for the rostering tests."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from services.scheduling.domain.rostering import (
    Assignment,
    Cover,
    RotaProblem,
    ShiftType,
    Staff,
)

MONDAY = date(2024, 9, 2)
DAY = ShiftType("D", "desk", time(8, 0), 240, place="office")
EVENING = ShiftType("E", "desk", time(14, 0), 240, place="office")
NIGHT = ShiftType("N", "night-desk", time(22, 0), 600, place="office")


def problem(
    *,
    days: int = 7,
    staff: int | tuple[Staff, ...] = 3,
    kinds: tuple[ShiftType, ...] = (DAY, EVENING),
    required: int | None = 1,
    **changes: Any,
) -> RotaProblem:
    """`staff` people s0.. and, unless `required` is None, a hard cover of `required` on
    every day and shift type."""
    people = staff if isinstance(staff, tuple) else tuple(Staff(f"s{i}") for i in range(staff))
    cover = (
        tuple(Cover(d, k.id, required) for d in range(days) for k in kinds)
        if required is not None
        else ()
    )
    base: dict[str, Any] = {"cover": cover}
    base.update(changes)
    return RotaProblem(MONDAY, days, kinds, people, **base)


def a(staff: str, day: int, kind: str) -> Assignment:
    return Assignment(staff, day, kind)


def rules(judgement: Any) -> list[str]:
    return sorted(v.rule for v in judgement.violations)
