"""A person's own notification choices, under /api/notifications/me: nobody else's.

Every change answers the person's whole choices as they now stand (PreferencesView).
Bad input is refused with a 422 naming the field, and nothing changes.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
from fastapi import APIRouter

from services.notifications.api.common import ME
from services.notifications.schemas.preferences import (
    ContactPointIn,
    DigestWindowIn,
    LocaleIn,
    PreferencesIn,
    PreferencesView,
    QuietHoursIn,
    TimeZoneIn,
)
from services.notifications.service import preferences as service
from shared.web.auth import CurrentPrincipal, Principal
from shared.web.dependencies import Now, ReadOnly, Transaction
from shared.web.problems import Problem

router = APIRouter(prefix=ME, tags=["preferences"])


def _own(principal: Principal) -> tuple[str, str]:
    """The caller's college and person id (their preferences are theirs only)."""
    if principal.college is None:
        raise Problem.forbidden("notification preferences belong to a person of a college")
    return principal.college, principal.user_id


async def _view(conn: asyncpg.Connection, principal: Principal, now: datetime) -> PreferencesView:
    college, person_id = _own(principal)
    mine = await service.my_preferences(conn, college=college, person_id=person_id, now=now)
    return PreferencesView.of(mine)


@router.get("/preferences", summary="My notification preferences (defaults where unchosen)")
async def my_preferences(principal: CurrentPrincipal, conn: ReadOnly, now: Now) -> PreferencesView:
    return await _view(conn, principal, now)


@router.put("/preferences", summary="Choose channels, on/off, quiet handling, digest per category")
async def choose_preferences(
    body: PreferencesIn, principal: CurrentPrincipal, conn: Transaction, now: Now
) -> PreferencesView:
    college, person_id = _own(principal)
    choices = [choice.to_domain(index) for index, choice in enumerate(body.categories)]
    await service.choose(conn, college=college, person_id=person_id, choices=choices, now=now)
    return await _view(conn, principal, now)


@router.put("/quiet-hours", summary="Set my quiet hours (in my time zone)")
async def set_quiet_hours(
    body: QuietHoursIn, principal: CurrentPrincipal, conn: Transaction, now: Now
) -> PreferencesView:
    college, person_id = _own(principal)
    await service.set_quiet_hours(
        conn, college=college, person_id=person_id, starts=body.starts, ends=body.ends, now=now
    )
    return await _view(conn, principal, now)


@router.delete("/quiet-hours", summary="Have no quiet hours")
async def clear_quiet_hours(
    principal: CurrentPrincipal, conn: Transaction, now: Now
) -> PreferencesView:
    college, person_id = _own(principal)
    await service.set_quiet_hours(
        conn, college=college, person_id=person_id, starts=None, ends=None, now=now
    )
    return await _view(conn, principal, now)


@router.put("/digest-window", summary="When my digest goes out ('daily 20:00', 'weekly fri 18:30')")
async def set_digest_window(
    body: DigestWindowIn, principal: CurrentPrincipal, conn: Transaction, now: Now
) -> PreferencesView:
    college, person_id = _own(principal)
    await service.set_digest_window(
        conn, college=college, person_id=person_id, window=body.window, now=now
    )
    return await _view(conn, principal, now)


@router.delete("/digest-window", summary="Back to the default digest window (daily 20:00)")
async def clear_digest_window(
    principal: CurrentPrincipal, conn: Transaction, now: Now
) -> PreferencesView:
    college, person_id = _own(principal)
    await service.set_digest_window(
        conn, college=college, person_id=person_id, window=None, now=now
    )
    return await _view(conn, principal, now)


@router.put("/contact-points/{channel}", summary="Where I am reached on email, sms or im")
async def set_contact_point(
    channel: str, body: ContactPointIn, principal: CurrentPrincipal, conn: Transaction, now: Now
) -> PreferencesView:
    college, person_id = _own(principal)
    await service.set_contact_point(
        conn, college=college, person_id=person_id, channel=channel, address=body.address, now=now
    )
    return await _view(conn, principal, now)


@router.delete("/contact-points/{channel}", summary="No longer reach me on this channel")
async def remove_contact_point(
    channel: str, principal: CurrentPrincipal, conn: Transaction, now: Now
) -> PreferencesView:
    college, person_id = _own(principal)
    await service.remove_contact_point(conn, college=college, person_id=person_id, channel=channel)
    return await _view(conn, principal, now)


@router.put("/locale", summary="The language my notifications are written in (zh-CN, en)")
async def set_locale(
    body: LocaleIn, principal: CurrentPrincipal, conn: Transaction, now: Now
) -> PreferencesView:
    college, person_id = _own(principal)
    await service.set_locale_and_zone(
        conn, college=college, person_id=person_id, locale=body.locale, now=now
    )
    return await _view(conn, principal, now)


@router.put("/time-zone", summary="My IANA time zone (quiet hours and digests follow it)")
async def set_time_zone(
    body: TimeZoneIn, principal: CurrentPrincipal, conn: Transaction, now: Now
) -> PreferencesView:
    college, person_id = _own(principal)
    await service.set_locale_and_zone(
        conn, college=college, person_id=person_id, time_zone=body.time_zone, now=now
    )
    return await _view(conn, principal, now)
