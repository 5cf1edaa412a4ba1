"""Digests: when a person's digest goes out, and what it says.

A digest window is written `daily HH:MM` or `weekly <day> HH:MM` (day: mon tue wed thu
fri sat sun), in the person's time zone. The next digest is the first instant after
`now` at which their clock shows that time (once on a fall-back day: the first pass; on
a spring-forward day when the time is skipped, the instant the clock jumps past it).

A digest groups the messages it carries by kind, in the order their kinds first came:
`items` = [{"kind", "label", "count", "entries": [each message's fields]}], and
`period` = "<start> – <end>" in the person's zone (what the digest template shows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from services.notifications.domain.kinds import KINDS
from services.notifications.domain.quiet_hours import parse_wall_time, wall_instants
from shared.rules import RuleBroken

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True)
class DigestWindow:
    cadence: Cadence
    at: time
    weekday: int | None = None  # 0 = Monday; weekly only

    def __post_init__(self) -> None:
        if (self.cadence is Cadence.WEEKLY) != (self.weekday is not None):
            raise ValueError("a weekly window names its day, a daily one none")

    def __str__(self) -> str:
        at = self.at.strftime("%H:%M")
        if self.weekday is None:
            return f"daily {at}"
        return f"weekly {WEEKDAYS[self.weekday]} {at}"

    def next_at(self, after: datetime, zone: ZoneInfo) -> datetime:
        """The first digest instant strictly after `after` (aware UTC)."""
        if after.tzinfo is None:
            raise ValueError("digest times are computed from aware instants")
        start = after.astimezone(UTC)
        day = start.astimezone(zone).date() - timedelta(days=1)
        for offset in range(9):
            candidate_day = day + timedelta(days=offset)
            if self.weekday is not None and candidate_day.weekday() != self.weekday:
                continue
            first = wall_instants(candidate_day, self.at, zone)[0]
            if first > start:
                return first
        raise AssertionError("a digest comes within a week")  # pragma: no cover


# When a person chose digests but no window: every evening at 20:00.
DEFAULT_DIGEST_WINDOW = DigestWindow(Cadence.DAILY, time(20, 0))


def parse_window(text: str, *, field: str = "window") -> DigestWindow:
    """`daily 20:00` or `weekly fri 18:30` as a window; anything else names `field`."""
    words = text.strip().lower().split()
    try:
        if len(words) == 2 and words[0] == Cadence.DAILY:
            return DigestWindow(Cadence.DAILY, parse_wall_time(words[1], field=field))
        if len(words) == 3 and words[0] == Cadence.WEEKLY and words[1] in WEEKDAYS:
            at = parse_wall_time(words[2], field=field)
            return DigestWindow(Cadence.WEEKLY, at, WEEKDAYS.index(words[1]))
    except RuleBroken:
        pass
    raise RuleBroken(
        "bad_digest_window",
        field=field,
        message=f"{text!r} is not a digest window: write 'daily HH:MM' or 'weekly mon HH:MM'",
        invalid=True,
    )


@dataclass(frozen=True)
class DigestedMessage:
    message_id: Any
    kind: str
    fields: Mapping[str, Any]
    created_at: datetime


def digest_items(messages: Iterable[DigestedMessage]) -> list[dict[str, Any]]:
    """The messages grouped by kind (kinds in the order they first came, oldest first)."""
    groups: dict[str, dict[str, Any]] = {}
    for message in sorted(messages, key=lambda m: (m.created_at, str(m.message_id))):
        group = groups.get(message.kind)
        if group is None:
            kind = KINDS.get(message.kind)
            label = kind.description if kind is not None else message.kind
            group = groups[message.kind] = {
                "kind": message.kind,
                "label": label,
                "count": 0,
                "entries": [],
            }
        group["count"] += 1
        group["entries"].append(dict(message.fields))
    return list(groups.values())


def period_label(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """The digest's period as the person reads it: "2026-11-28 20:00 – 2026-11-29 20:00"."""
    fmt = "%Y-%m-%d %H:%M"
    return f"{start.astimezone(zone).strftime(fmt)} – {end.astimezone(zone).strftime(fmt)}"
