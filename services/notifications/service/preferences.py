"""A person's choices, and the hooks the pipeline asks them through.

Hooks (run in the caller's transaction): `plan_delivery` (the plan for one message),
`contact_address`, `set_contact_point` (validates the address), `ensure_person`.
The rest are the use cases of the person's own API (`/api/notifications/me/...`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.notifications.domain.digests import (
    DEFAULT_DIGEST_WINDOW,
    DigestWindow,
    parse_window,
)
from services.notifications.domain.kinds import Category, failover_of, kind_named
from services.notifications.domain.preferences import (
    CONTACT_CHANNELS,
    CategoryPreference,
    Channel,
    DeliveryPlan,
    check_locale,
    default_preference,
    normalise_address,
    plan,
)
from services.notifications.domain.quiet_hours import QuietHours, parse_wall_time, zone_named
from services.notifications.repository import preferences as repository
from services.notifications.repository.planning_facts import planning_facts
from services.notifications.settings import NotificationsSettings, settings_in_force
from shared.rules import NotFound, RuleBroken
from shared.timers import schedule

# The durable timer that sends a person's digest (handled in service/digests.py).
DIGEST_ACTION = "notifications.digest"


def digest_timer_key(college: str, person_id: str, due_at: datetime) -> str:
    """One timer per person and period: a firing timer is never moved by the next one."""
    return f"{college}:{person_id}:{due_at.isoformat()}"


# --- hooks ----------------------------------------------------------------------------


async def plan_delivery(
    conn: asyncpg.Connection,
    *,
    college: str,
    recipient_id: str,
    kind: str,
    now: datetime,
    settings: NotificationsSettings | None = None,
) -> DeliveryPlan:
    """The plan for one message of `kind` to `recipient_id` now (see domain/preferences),
    its path following the kind's failover policy: the operator's override for the kind
    (`failover_by_kind` of `settings`, else of the settings in force: those the service
    started with), else the kinds table's.

    It writes nothing: the pipeline arms the digest timer of a message it settles
    `digest` (service/messages.py, after domain/delivery.settled_action)."""
    the_kind = kind_named(kind)
    chosen = settings if settings is not None else settings_in_force()
    facts = await planning_facts(
        conn, college=college, person_id=recipient_id, category=the_kind.category.value
    )
    return plan(
        kind=the_kind,
        preference=facts.preference,
        reachable=facts.reachable,
        quiet_hours=facts.quiet_hours,
        zone=zone_named(facts.person.time_zone),
        locale=facts.person.locale,
        now=now,
        failover=failover_of(the_kind, chosen.failover_overrides if chosen else None),
    )


async def contact_address(
    conn: asyncpg.Connection, *, college: str, person_id: str, channel: str
) -> str | None:
    """Where `person_id` is reached on `channel` ('email', 'sms', 'im'); None if nowhere."""
    return await repository.contact_address(
        conn, college=college, person_id=person_id, channel=channel
    )


def _contact_channel(channel: str) -> Channel:
    if channel not in {c.value for c in CONTACT_CHANNELS}:
        raise RuleBroken(
            "unknown_channel",
            field="channel",
            message=f"{channel!r} is not a contact channel (email, sms, im)",
            invalid=True,
        )
    return Channel(channel)


async def set_contact_point(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    channel: str,
    address: str,
    now: datetime,
) -> None:
    """Record where `person_id` is reached on `channel`; a bad address is refused
    (RuleBroken naming `address`), an unknown channel too (naming `channel`)."""
    stored = normalise_address(_contact_channel(channel), address)
    await repository.ensure_person(
        conn, college=college, person_id=person_id, display_name=None, now=now
    )
    await repository.put_contact_point(
        conn, college=college, person_id=person_id, channel=channel, address=stored, now=now
    )


async def ensure_person(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    display_name: str | None,
    now: datetime,
) -> None:
    """The person's row (defaults: zh-CN, Asia/Shanghai); a given name replaces the old."""
    await repository.ensure_person(
        conn, college=college, person_id=person_id, display_name=display_name, now=now
    )


# --- digests' timer ---------------------------------------------------------------------


async def arm_digest(
    conn: asyncpg.Connection, *, college: str, person_id: str, now: datetime
) -> datetime:
    """Make the person's digest timer due at their next digest time; return that time."""
    person = await repository.person(conn, college=college, person_id=person_id)
    window = await repository.digest_window(conn, college=college, person_id=person_id)
    due_at = (window or DEFAULT_DIGEST_WINDOW).next_at(now, zone_named(person.time_zone))
    await schedule(
        conn,
        kind=DIGEST_ACTION,
        key=digest_timer_key(college, person_id, due_at),
        due_at=due_at,
        payload={"college": college, "person_id": person_id},
    )
    return due_at


