"""The message pipeline's entry: `notify` turns what an event means into one message per
recipient, planned (PREFS), settled (domain/delivery.settled_action: a critical kind is
sent at once whatever its plan said), worded (TEMPLATES), put in the inbox at once and
queued for the first outside channel; the dispatcher (service/dispatch.py) does the rest.
A message settled `digest` arms its recipient's digest timer (PREFS' arm_digest).

Every function runs in the transaction it is handed and writes its outbox events there.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, cast
from uuid import UUID

import asyncpg

from services.notifications.domain.delivery import (
    MessageStatus,
    Plan,
    PlanAction,
    Rendering,
    failover_path,
    message_id_for,
    missing_fields,
    settled_action,
    status_when_started,
)
from services.notifications.domain.delivery_records import Delivery, InboxNotice, Message
from services.notifications.domain.kinds import KINDS
from services.notifications.repository import deliveries as delivery_rows
from services.notifications.repository import messages as message_rows
from services.notifications.repository import notices as notice_rows
from services.notifications.repository.planning_facts import planning_facts_prefetched
from services.notifications.service import SOURCE
from services.notifications.service.message_start import start_messages
from services.notifications.service.preferences import arm_digest, plan_delivery
from services.notifications.service.templates import render_message
from shared.events.base import DomainEvent
from shared.events.notifications import MessageDropped
from shared.messaging.outbox import append_to_outbox
from shared.rules import NotFound

# How a message is planned and worded: PREFS' plan_delivery and TEMPLATES'
# render_message (tests may hand pure local ones to `make_messages`).
Planner = Callable[..., Awaitable[Plan]]
Renderer = Callable[..., Awaitable[Rendering]]


async def notify(
    conn: asyncpg.Connection,
    *,
    college: str,
    event_id: UUID,
    kind: str,
    recipient_ids: Sequence[str],
    fields: Mapping[str, object],
    subject_id: str = "",
    now: datetime,
    channels: Sequence[str] | None = None,
) -> list[UUID]:
    """One message per recipient (id = uuid5(event id, recipient, kind)); a replay returns
    the ids it made before and sends nothing. Missing declared fields -> ValueError."""
    return await make_messages(
        conn,
        college=college,
        event_id=event_id,
        kind=kind,
        recipient_ids=recipient_ids,
        fields=fields,
        subject_id=subject_id,
        now=now,
        channels=channels,
        plan=plan_delivery,
        render=render_message,
    )


async def make_messages(
    conn: asyncpg.Connection,
    *,
    college: str,
    event_id: UUID,
    kind: str,
    recipient_ids: Sequence[str],
    fields: Mapping[str, object],
    subject_id: str,
    now: datetime,
    channels: Sequence[str] | None,
    plan: Planner,
    render: Renderer,
) -> list[UUID]:
    declared = KINDS.get(kind)
    if declared is None:
        raise ValueError(f"unknown notification kind {kind!r}")
    given = stored_fields(fields)
    missing = missing_fields(declared.fields, given)
    if missing:
        raise ValueError(f"kind {kind!r} lacks its declared fields: {', '.join(missing)}")
    own = {name: value for name, value in given.items() if name in declared.fields}
    recipients = list(dict.fromkeys(recipient_ids))
    ids = [message_id_for(event_id, recipient, kind) for recipient in recipients]
    made_before = await message_rows.existing_ids(conn, ids)
    new = [(r, m) for r, m in zip(recipients, ids, strict=True) if m not in made_before]
    if not new:
        return ids  # a replay: everything was made before
    # The people's planning facts in one query; one wording per locale and time zone
    # (the fields are the event's): a few round trips for the whole event.
    wordings: dict[tuple[str, str], Rendering] = {}
    made: list[tuple[Message, Rendering | None, Plan, PlanAction]] = []
    async with planning_facts_prefetched(
        conn, college=college, person_ids=[r for r, _ in new], category=declared.category.value
    ):
        for recipient, message_id in new:
            planned = await plan(conn, college=college, recipient_id=recipient, kind=kind, now=now)
            action = settled_action(planned.action, critical=declared.critical)
            path = failover_path(planned.channels, channels)
            rendered = None
            if action is PlanAction.SEND:
                wording = (planned.locale, planned.time_zone)
                if wording not in wordings:
                    wordings[wording] = await render(
                        conn,
                        college=college,
                        kind=kind,
                        locale=planned.locale,
                        fields=own,
                        time_zone=planned.time_zone,
                    )
                rendered = wordings[wording]
            message = Message(
                message_id=message_id,
                college=college,
                event_id=event_id,
                recipient_id=recipient,
                kind=kind,
                category=declared.category.value,
                priority=declared.priority.value,
                subject_id=subject_id,
                fields=own,
                locale=planned.locale,
                channels=path,
                status=_status_for(action, path),
                hold_until=planned.hold_until if action is PlanAction.HOLD else None,
                created_at=now,
                updated_at=now,
                time_zone=planned.time_zone,
            )
            made.append((message, rendered, planned, action))
    # Those a concurrent replay made in the meantime are left to it.
    inserted = await message_rows.insert_messages(conn, [m for m, _, _, _ in made])
    started = await start_messages(
        conn,
        [(m, r) for m, r, _, _ in made if r is not None and m.message_id in inserted],
        now=now,
    )
    events: list[DomainEvent] = []
    for message, _, planned, action in made:
        if message.message_id not in inserted:
            continue
        events += started.get(message.message_id, [])
        if action is PlanAction.DIGEST:  # settled: a critical kind never gets here
            await arm_digest(conn, college=college, person_id=message.recipient_id, now=now)
        if action is PlanAction.DROP:
            events.append(
                MessageDropped(
                    college=college,
                    message_id=message.message_id,
                    recipient_id=message.recipient_id,
                    kind=kind,
                    reason=drop_reason(planned),
                    dropped_at=now,
                )
            )
    if events:
        await append_to_outbox(conn, events, source=SOURCE, now=now)
    return ids


def drop_reason(planned: Plan) -> Literal["switched_off", "quiet_hours"]:
    """Why PREFS dropped a message: its plan's `reason`. A plan without one (a local
    planner of tests) is read as before: no path = switched off, else quiet hours."""
    reason = getattr(planned, "reason", None)
    if reason in ("switched_off", "quiet_hours"):
        return cast(Literal["switched_off", "quiet_hours"], reason)
    return "quiet_hours" if planned.channels else "switched_off"


def _status_for(action: PlanAction, path: Sequence[str]) -> MessageStatus:
    if action is PlanAction.HOLD:
        return MessageStatus.HELD
    if action is PlanAction.DROP:
        return MessageStatus.DROPPED
    if action is PlanAction.DIGEST:
        return MessageStatus.DIGESTED
    return status_when_started(path)


async def release_held(
    conn: asyncpg.Connection, *, now: datetime, limit: int, render: Renderer
) -> int:
    """Start the held messages whose hold ended (locked SKIP LOCKED: one replica each)."""
    held = await message_rows.claim_held_due(conn, now=now, limit=limit)
    if not held:
        return 0
    renderings = [
        await render(
            conn,
            college=message.college,
            kind=message.kind,
            locale=message.locale,
            fields=message.fields,
            time_zone=message.time_zone,
        )
        for message in held
    ]
    started = await start_messages(conn, list(zip(held, renderings, strict=True)), now=now)
    await message_rows.set_statuses(
        conn, [(m.message_id, status_when_started(m.channels)) for m in held], now=now
    )
    events = [event for message in held for event in started.get(message.message_id, [])]
    if events:
        await append_to_outbox(conn, events, source=SOURCE, now=now)
    return len(held)


def stored_fields(fields: Mapping[str, object]) -> dict[str, object]:
    """The fields as they are stored and rendered (JSON: times as ISO 8601 text), so the
    notice written now and a delivery rendered later read the same."""
    normalised: dict[str, object] = json.loads(
        json.dumps(dict(fields), default=_json_value, ensure_ascii=False)
    )
    return normalised


def _json_value(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


# --- reading: the inbox and delivery tracking ----------------------------------------


@dataclass(frozen=True)
class MessageWithPath:
    message: Message
    deliveries: list[Delivery]


async def inbox(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    limit: int,
    offset: int,
    unread_only: bool = False,
) -> list[InboxNotice]:
    return await notice_rows.inbox(
        conn,
        college=college,
        recipient_id=person_id,
        limit=limit,
        offset=offset,
        unread_only=unread_only,
    )


async def unread_counts(
    conn: asyncpg.Connection, *, college: str, person_id: str
) -> tuple[int, int]:
    return await notice_rows.unread_counts(conn, college=college, recipient_id=person_id)


async def mark_read(
    conn: asyncpg.Connection, *, college: str, person_id: str, notice_id: UUID, now: datetime
) -> InboxNotice:
    """Mark one of the caller's notices read; someone else's is not found."""
    notice = await notice_rows.mark_read(
        conn, college=college, recipient_id=person_id, notice_id=notice_id, now=now
    )
    if notice is None:
        raise NotFound("notice", notice_id)
    return notice


async def mark_all_read(
    conn: asyncpg.Connection, *, college: str, person_id: str, now: datetime
) -> int:
    return await notice_rows.mark_all_read(conn, college=college, recipient_id=person_id, now=now)


async def messages_of(
    conn: asyncpg.Connection, *, college: str, person_id: str, limit: int, offset: int
) -> list[MessageWithPath]:
    found = await message_rows.messages_of_recipient(
        conn, college=college, recipient_id=person_id, limit=limit, offset=offset
    )
    return await _with_paths(conn, found)


async def message_record(
    conn: asyncpg.Connection, *, college: str, message_id: UUID
) -> MessageWithPath:
    found = await message_rows.message(conn, college=college, message_id=message_id)
    if found is None:
        raise NotFound("message", message_id)
    return (await _with_paths(conn, [found]))[0]


async def _with_paths(conn: asyncpg.Connection, found: Sequence[Message]) -> list[MessageWithPath]:
    deliveries = await delivery_rows.deliveries_of(conn, [m.message_id for m in found])
    by_message: dict[UUID, list[Delivery]] = {}
    for delivery in deliveries:
        by_message.setdefault(delivery.message_id, []).append(delivery)
    return [MessageWithPath(m, by_message.get(m.message_id, [])) for m in found]
