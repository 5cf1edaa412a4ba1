"""Field types for request models: what a service accepts at its edge, whatever is sent.

A request model built on these instead of bare `str`, `datetime`, `date`, `int` and
`bool` refuses input that PostgreSQL or Python's date arithmetic cannot take with a 422
naming the field, never a 500 further in:

- `Text`: a string without NUL, other control characters or lone surrogates (which
  UTF-8, hence PostgreSQL, cannot hold). Newline and tab are kept. A carriage return is
  normalised, not refused: "\\r\\n" and a lone "\\r" become "\\n", so text typed in a
  browser's <textarea> (which submits CRLF) is stored like text from any other client.
- `Line`: a `Text` on one line: no newline, tab or carriage return either (names,
  titles, reasons).
- `Identifier`: an id chosen by people (a campaign, a position, a season): 1 to 64 of
  ASCII letters, digits and `_ . : -`. Usable in a body, a path or a query.
- `AwareDateTime`: an ISO 8601 date-time WITH an offset, in the years 1900 to 2200,
  returned in UTC. "2026-11-01T00:00:00" (no offset) is refused: compared with an
  aware time it would raise TypeError.
- `SaneDate`: an ISO 8601 date in the years 1900 to 2200, so a day before or after
  it is still a date (0001-01-01 minus a day overflows) and PostgreSQL never stores
  -infinity/infinity for it.
- `Year`: a whole year, 1900 to 2200, for a `date(year, ...)` that must not overflow.
- `StrictInt`, `StrictBool`: a JSON number or boolean only: `true` is not 1, "1" is
  neither. For bodies only: a query or path value always arrives as a string, so there
  a plain `int` (with bounds) is right.

Each composes with further constraints, e.g. `Annotated[Line, Field(max_length=200)]`
or `Annotated[StrictInt, Field(ge=1, le=8)]`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

# The years a date or date-time may fall in: wide enough for any birth date or plan,
# narrow enough that a day, a week or a time-zone shift either way stays a valid
# Python date and a finite PostgreSQL one.
MIN_YEAR = 1900
MAX_YEAR = 2200

IDENTIFIER_PATTERN = r"^[A-Za-z0-9_.:-]+$"
IDENTIFIER_MAX_LENGTH = 64

# What the OpenAPI document tells clients (and fuzzers) about the characters allowed.
# The validators below are the rule; these patterns only describe it.
TEXT_PATTERN = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
LINE_PATTERN = r"^[^\x00-\x1F\x7F-\x9F]*$"

_LINE_BREAKS = re.compile(r"\r\n?")


def forbidden_character(value: str, *, allowed: str = "") -> tuple[int, str] | None:
    """(position, character) of the first control character (except those in `allowed`)
    or lone surrogate in `value`; None if there is none."""
    for position, character in enumerate(value):
        if character in allowed:
            continue
        category = unicodedata.category(character)
        if category in ("Cc", "Cs"):
            return position, character
    return None


def _refuse_character(position: int, character: str) -> PydanticCustomError:
    kind = "lone surrogate" if unicodedata.category(character) == "Cs" else "control character"
    return PydanticCustomError(
        "control_character",
        "{kind} U+{code} at position {position} is not allowed",
        {"kind": kind, "code": f"{ord(character):04X}", "position": position},
    )


@dataclass(frozen=True)
class _CleanText:
    """Refuses control characters other than `allowed` and lone surrogates; with
    `normalise_newlines`, turns CRLF and lone CR into LF first."""

    allowed: str
    normalise_newlines: bool
    pattern: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._clean, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        # A field's own pattern (an Identifier, a code) is stricter already: keep it.
        json_schema.setdefault("pattern", self.pattern)
        return json_schema

    def _clean(self, value: str) -> str:
        if self.normalise_newlines and "\r" in value:
            value = _LINE_BREAKS.sub("\n", value)
        found = forbidden_character(value, allowed=self.allowed)
        if found is not None:
            raise _refuse_character(*found)
        return value


Text = Annotated[str, _CleanText(allowed="\n\t", normalise_newlines=True, pattern=TEXT_PATTERN)]
Line = Annotated[str, _CleanText(allowed="", normalise_newlines=False, pattern=LINE_PATTERN)]
Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=IDENTIFIER_MAX_LENGTH, pattern=IDENTIFIER_PATTERN),
]


def _only_text(kind: str) -> Any:
    # pydantic would read a JSON number as seconds since 1970 (or days): a client that
    # sends 0 for a date-time has made a mistake we should name, not a 1970 event.
    def check(value: Any) -> Any:
        if isinstance(value, bool | int | float):
            raise PydanticCustomError(
                f"{kind}_type", "Input should be an ISO 8601 {kind} string", {"kind": kind}
            )
        return value

    return check


def _within_years(value: date) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise PydanticCustomError(
            "out_of_range",
            "Input should be within the years {min_year} to {max_year}",
            {"min_year": MIN_YEAR, "max_year": MAX_YEAR},
        )


def _aware_in_range(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("timezone_aware", "Input should have an offset, e.g. +08:00 or Z")
    # The year is checked in the value's own offset, before any arithmetic: converting
    # 0001-01-01T00:00:00+14:00 to UTC would itself overflow.
    _within_years(value)
    return value.astimezone(UTC)


def _date_in_range(value: date) -> date:
    _within_years(value)
    return value


AwareDateTime = Annotated[
    datetime, BeforeValidator(_only_text("date-time")), AfterValidator(_aware_in_range)
]
SaneDate = Annotated[date, BeforeValidator(_only_text("date")), AfterValidator(_date_in_range)]
StrictInt = Annotated[int, Strict()]
StrictBool = Annotated[bool, Strict()]
Year = Annotated[int, Strict(), Field(ge=MIN_YEAR, le=MAX_YEAR)]

__all__ = [
    "IDENTIFIER_PATTERN",
    "MAX_YEAR",
    "MIN_YEAR",
    "AwareDateTime",
    "Identifier",
    "Line",
    "SaneDate",
    "StrictBool",
    "StrictInt",
    "Text",
    "Year",
    "forbidden_character",
]
