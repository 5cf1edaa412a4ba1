"""What recruitment's repositories share: rows into domain objects, races into refusals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg

from services.recruitment.domain.rules import RuleBroken

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    Domain = TypeVar("Domain", bound=DataclassInstance)
else:
    Domain = TypeVar("Domain")


def record_to(kind: type[Domain], row: asyncpg.Record, **converted: Any) -> Domain:
    """The domain dataclass `kind` from a row whose columns carry its field names.

    Columns the dataclass lacks (keys, ordinals) are left out; arrays become tuples, as
    the domain's collections are; `converted` gives what a column cannot say alone
    (an enum, a nested value, a field named otherwise).
    """
    names = {field.name for field in fields(kind)}
    values = {
        column: tuple(value) if isinstance(value, list) else value
        for column, value in row.items()
        if column in names
    }
    return kind(**{**values, **converted})


@contextmanager
def unique_violation_means(constraint: str, broken: RuleBroken) -> Iterator[None]:
    """Inside, a violation of the unique `constraint` is the rule `broken` refusing.

    Each use case checks its uniqueness rule first; two requests racing past the check
    at once meet at the constraint, and the second gets the same refusal, not a 500.
    """
    try:
        yield
    except asyncpg.UniqueViolationError as race:
        if race.constraint_name != constraint:
            raise
        raise broken from race