# --- the person's own choices -------------------------------------------------------------


@dataclass(frozen=True)
class CategoryChoice:
    preference: CategoryPreference
    chosen: bool  # False: the default, nothing chosen yet
    critical: bool


@dataclass(frozen=True)
class MyPreferences:
    locale: str
    time_zone: str
    contact_points: dict[str, str]
    quiet_hours: QuietHours | None
    digest_window: DigestWindow | None
    digest_next_at: datetime
    categories: list[CategoryChoice]


async def my_preferences(
    conn: asyncpg.Connection, *, college: str, person_id: str, now: datetime
) -> MyPreferences:
    person = await repository.person(conn, college=college, person_id=person_id)
    reachable = await repository.contact_points(conn, college=college, person_id=person_id)
    chosen = await repository.preferences(conn, college=college, person_id=person_id)
    window = await repository.digest_window(conn, college=college, person_id=person_id)
    categories = [
        CategoryChoice(
            chosen.get(category) or default_preference(category, reachable),
            category in chosen,
            category is Category.SAFETY,
        )
        for category in Category
    ]
    return MyPreferences(
        locale=person.locale,
        time_zone=person.time_zone,
        contact_points=reachable,
        quiet_hours=await repository.quiet_hours(conn, college=college, person_id=person_id),
        digest_window=window,
        digest_next_at=(window or DEFAULT_DIGEST_WINDOW).next_at(now, zone_named(person.time_zone)),
        categories=categories,
    )


async def choose(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    choices: Sequence[CategoryPreference],
    now: datetime,
) -> None:
    """Replace the choices for the categories given (others keep theirs); all or nothing.

    Each choice was checked when made (`category_preference`); a category given twice is
    refused here."""
    seen: set[Category] = set()
    for index, choice in enumerate(choices):
        field = f"categories.{index}"
        if choice.category in seen:
            raise RuleBroken(
                "category_twice",
                field=f"{field}.category",
                message=f"{choice.category} is given twice",
                invalid=True,
            )
        seen.add(choice.category)
    await repository.ensure_person(
        conn, college=college, person_id=person_id, display_name=None, now=now
    )
    await repository.put_preferences(
        conn, college=college, person_id=person_id, choices=choices, now=now
    )


async def set_quiet_hours(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    starts: str | None,
    ends: str | None,
    now: datetime,
) -> None:
    """Set the window ("22:00", "07:00"; in the person's zone), or forget it (both None).

    Refused naming the field: a time that is not HH:MM, a window of zero length."""
    window = None
    if starts is not None or ends is not None:
        window = QuietHours(
            parse_wall_time(starts or "", field="starts"), parse_wall_time(ends or "", field="ends")
        )
    await repository.ensure_person(
        conn, college=college, person_id=person_id, display_name=None, now=now
    )
    await repository.put_quiet_hours(
        conn, college=college, person_id=person_id, window=window, now=now
    )


async def set_digest_window(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    window: str | None,
    now: datetime,
) -> None:
    """Set ("daily 20:00", "weekly fri 18:30") or forget (None: back to the default) the
    window; messages already waiting go at the new time."""
    parsed = parse_window(window, field="window") if window is not None else None
    await repository.ensure_person(
        conn, college=college, person_id=person_id, display_name=None, now=now
    )
    await repository.put_digest_window(
        conn, college=college, person_id=person_id, window=parsed, now=now
    )
    waiting = await repository.waiting_for_digest(
        conn, college=college, person_id=person_id, until=None
    )
    if waiting:
        await arm_digest(conn, college=college, person_id=person_id, now=now)


async def set_locale_and_zone(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    locale: str | None = None,
    time_zone: str | None = None,
    now: datetime,
) -> None:
    if locale is not None:
        check_locale(locale)
    if time_zone is not None:
        zone_named(time_zone)
    await repository.set_locale_and_zone(
        conn, college=college, person_id=person_id, locale=locale, time_zone=time_zone, now=now
    )
    if time_zone is not None and await repository.waiting_for_digest(
        conn, college=college, person_id=person_id, until=None
    ):
        await arm_digest(conn, college=college, person_id=person_id, now=now)


async def remove_contact_point(
    conn: asyncpg.Connection, *, college: str, person_id: str, channel: str
) -> None:
    _contact_channel(channel)
    if not await repository.delete_contact_point(
        conn, college=college, person_id=person_id, channel=channel
    ):
        raise NotFound("contact point", channel)
