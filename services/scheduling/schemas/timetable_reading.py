"""Reading a JSON document field by field, refusing bad input with `RuleBroken` naming the
field (`courses[3].lessons`) and the rule: the timetable formats' shared reader."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from services.scheduling.domain.rules import RuleBroken

_WALL = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_ID = 120
MAX_NAME = 200


def bad(field: str, message: str, rule: str = "invalid") -> RuleBroken:
    return RuleBroken(rule, field=field, message=message, invalid=True)


def obj(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad(field or "problem", "must be a JSON object", "type")
    return value


def seq(data: dict[str, Any], key: str, field: str, *, required: bool = True) -> list[Any]:
    value = data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise bad(_at(field, key), "must be a list", "type" if key in data else "required")
    return value


def text(
    data: dict[str, Any], key: str, field: str, *, default: str | None = None, limit: int = MAX_NAME
) -> str:
    value = data.get(key, default)
    if value is None:
        raise bad(_at(field, key), "is required", "required")
    if not isinstance(value, str):
        raise bad(_at(field, key), "must be a string", "type")
    if len(value) > limit:
        raise bad(_at(field, key), f"is longer than {limit} characters", "too_long")
    return value


def ident(data: dict[str, Any], key: str, field: str) -> str:
    value = text(data, key, field, limit=MAX_ID).strip()
    if not value:
        raise bad(_at(field, key), "must not be empty", "required")
    return value


def integer(
    data: dict[str, Any],
    key: str,
    field: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    value = data.get(key, default)
    if value is None:
        raise bad(_at(field, key), "is required", "required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(_at(field, key), "must be a whole number", "type")
    if minimum is not None and value < minimum:
        rule = "not_positive" if minimum == 1 else "too_small"
        raise bad(_at(field, key), f"must be at least {minimum}", rule)
    if maximum is not None and value > maximum:
        raise bad(_at(field, key), f"must be at most {maximum}", "too_large")
    return value


def wall(data: dict[str, Any], key: str, field: str) -> time:
    value = text(data, key, field)
    match = _WALL.match(value)
    if not match:
        raise bad(_at(field, key), "must be a wall-clock time HH:MM", "format")
    return time(int(match[1]), int(match[2]))


def day(data: dict[str, Any], key: str, field: str, *, default: date | None = None) -> date:
    value = data.get(key)
    if value is None:
        if default is None:
            raise bad(_at(field, key), "is required", "required")
        return default
    if not isinstance(value, str):
        raise bad(_at(field, key), "must be a date YYYY-MM-DD", "type")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad(_at(field, key), "must be a date YYYY-MM-DD", "format") from None


def ids(
    data: dict[str, Any], key: str, field: str, known: set[str] | dict[str, Any], what: str
) -> tuple[str, ...]:
    """A list of ids, each of which must be `known`."""
    values = seq(data, key, field, required=False)
    found: list[str] = []
    for n, value in enumerate(values):
        where = f"{_at(field, key)}[{n}]"
        if not isinstance(value, str):
            raise bad(where, "must be a string", "type")
        if value not in known:
            raise bad(where, f"unknown {what} {value!r}", f"unknown_{what}")
        found.append(value)
    return tuple(found)


def unique(field: str, seen: set[str], value: str, what: str) -> None:
    if value in seen:
        raise bad(field, f"duplicate {what} id {value!r}", "duplicate")
    seen.add(value)


def _at(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key
