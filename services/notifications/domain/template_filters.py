"""The filters a notification template may use, worded in the message's locale and with
times in the recipient's zone.

Fields reach a template either as Python values (a route's fields, rendered at once) or
as their JSON form (a held or digested message rendered later from `messages.fields`):
every filter takes both — a datetime or its ISO-8601 text, a timedelta or its ISO-8601
duration (`PT24H`), a list or a plain string. `None` (a declared field the event did not
carry) is worded "待定" / "to be announced" for times and left out for lists.

The render passes the locale and time zone as the hidden variables `_locale` and
`_time_zone`; a template cannot name them (they are not declared fields).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import pass_context
from jinja2.runtime import Context

CAMPUS_TIME_ZONE = "Asia/Shanghai"
LOCALE_VARIABLE = "_locale"
TIME_ZONE_VARIABLE = "_time_zone"

_TO_BE_ANNOUNCED = {"zh-CN": "待定", "en": "to be announced"}
_LIST_SEPARATOR = {"zh-CN": "、", "en": ", "}
_ISO_DURATION = re.compile(
    r"^P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_SHORT_DURATION = re.compile(r"^(?P<amount>\d+)\s*(?P<unit>d|h|min|m|s)$")
_SHORT_UNITS = {"d": 86400, "h": 3600, "min": 60, "m": 60, "s": 1}


def _locale(context: Context) -> str:
    locale = context.get(LOCALE_VARIABLE)
    return locale if locale in _TO_BE_ANNOUNCED else "zh-CN"


def _zone(context: Context) -> ZoneInfo:
    name = context.get(TIME_ZONE_VARIABLE) or CAMPUS_TIME_ZONE
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(CAMPUS_TIME_ZONE)


def as_instant(value: object) -> datetime | date | None:
    """A datetime (naive ones read as UTC), a date, or None for what is not a time."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                return date.fromisoformat(text)
            except ValueError:
                return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    return None


def _local(context: Context, value: object) -> datetime | date | str:
    if value is None:
        return _TO_BE_ANNOUNCED[_locale(context)]
    instant = as_instant(value)
    if instant is None:
        return str(value)
    if isinstance(instant, datetime):
        return instant.astimezone(_zone(context))
    return instant


@pass_context
def campus_time(context: Context, value: object) -> str:
    """`2026-12-01T00:00:00Z` -> "2026-12-01 08:00" in the recipient's zone."""
    local = _local(context, value)
    if isinstance(local, datetime):
        return f"{local:%Y-%m-%d %H:%M}"
    if isinstance(local, date):
        return f"{local:%Y-%m-%d}"
    return local


@pass_context
def campus_date(context: Context, value: object) -> str:
    """The recipient's calendar day of a time: "2026-12-01"."""
    local = _local(context, value)
    return f"{local:%Y-%m-%d}" if isinstance(local, date) else local


@pass_context
def clock_time(context: Context, value: object) -> str:
    """The recipient's wall-clock time of day: "08:00"."""
    local = _local(context, value)
    return f"{local:%H:%M}" if isinstance(local, datetime) else str(local)


@pass_context
def time_range(context: Context, starts: object, ends: object) -> str:
    """ "2026-12-01 08:00–10:00" (one day) or both ends in full."""
    start, end = _local(context, starts), _local(context, ends)
    if not isinstance(start, datetime):
        return campus_time(context, starts)
    if not isinstance(end, datetime):
        return f"{start:%Y-%m-%d %H:%M}"
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def as_duration(value: object) -> timedelta | None:
    """A timedelta, seconds as a number, `PT24H` (ISO 8601) or `24h` / `30min`."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    if isinstance(value, str):
        text = value.strip()
        iso = _ISO_DURATION.match(text)
        if iso and text not in ("P", "PT"):
            parts = {name: float(amount or 0) for name, amount in iso.groupdict().items()}
            return timedelta(**parts)
        short = _SHORT_DURATION.match(text)
        if short:
            return timedelta(seconds=int(short["amount"]) * _SHORT_UNITS[short["unit"]])
    return None


def _duration_words(span: timedelta, locale: str) -> str:
    seconds = int(span.total_seconds())
    days, rest = divmod(seconds, 86400)
    if days < 2:  # a reminder's "24 小时" / "36 hours" reads better than days
        days, rest = 0, seconds
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if locale == "en":
        words = [
            f"{amount} {unit}{'' if amount == 1 else 's'}"
            for amount, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
            if amount
        ]
        return " ".join(words) or "less than a minute"
    zh = [
        f"{amount} {unit}"
        for amount, unit in ((days, "天"), (hours, "小时"), (minutes, "分钟"))
        if amount
    ]
    return " ".join(zh) or "不到 1 分钟"


@pass_context
def duration(context: Context, value: object) -> str:
    """A lead time in words: "24 小时" / "24 hours"; text that is no duration as it is."""
    if value is None:
        return ""
    span = as_duration(value)
    return str(value) if span is None else _duration_words(span, _locale(context))


@pass_context
def listing(context: Context, value: object) -> str:
    """A list joined with "、" (zh-CN) or ", " (en); a string as it is; None as nothing."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return _LIST_SEPARATOR[_locale(context)].join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, Iterable):
        return _LIST_SEPARATOR[_locale(context)].join(str(item) for item in value)
    return str(value)


def percent(value: object) -> str:
    """A share 0..1 as "62%"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value * 100:.0f}%"
    return "" if value is None else str(value)


FILTERS: dict[str, Callable[..., Any]] = {
    "campus_time": campus_time,
    "campus_date": campus_date,
    "clock_time": clock_time,
    "time_range": time_range,
    "duration": duration,
    "listing": listing,
    "percent": percent,
}
