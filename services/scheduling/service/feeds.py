"""Personal calendar feed use cases: issue, rotate and revoke a member's secret feed URL,
and build the feed a phone fetches. Each runs in the one transaction it is handed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

import asyncpg

from services.scheduling.domain.feeds import (
    build_calendar,
    feed_range,
    new_token,
    reconcile,
    token_hash,
)
from services.scheduling.domain.rules import NotFound, RuleBroken
from services.scheduling.repository import feeds as repository
from services.scheduling.repository.feeds import Feed


@dataclass(frozen=True)
class IssuedFeed:
    """A feed and its token: shown once, never stored."""

    feed: Feed
    token: str


async def create_feed(
    conn: asyncpg.Connection, *, college: str, person_id: str, now: datetime
) -> IssuedFeed:
    token = new_token()
    feed = await repository.insert_feed(
        conn,
        college=college,
        feed_id=uuid4(),
        person_id=person_id,
        token_hash=token_hash(token),
        now=now,
    )
    if feed is None:
        raise RuleBroken(
            "calendar_feed_exists",
            field="person_id",
            message="you have a calendar feed already: rotate it for a new URL, or revoke it",
        )
    return IssuedFeed(feed, token)


async def rotate_feed(
    conn: asyncpg.Connection, *, college: str, person_id: str, now: datetime
) -> IssuedFeed:
    """A new secret URL for the same feed; the old URL stops working at once."""
    token = new_token()
    feed = await repository.rotate_token(
        conn, college=college, person_id=person_id, token_hash=token_hash(token), now=now
    )
    if feed is None:
        raise NotFound("calendar feed")
    return IssuedFeed(feed, token)


async def revoke_feed(
    conn: asyncpg.Connection, *, college: str, person_id: str, now: datetime
) -> None:
    if not await repository.revoke(conn, college=college, person_id=person_id, now=now):
        raise NotFound("calendar feed")


async def calendar_of(conn: asyncpg.Connection, *, token: str, now: datetime) -> bytes:
    """The VCALENDAR behind a feed token; an unknown or revoked token is not found."""
    feed = await repository.live_feed(conn, token_hash=token_hash(token))
    if feed is None:
        raise NotFound("calendar feed")
    since, until = feed_range(now)
    current = await repository.calendar_of_person(
        conn, college=feed.college, person_id=feed.person_id, since=since, until=until
    )
    remembered = await repository.remembered(conn, feed_id=feed.feed_id)
    served = reconcile(current, remembered, now=now)
    changed = [
        item
        for item in served.items
        if (before := remembered.get(item.uid)) is None
        or (before.sequence, before.fingerprint, before.changed_at)
        != (item.sequence, item.fingerprint, item.changed_at)
    ]
    await repository.remember(conn, feed_id=feed.feed_id, items=changed, forget=served.forget)
    return build_calendar(served.items, name=f"Campusflow 日程 · {feed.person_id}", now=now)
