"""The digest run: when a person's digest time comes, the messages left for it go out as
one `digest` message, grouped by kind.

A message the pipeline settles 'digest' (service/messages.py; never one of a critical
kind) arms the person's durable timer for their next digest time
(service/preferences.arm_digest; one timer per person and period). When it fires, this
collects the person's digested messages made by then that no digest carried, and calls
the pipeline's `notify(kind='digest', fields={items, period})` with the event id
uuid5(college, person, period end): the timer fires once across replicas (SKIP LOCKED),
and a second run for the same period would find its message made (notify returns it,
sends nothing). Each message carried is marked (digest_entries) with the digest's id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

import asyncpg
import structlog

from services.notifications.domain.digests import (
    DEFAULT_DIGEST_WINDOW,
    DigestedMessage,
    digest_items,
    period_label,
)
from services.notifications.domain.quiet_hours import zone_named
from services.notifications.repository import preferences as repository
from services.notifications.service.messages import notify
from services.notifications.service.preferences import DIGEST_ACTION
from services.notifications.service.templates import render_message
from shared.timers import DueAction, DueActionHandler

log = structlog.get_logger(__name__)

DIGEST_NAMESPACE = UUID("4f0c6a52-8f7e-4d0b-9c1e-6f1f6c1d2a10")


def digest_event_id(college: str, person_id: str, period_end: datetime) -> UUID:
    """The digest's event id: one per person and period, whoever runs it."""
    return uuid5(DIGEST_NAMESPACE, f"digest:{college}:{person_id}:{period_end.isoformat()}")


async def _titles(
    conn: asyncpg.Connection,
    *,
    college: str,
    locale: str,
    time_zone: str,
    messages: Sequence[DigestedMessage],
) -> dict[Any, str]:
    """Each message's own title, worded as its inbox notice would be."""
    titles: dict[Any, str] = {}
    for message in messages:
        try:
            rendered = await render_message(
                conn,
                college=college,
                kind=message.kind,
                locale=locale,
                fields=message.fields,
                time_zone=time_zone,
            )
        except (ValueError, LookupError) as error:  # a kind gone or its fields changed
            log.warning("digest entry not worded", kind=message.kind, error=repr(error)[:200])
            continue
        titles[message.message_id] = rendered.title
    return titles


def _with_titles(
    items: list[dict[str, Any]], messages: Sequence[DigestedMessage], titles: Mapping[Any, str]
) -> list[dict[str, Any]]:
    by_kind: dict[str, list[str]] = {}
    for message in sorted(messages, key=lambda m: (m.created_at, str(m.message_id))):
        if message.message_id in titles:
            by_kind.setdefault(message.kind, []).append(titles[message.message_id])
    return [
        {**item, "title": item["label"], "titles": by_kind.get(item["kind"], [])} for item in items
    ]


async def send_digest(
    conn: asyncpg.Connection, *, college: str, person_id: str, period_end: datetime, now: datetime
) -> UUID | None:
    """The person's digest for the period ending at `period_end`: its message id, or None
    when nothing waited for it."""
    waiting = await repository.waiting_for_digest(
        conn, college=college, person_id=person_id, until=period_end
    )
    if not waiting:
        return None
    person = await repository.person(conn, college=college, person_id=person_id)
    zone = zone_named(person.time_zone)
    started = await repository.last_period_end(conn, college=college, person_id=person_id)
    if started is None or started > waiting[0].created_at:
        started = waiting[0].created_at
    titles = await _titles(
        conn, college=college, locale=person.locale, time_zone=person.time_zone, messages=waiting
    )
    fields = {
        "items": _with_titles(digest_items(waiting), waiting, titles),
        "period": period_label(started, period_end, zone),
    }
    [digest_id] = await notify(
        conn,
        college=college,
        event_id=digest_event_id(college, person_id, period_end),
        kind="digest",
        recipient_ids=[person_id],
        fields=fields,
        now=now,
    )
    await repository.mark_digested(
        conn,
        college=college,
        person_id=person_id,
        message_ids=[m.message_id for m in waiting],
        digest_message_id=digest_id,
        period_end=period_end,
        now=now,
    )
    return digest_id


async def fire_digest(conn: asyncpg.Connection, action: DueAction, now: datetime) -> None:
    """The timer of one person's period: send the digest, unless the person moved their
    window (or zone) since it was armed: then the timer armed for the new time sends it."""
    college = str(action.payload["college"])
    person_id = str(action.payload["person_id"])
    person = await repository.person(conn, college=college, person_id=person_id)
    window = await repository.digest_window(conn, college=college, person_id=person_id)
    zone = zone_named(person.time_zone)
    expected = (window or DEFAULT_DIGEST_WINDOW).next_at(
        action.due_at - timedelta(microseconds=1), zone
    )
    if expected != action.due_at:
        log.info("digest timer of a window since moved; left", key=action.key)
        return
    await send_digest(conn, college=college, person_id=person_id, period_end=action.due_at, now=now)


DIGEST_DUE_ACTIONS: Mapping[str, DueActionHandler] = {DIGEST_ACTION: fire_digest}
