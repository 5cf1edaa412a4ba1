"""SQL of personal calendar feeds: the feeds, what each last served, and a person's
shifts, lessons, meetings and activities in a time range."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from uuid import UUID

import asyncpg

from services.scheduling.domain.feeds import (
    FeedItem,
    activity_item,
    lesson_item,
    meeting_item,
    shift_item,
)


@dataclass(frozen=True)
class Feed:
    college: str
    feed_id: UUID
    person_id: str
    created_at: datetime
    rotated_at: datetime | None


def _feed(row: asyncpg.Record) -> Feed:
    return Feed(
        row["college"], row["feed_id"], row["person_id"], row["created_at"], row["rotated_at"]
    )


async def insert_feed(
    conn: asyncpg.Connection,
    *,
    college: str,
    feed_id: UUID,
    person_id: str,
    token_hash: bytes,
    now: datetime,
) -> Feed | None:
    """None when the person has a live feed already."""
    row = await conn.fetchrow(
        "INSERT INTO calendar_feeds (college, feed_id, person_id, token_hash, created_at)"
        " VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (college, person_id) WHERE revoked_at IS NULL DO NOTHING"
        " RETURNING college, feed_id, person_id, created_at, rotated_at",
        college,
        feed_id,
        person_id,
        token_hash,
        now,
    )
    return None if row is None else _feed(row)


async def rotate_token(
    conn: asyncpg.Connection, *, college: str, person_id: str, token_hash: bytes, now: datetime
) -> Feed | None:
    row = await conn.fetchrow(
        "UPDATE calendar_feeds SET token_hash = $3, rotated_at = $4"
        " WHERE college = $1 AND person_id = $2 AND revoked_at IS NULL"
        " RETURNING college, feed_id, person_id, created_at, rotated_at",
        college,
        person_id,
        token_hash,
        now,
    )
    return None if row is None else _feed(row)


async def revoke(conn: asyncpg.Connection, *, college: str, person_id: str, now: datetime) -> bool:
    status = await conn.execute(
        "UPDATE calendar_feeds SET revoked_at = $3"
        " WHERE college = $1 AND person_id = $2 AND revoked_at IS NULL",
        college,
        person_id,
        now,
    )
    return bool(status != "UPDATE 0")


async def live_feed(conn: asyncpg.Connection, *, token_hash: bytes) -> Feed | None:
    row = await conn.fetchrow(
        "SELECT college, feed_id, person_id, created_at, rotated_at FROM calendar_feeds"
        " WHERE token_hash = $1 AND revoked_at IS NULL",
        token_hash,
    )
    return None if row is None else _feed(row)


# --- what a feed served last ---------------------------------------------------------


async def remembered(conn: asyncpg.Connection, *, feed_id: UUID) -> dict[str, FeedItem]:
    rows = await conn.fetch(
        "SELECT uid, kind, sequence, summary, location, description, starts_at, ends_at, cancelled,"
        " changed_at FROM calendar_feed_items WHERE feed_id = $1",
        feed_id,
    )
    return {
        row["uid"]: FeedItem(
            uid=row["uid"],
            kind=row["kind"],
            summary=row["summary"],
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            sequence=row["sequence"],
            location=row["location"],
            description=row["description"],
            cancelled=row["cancelled"],
            changed_at=row["changed_at"],
        )
        for row in rows
    }


async def remember(
    conn: asyncpg.Connection, *, feed_id: UUID, items: Sequence[FeedItem], forget: Sequence[str]
) -> None:
    if items:
        await conn.executemany(
            "INSERT INTO calendar_feed_items (feed_id, uid, kind, sequence, fingerprint, summary,"
            " location, description, starts_at, ends_at, cancelled, changed_at)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
            " ON CONFLICT (feed_id, uid) DO UPDATE SET sequence = greatest("
            " calendar_feed_items.sequence, EXCLUDED.sequence), fingerprint = EXCLUDED.fingerprint,"
            " summary = EXCLUDED.summary, location = EXCLUDED.location,"
            " description = EXCLUDED.description, starts_at = EXCLUDED.starts_at,"
            " ends_at = EXCLUDED.ends_at, cancelled = EXCLUDED.cancelled,"
            " changed_at = EXCLUDED.changed_at",
            [
                (
                    feed_id,
                    i.uid,
                    i.kind,
                    i.sequence,
                    i.fingerprint,
                    i.summary,
                    i.location,
                    i.description,
                    i.starts_at,
                    i.ends_at,
                    i.cancelled,
                    i.changed_at,
                )
                for i in items
            ],
        )
    if forget:
        await conn.execute(
            "DELETE FROM calendar_feed_items WHERE feed_id = $1 AND uid = ANY($2::text[])",
            feed_id,
            list(forget),
        )


# --- a person's calendar -------------------------------------------------------------

_SHIFTS = (
    "SELECT s.shift_id, s.post, s.place, s.starts_at, s.ends_at, ss.version,"
    " r.name AS rota_name"
    " FROM shift_seats ss JOIN shifts s ON s.shift_id = ss.shift_id"
    " JOIN rotas r ON r.rota_id = s.rota_id"
    " WHERE ss.college = $1 AND ss.person_id = $2 AND r.status = 'published'"
    " AND s.ends_at > $3 AND s.starts_at < $4"
)

# Lessons the person teaches, named as the timetable names its schools and classes
# (a lesson shared by several classes, the evening film, names them all).
_LESSONS = (
    "SELECT l.lesson_id, coalesce(t.schools ->> l.school, l.school) AS school,"
    " (SELECT string_agg(coalesce(t.classes -> c ->> 'name', c), '、' ORDER BY o)"
    "  FROM unnest(l.class_ids) WITH ORDINALITY AS u(c, o)) AS class_id,"
    " coalesce(nullif(l.course_name, ''), l.course) AS course, l.subject, l.room,"
    " l.starts_at, l.ends_at, l.version"
    " FROM lessons l JOIN timetables t ON t.timetable_id = l.timetable_id"
    " WHERE l.college = $1 AND l.volunteer_id = $2 AND l.ends_at > $3 AND l.starts_at < $4"
)

# Meetings of every organisation the person is a current member of.
_MEETINGS = (
    "SELECT m.meeting_id, m.title, m.agenda, m.place, m.starts_at, m.ends_at,"
    " m.status = 'cancelled' AS cancelled, m.version FROM meetings m"
    " WHERE m.college = $1 AND m.ends_at > $3 AND m.starts_at < $4 AND EXISTS ("
    "  SELECT 1 FROM memberships ms WHERE ms.college = m.college AND ms.person_id = $2"
    "  AND ms.organisation_kind = m.organisation_kind"
    "  AND ms.organisation_id = m.organisation_id AND ms.ended_at IS NULL)"
)

_ACTIVITIES = (
    "SELECT activity_id, title, department_id, room, starts_at, ends_at, version"
    " FROM activities WHERE college = $1 AND status = 'scheduled'"
    " AND people @> ARRAY[$2::text] AND ends_at > $3 AND starts_at < $4"
)


async def calendar_of_person(
    conn: asyncpg.Connection, *, college: str, person_id: str, since: datetime, until: datetime
) -> list[FeedItem]:
    """The person's shifts, lessons, meetings and activities overlapping [since, until):
    each query takes ($1 college, $2 person, $3 since, $4 until)."""
    found: list[FeedItem] = []
    kinds: tuple[tuple[str, Callable[..., FeedItem]], ...] = (
        (_SHIFTS, partial(shift_item, person_id=person_id)),
        (_LESSONS, lesson_item),
        (_MEETINGS, meeting_item),
        (_ACTIVITIES, activity_item),
    )
    for query, item in kinds:
        rows = await conn.fetch(query, college, person_id, since, until)
        found.extend(item(**dict(row)) for row in rows)
    return found
