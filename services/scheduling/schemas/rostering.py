"""The rota problem's JSON format (README "Duty rota problems"; its shape: rota_document.py)
and the result document.

`parse_rota_problem` turns a document into the pure domain problem, refusing bad input
with `RuleBroken` naming the field (e.g. `staff[3].max_total_minutes`); a document with
`"template": "office"` is expanded through the office template first.
`rota_result_document` renders a judged outcome as JSON.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from services.scheduling.domain.office_rota import office_problem
from services.scheduling.domain.rostering import (
    MINUTES_PER_DAY,
    Assignment,
    Cover,
    Fairness,
    Holding,
    RotaOutcome,
    RotaProblem,
    ShiftRequest,
    ShiftType,
    SkillRequirement,
    Staff,
    WeeklyDuty,
)
from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.schemas.office_rota import OfficeDocument, field_path, office_template
from services.scheduling.schemas.rota_document import RotaDocument
from shared.rules import RuleBroken


def _bad(rule: str, field: str, message: str) -> RuleBroken:
    return RuleBroken(rule, field=field, message=message, invalid=True)


def parse_rota_problem(data: object, limits: ProblemLimits) -> RotaProblem:
    """The domain problem of a rota document (general, or `"template": "office"`)."""
    if isinstance(data, dict) and "template" in data:
        if data["template"] != "office":
            raise _bad("unknown_template", "template", 'the only rota template is "office"')
        try:
            office = OfficeDocument.model_validate(data)
        except ValidationError as error:
            raise _from_validation(error) from None
        problem = office_problem(office_template(office))
        _check_limits(problem, limits)
        return problem
    try:
        doc = RotaDocument.model_validate(data)
    except ValidationError as error:
        raise _from_validation(error) from None
    _check_size(doc, limits)
    problem = _problem(doc)
    if len(problem.cover) > limits.max_shifts:
        raise _bad(
            "too_large", "cover", f"{len(problem.cover)} dated shifts, at most {limits.max_shifts}"
        )
    return problem


def _from_validation(error: ValidationError) -> RuleBroken:
    first = error.errors()[0]
    return _bad(first["type"], field_path(first["loc"]) or "body", first["msg"])


def _check_size(doc: RotaDocument, limits: ProblemLimits) -> None:
    if len(doc.staff) > limits.max_staff:
        raise _bad("too_large", "staff", f"{len(doc.staff)} staff, at most {limits.max_staff}")
    if doc.days > limits.max_days:
        raise _bad("too_large", "days", f"{doc.days} days, at most {limits.max_days}")


def _check_limits(problem: RotaProblem, limits: ProblemLimits) -> None:
    if len(problem.staff) > limits.max_staff:
        raise _bad(
            "too_large", "members", f"{len(problem.staff)} members, at most {limits.max_staff}"
        )
    if problem.days > limits.max_days:
        raise _bad("too_large", "weeks", f"{problem.days} days, at most {limits.max_days}")
    if len(problem.cover) > limits.max_shifts:
        raise _bad(
            "too_large", "posts", f"{len(problem.cover)} dated shifts, at most {limits.max_shifts}"
        )


def _unique(ids: list[str], where: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(ids):
        if value in seen:
            raise _bad(
                "duplicate_id", f"{where}[{index}].id", f"{where} id {value!r} appears twice"
            )
        seen.add(value)


def _problem(doc: RotaDocument) -> RotaProblem:
    _unique([kind.id for kind in doc.shift_types], "shift_types")
    _unique([person.id for person in doc.staff], "staff")
    _unique([block.id for block in doc.holdings], "holdings")
    types = {kind.id for kind in doc.shift_types}
    people = {person.id for person in doc.staff}

    def known_type(value: str | None, field: str) -> None:
        if value is not None and value not in types:
            raise _bad("unknown_shift_type", field, f"no shift type {value!r}")

    def in_horizon(day: int, field: str) -> None:
        if day >= doc.days:
            raise _bad("outside_horizon", field, f"day {day} is outside the {doc.days}-day horizon")

    for i, kind in enumerate(doc.shift_types):
        for j, after in enumerate(kind.forbidden_next):
            known_type(after, f"shift_types[{i}].forbidden_next[{j}]")
    _overlapping_posts(doc)
    staff = []
    for i, person in enumerate(doc.staff):
        where = f"staff[{i}]"
        for type_id in person.max_shifts:
            known_type(type_id, f"{where}.max_shifts.{type_id}")
        for j, day in enumerate(person.days_off):
            in_horizon(day, f"{where}.days_off[{j}]")
        for j, cell in enumerate(person.unavailable):
            known_type(cell.shift_type, f"{where}.unavailable[{j}].shift_type")
            in_horizon(cell.day, f"{where}.unavailable[{j}].day")
        if (
            person.max_total_minutes is not None
            and person.min_total_minutes > person.max_total_minutes
        ):
            raise _bad(
                "min_above_max",
                f"{where}.min_total_minutes",
                "min_total_minutes exceeds max_total_minutes",
            )
        staff.append(
            Staff(
                person.id,
                max_shifts=dict(person.max_shifts),
                min_total_min=person.min_total_minutes,
                max_total_min=person.max_total_minutes,
                max_consecutive_days=person.max_consecutive_days,
                min_consecutive_days=person.min_consecutive_days,
                min_consecutive_days_off=person.min_consecutive_days_off,
                max_weekends=person.max_weekends,
                days_off=frozenset(person.days_off),
                unavailable=frozenset((c.day, c.shift_type) for c in person.unavailable),
                skills=frozenset(person.skills),
                name=person.name,
            )
        )
    requests = []
    for i, request in enumerate(doc.requests):
        if request.staff not in people:
            raise _bad("unknown_staff", f"requests[{i}].staff", f"no staff {request.staff!r}")
        known_type(request.shift_type, f"requests[{i}].shift_type")
        in_horizon(request.day, f"requests[{i}].day")
        requests.append(
            ShiftRequest(
                request.staff, request.day, request.shift_type, request.weight, request.kind == "on"
            )
        )
    covers: dict[tuple[int, str], Cover] = {}
    dated: set[tuple[int, str]] = set()
    for every_day in (True, False):
        for i, entry in enumerate(doc.cover):
            if (entry.day is None) != every_day:
                continue
            known_type(entry.shift_type, f"cover[{i}].shift_type")
            if entry.maximum is not None and entry.maximum < entry.required:
                raise _bad(
                    "maximum_below_required", f"cover[{i}].maximum", "maximum is below required"
                )
            days = range(doc.days) if entry.day is None else [entry.day]
            if entry.day is not None:
                in_horizon(entry.day, f"cover[{i}].day")
            for day in days:
                dated_cell = (day, entry.shift_type)
                if dated_cell in (covers if every_day else dated):
                    raise _bad(
                        "duplicate_cover",
                        f"cover[{i}]",
                        f"shift type {entry.shift_type} on day {day} has two cover requirements",
                    )
                if not every_day:
                    dated.add(dated_cell)
                covers[dated_cell] = Cover(
                    day,
                    entry.shift_type,
                    entry.required,
                    entry.under_weight,
                    entry.over_weight,
                    entry.maximum,
                )
    needs: list[SkillRequirement] = []
    for i, need in enumerate(doc.skill_requirements):
        known_type(need.shift_type, f"skill_requirements[{i}].shift_type")
        if need.day is not None:
            in_horizon(need.day, f"skill_requirements[{i}].day")
        days = (
            [need.day]
            if need.day is not None
            else [d for d in range(doc.days) if (d, need.shift_type) in covers]
        )
        needs.extend(SkillRequirement(d, need.shift_type, need.skill, need.count) for d in days)
    holdings = []
    held: set[tuple[int, str]] = set()
    blocks = {block.id for block in doc.holdings}
    for i, block in enumerate(doc.holdings):
        for j, cell in enumerate(block.cells):
            known_type(cell.shift_type, f"holdings[{i}].cells[{j}].shift_type")
            in_horizon(cell.day, f"holdings[{i}].cells[{j}].day")
            if (cell.day, cell.shift_type) in held:
                raise _bad(
                    "held_twice",
                    f"holdings[{i}].cells[{j}]",
                    "a dated shift belongs to at most one holding",
                )
            held.add((cell.day, cell.shift_type))
        for j, after in enumerate(block.forbidden_next):
            if after not in blocks:
                raise _bad(
                    "unknown_holding", f"holdings[{i}].forbidden_next[{j}]", f"no holding {after!r}"
                )
        holdings.append(
            Holding(
                block.id,
                tuple((c.day, c.shift_type) for c in block.cells),
                frozenset(block.forbidden_next),
            )
        )
    return RotaProblem(
        start=doc.start,
        days=doc.days,
        shift_types=tuple(
            ShiftType(
                k.id,
                k.post,
                k.start.replace(tzinfo=None),
                k.length_minutes,
                k.place,
                frozenset(k.forbidden_next),
            )
            for k in doc.shift_types
        ),
        staff=tuple(staff),
        cover=tuple(covers[cell] for cell in sorted(covers)),
        requests=tuple(requests),
        skill_requirements=tuple(needs),
        min_rest_min=doc.min_rest_minutes,
        max_shifts_per_day=doc.max_shifts_per_day,
        fairness=Fairness(doc.fairness.weight) if doc.fairness else None,
        holdings=tuple(holdings),
        weekly_duty=(
            WeeklyDuty(doc.weekly_duty.min_shifts, doc.weekly_duty.min_length_minutes)
            if doc.weekly_duty
            else None
        ),
        name=doc.name,
    )


def _overlapping_posts(doc: RotaDocument) -> None:
    """Two shift types of the same post may not overlap in time (over a day or into the next)."""
    for i, first in enumerate(doc.shift_types):
        a = first.start.hour * 60 + first.start.minute
        for j in range(i + 1, len(doc.shift_types)):
            second = doc.shift_types[j]
            if second.post != first.post:
                continue
            b = second.start.hour * 60 + second.start.minute
            for shift in (-MINUTES_PER_DAY, 0, MINUTES_PER_DAY):
                if a < b + shift + second.length_minutes and b + shift < a + first.length_minutes:
                    raise _bad(
                        "overlapping_posts",
                        f"shift_types[{j}].start",
                        f"shift types "
                        f"{first.id} and {second.id} of post {first.post} overlap in time",
                    )


def rota_result_document(outcome: RotaOutcome) -> dict[str, Any]:
    """The judged outcome as JSON: status, objective, bound, gap, penalties, assignments."""
    problem = outcome.problem
    kinds = {kind.id: kind for kind in problem.shift_types}
    return {
        "kind": "rota",
        "status": outcome.status,
        "publishable": outcome.publishable,
        "objective": outcome.objective,
        "bound": outcome.bound,
        "gap": outcome.gap,
        "wall_s": round(outcome.wall_s, 3),
        "first_feasible_s": (
            round(outcome.first_feasible_s, 3) if outcome.first_feasible_s is not None else None
        ),
        "penalties": dict(outcome.penalties),
        "hard_violations": [
            {
                "rule": v.rule,
                "message": v.message,
                "staff": v.staff,
                "day": v.day,
                "shift_type": v.shift_type,
            }
            for v in outcome.hard_violations
        ],
        "conflicts": list(outcome.conflicts),
        "changes": outcome.changes,
        "assignments": [
            {
                "staff": item.staff,
                "day": item.day,
                "date": problem.date_of(item.day).isoformat(),
                "shift_type": item.shift_type,
                "post": kinds[item.shift_type].post,
                "place": kinds[item.shift_type].place,
                "starts_at": problem.starts_at(item.day, item.shift_type).isoformat(),
                "ends_at": problem.ends_at(item.day, item.shift_type).isoformat(),
            }
            for item in outcome.assignments
            if item.shift_type in kinds
        ],
    }


def assignments_of_document(result: dict[str, Any]) -> list[Assignment]:
    """The assignments of a result document (e.g. a stored solve job's result)."""
    return [Assignment(a["staff"], a["day"], a["shift_type"]) for a in result["assignments"]]
