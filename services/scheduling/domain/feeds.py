"""Personal calendar feeds (RFC 5545): one's shifts, lessons, meetings and activities as
one VCALENDAR a phone subscribes to.

- UIDs are stable: one per shift seat (`shift-<shift>-<person>`), lesson, meeting and
  activity, `@campusflow`, so a refetch updates the same events.
- SEQUENCE comes from the row's `version` and never goes down: the feed remembers what it
  last served, and a change the phone would see without a version bump still raises it.
- An item that is cancelled (a meeting) is served with STATUS:CANCELLED. An item that
  LEFT the feed (a seat passed to someone else, a lesson moved to another volunteer) is
  served as STATUS:CANCELLED with SEQUENCE one higher for as long as it would have been in
  the feed's range, so clients that imported it (not only subscribed) drop it too;
  subscribed clients would drop it anyway when it disappears.
- Times are UTC (`...Z`), so no VTIMEZONE is needed; DTSTAMP is when the served version
  of the item last changed (no METHOD: DTSTAMP is the last revision, RFC 5545 §3.8.7.2).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from icalendar import Calendar, Event

ItemKind = Literal["shift", "lesson", "meeting", "activity"]
PRODID = "-//Campusflow//Scheduling calendar feed//ZH"
UID_DOMAIN = "campusflow"
# What a feed holds: from a month ago to a year ahead.
PAST = timedelta(days=31)
AHEAD = timedelta(days=366)
REFRESH = timedelta(hours=1)


def new_token() -> str:
    """A feed's secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """What is stored instead of the token."""
    return hashlib.sha256(token.encode()).digest()


def feed_range(now: datetime) -> tuple[datetime, datetime]:
    return now - PAST, now + AHEAD


@dataclass(frozen=True)
class FeedItem:
    uid: str
    kind: ItemKind
    summary: str
    starts_at: datetime
    ends_at: datetime
    sequence: int
    location: str = ""
    description: str = ""
    cancelled: bool = False
    changed_at: datetime | None = None

    @property
    def fingerprint(self) -> str:
        """What a phone shows of the item: a change of it is a new revision."""
        seen = "\x1f".join(
            (
                self.summary,
                self.location,
                self.description,
                self.starts_at.astimezone(UTC).isoformat(),
                self.ends_at.astimezone(UTC).isoformat(),
                "cancelled" if self.cancelled else "confirmed",
            )
        )
        return hashlib.sha256(seen.encode()).hexdigest()


def shift_uid(shift_id: object, person_id: str) -> str:
    return f"shift-{shift_id}-{person_id}@{UID_DOMAIN}"


def lesson_uid(lesson_id: object) -> str:
    return f"lesson-{lesson_id}@{UID_DOMAIN}"


def meeting_uid(meeting_id: object) -> str:
    return f"meeting-{meeting_id}@{UID_DOMAIN}"


def activity_uid(activity_id: object) -> str:
    return f"activity-{activity_id}@{UID_DOMAIN}"


@dataclass(frozen=True)
class Served:
    """What to serve now, and what to remember of it for the next fetch."""

    items: tuple[FeedItem, ...]
    forget: tuple[str, ...]


def reconcile(
    current: Iterable[FeedItem],
    remembered: Mapping[str, FeedItem],
    *,
    now: datetime,
) -> Served:
    """The items of this fetch, with SEQUENCE never lower than served before and higher
    when what the phone sees changed; items gone since are served as CANCELLED until
    they end, then forgotten."""
    items: list[FeedItem] = []
    seen: set[str] = set()
    for item in current:
        seen.add(item.uid)
        before = remembered.get(item.uid)
        if before is None:
            items.append(replace(item, changed_at=now))
            continue
        sequence = max(item.sequence, before.sequence)
        changed = before.fingerprint != item.fingerprint
        if changed and sequence == before.sequence:
            sequence += 1
        items.append(
            replace(item, sequence=sequence, changed_at=now if changed else before.changed_at)
        )
    forget: list[str] = []
    oldest = now - PAST
    for uid, before in remembered.items():
        if uid in seen:
            continue
        if before.ends_at <= oldest:
            forget.append(uid)
        elif before.cancelled:
            items.append(before)
        else:
            items.append(
                replace(before, cancelled=True, sequence=before.sequence + 1, changed_at=now)
            )
    items.sort(key=lambda i: (i.starts_at, i.uid))
    return Served(tuple(items), tuple(forget))


def build_calendar(items: Sequence[FeedItem], *, name: str, now: datetime) -> bytes:
    """The VCALENDAR of the items (RFC 5545, UTF-8, CRLF lines folded at 75 octets)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for item in items:
        event = Event()
        event.add("uid", item.uid)
        stamp = (item.changed_at or now).astimezone(UTC)
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("dtstart", item.starts_at.astimezone(UTC))
        event.add("dtend", item.ends_at.astimezone(UTC))
        event.add("summary", item.summary)
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        event.add("sequence", item.sequence)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("categories", [item.kind])
        event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


# --- what each kind of row looks like in a calendar ----------------------------------


def shift_item(
    *,
    shift_id: object,
    person_id: str,
    post: str,
    place: str,
    rota_name: str,
    starts_at: datetime,
    ends_at: datetime,
    version: int,
) -> FeedItem:
    return FeedItem(
        uid=shift_uid(shift_id, person_id),
        kind="shift",
        summary=f"值班：{post}",
        starts_at=starts_at,
        ends_at=ends_at,
        sequence=version,
        location=place,
        description=f"{rota_name}\n岗位：{post}",
    )


def lesson_item(
    *,
    lesson_id: object,
    school: str,
    class_id: str,
    course: str,
    subject: str,
    room: str,
    starts_at: datetime,
    ends_at: datetime,
    version: int,
) -> FeedItem:
    return FeedItem(
        uid=lesson_uid(lesson_id),
        kind="lesson",
        summary=f"授课：{subject or course}（{class_id}）",
        starts_at=starts_at,
        ends_at=ends_at,
        sequence=version,
        location=f"{school} {room}".strip(),
        description=f"学校：{school}\n班级：{class_id}\n课程：{course}",
    )


def meeting_item(
    *,
    meeting_id: object,
    title: str,
    agenda: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    cancelled: bool,
    version: int,
) -> FeedItem:
    return FeedItem(
        uid=meeting_uid(meeting_id),
        kind="meeting",
        summary=f"会议：{title}",
        starts_at=starts_at,
        ends_at=ends_at,
        sequence=version,
        location=place,
        description=f"议程：\n{agenda}" if agenda else "",
        cancelled=cancelled,
    )


def activity_item(
    *,
    activity_id: object,
    title: str,
    department_id: str,
    room: str | None,
    starts_at: datetime,
    ends_at: datetime,
    version: int,
) -> FeedItem:
    return FeedItem(
        uid=activity_uid(activity_id),
        kind="activity",
        summary=f"活动：{title}",
        starts_at=starts_at,
        ends_at=ends_at,
        sequence=version,
        location=room or "",
        description=f"部门：{department_id}",
    )
