"""Quiet hours: a wall-clock window in the person's own time zone (e.g. 22:00-07:00).

An instant is quiet when the person's clock then shows a time inside the window:
`starts <= wall < ends`, or, for a window crossing midnight, `wall >= starts or
wall < ends`. That reading is what makes daylight saving time come out right:

- spring forward (the clock jumps 02:00 -> 03:00): wall times in the gap never happen;
  a window ending inside the gap ends when the clock jumps past its end;
- fall back (the clock shows 01:00-02:00 twice): an instant in either pass is quiet if
  its wall time is in the window; the window ends the next time the clock shows its end.

`window_end` gives that end as an aware UTC instant: what a held message waits for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from shared.rules import RuleBroken

DEFAULT_TIME_ZONE = "Asia/Shanghai"


def zone_named(name: str, *, field: str = "time_zone") -> ZoneInfo:
    """The IANA zone `name` (e.g. "Europe/Berlin"); an unknown one is refused naming `field`."""
    if name not in _known_zones():
        raise RuleBroken(
            "unknown_time_zone",
            field=field,
            message=f"{name!r} is not an IANA time zone (e.g. Asia/Shanghai)",
            invalid=True,
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed but unreadable
        raise RuleBroken(
            "unknown_time_zone", field=field, message=f"{name!r} cannot be read", invalid=True
        ) from None


_ZONES: frozenset[str] | None = None


def _known_zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def _aware_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("quiet hours compare aware instants only")
    return instant.astimezone(UTC)


def _transition_after(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant, between `before` and `after`, at which `zone`'s offset changes."""
    offset_after = after.astimezone(zone).utcoffset()
    lo, hi = before, after
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == offset_after:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def wall_instants(day: date, wall: time, zone: ZoneInfo) -> list[datetime]:
    """The UTC instants at which the clock in `zone` shows `wall` on `day`, in order.

    One instant usually; two in a repeated (fall-back) hour; in a skipped (spring-forward)
    gap the clock never shows it, and the instant it jumps past it is given instead.
    """
    naive = datetime.combine(day, wall)
    found: list[datetime] = []
    for fold in (0, 1):
        local = naive.replace(tzinfo=zone, fold=fold)
        utc = local.astimezone(UTC)
        if utc.astimezone(zone).replace(tzinfo=None) == naive and utc not in found:
            found.append(utc)
    if not found:  # in the gap: fold=1 reads it before the jump, fold=0 after
        before = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
        after = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
        found.append(_transition_after(min(before, after), max(before, after), zone))
    return sorted(found)


@dataclass(frozen=True)
class QuietHours:
    """A person's quiet window, as their clock shows it."""

    starts: time
    ends: time

    def __post_init__(self) -> None:
        if self.starts.tzinfo is not None or self.ends.tzinfo is not None:
            raise ValueError("quiet hours are wall-clock times, without a zone")
        if _minute(self.starts) == _minute(self.ends):
            raise RuleBroken(
                "empty_quiet_hours",
                field="ends",
                message="quiet hours must not start and end at the same time",
                invalid=True,
            )

    @property
    def crosses_midnight(self) -> bool:
        return self.ends < self.starts

    def covers_wall(self, wall: time) -> bool:
        if self.crosses_midnight:
            return wall >= self.starts or wall < self.ends
        return self.starts <= wall < self.ends

    def is_quiet(self, instant: datetime, zone: ZoneInfo) -> bool:
        wall = _aware_utc(instant).astimezone(zone).time().replace(tzinfo=None)
        return self.covers_wall(wall)

    def window_end(self, instant: datetime, zone: ZoneInfo) -> datetime | None:
        """When the window `instant` falls in ends (aware UTC); None if not quiet then."""
        now = _aware_utc(instant)
        if not self.is_quiet(now, zone):
            return None
        today = now.astimezone(zone).date()
        for offset in range(3):
            for candidate in wall_instants(today + timedelta(days=offset), self.ends, zone):
                if candidate > now:
                    return candidate
        raise AssertionError("a quiet window ends within two days")  # pragma: no cover


def _minute(value: time) -> tuple[int, int, int]:
    return value.hour, value.minute, value.second


def parse_wall_time(text: str, *, field: str) -> time:
    """ "HH:MM" (24-hour) as a time; anything else is refused naming `field`."""
    parts = text.strip().split(":")
    if len(parts) == 2 and all(p.isascii() and p.isdigit() and len(p) == 2 for p in parts):
        hour, minute = int(parts[0]), int(parts[1])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise RuleBroken(
        "bad_time_of_day", field=field, message=f"{text!r} is not a time HH:MM", invalid=True
    )
