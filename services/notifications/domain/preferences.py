"""What a person chose, and the decision it gives for one message: its delivery plan.

Per category a person chooses the channels in failover order (e.g. sms -> email -> inapp),
whether the category is on, what quiet hours do to it (hold until the window ends, or
drop) and whether it waits for their digest. The decision, `plan`, is pure:

1. a critical kind (safety: incidents, dropout cases) is always sent, at once; quiet
   hours, switches and digests do not apply;
2. a category switched off: dropped;
3. a digest category: left for the digest (never the digest itself); a kind that comes
   in bursts (`Kind.digested`, e.g. school_lesson_scheduled) is left for the digest
   too unless the person chose otherwise for its category;
4. inside quiet hours: held until the window ends, or dropped, as chosen;
5. otherwise sent.

The failover path (`DeliveryPlan.channels`) follows the kind's failover policy
(`domain/failover.py`; the kind's default, or the operator's override handed in):
`person` (most kinds) the chosen channels the person has a contact point for; `every`
(critical kinds) every channel they can be reached on, their chosen order first, then
sms, im, email, inapp; `none` the first outside channel of their path only; or a fixed
order.

Defaults when a person chose nothing for a category: in-app, plus email when they have
an email contact point; on; hold in quiet hours; no digest. A person without quiet hours
has none; locale zh-CN, time zone Asia/Shanghai. In-app is always possible: a path left
empty by missing contact points falls back to ('inapp',).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo

from services.notifications.domain.failover import (
    EVERY_ORDER,
    FailoverMode,
    FailoverPolicy,
    delivery_path,
)
from services.notifications.domain.kinds import Category, Kind
from services.notifications.domain.quiet_hours import QuietHours
from shared.rules import RuleBroken

DEFAULT_LOCALE = "zh-CN"
LOCALES = ("zh-CN", "en")


class Channel(StrEnum):
    INAPP = "inapp"
    EMAIL = "email"
    SMS = "sms"
    IM = "im"


# Channels reached through a contact point (in-app needs none).
CONTACT_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.IM)
# A critical message (failover `every`) tries these in this order after the person's
# own choice.
CRITICAL_ORDER = tuple(Channel(c) for c in EVERY_ORDER)


class QuietHandling(StrEnum):
    HOLD = "hold"
    DROP = "drop"


Action = Literal["send", "hold", "drop", "digest"]
DropReason = Literal["switched_off", "quiet_hours"]


@dataclass(frozen=True)
class CategoryPreference:
    category: Category
    channels: tuple[Channel, ...]
    enabled: bool = True
    quiet: QuietHandling = QuietHandling.HOLD
    digest: bool = False

    def __post_init__(self) -> None:
        check_category_preference(self)


def critical_category(category: Category) -> bool:
    return category is Category.SAFETY


def check_category_preference(pref: CategoryPreference, *, field: str = "") -> None:
    """Refuse a choice that cannot be: no channel, a channel twice, a critical one off."""
    at = f"{field}." if field else ""
    if not pref.channels:
        raise RuleBroken(
            "no_channel", field=f"{at}channels", message="choose at least one channel", invalid=True
        )
    if len(set(pref.channels)) != len(pref.channels):
        raise RuleBroken(
            "channel_twice",
            field=f"{at}channels",
            message="a channel may appear once in the failover order",
            invalid=True,
        )
    if critical_category(pref.category) and not pref.enabled:
        raise RuleBroken(
            "critical_cannot_be_switched_off",
            field=f"{at}enabled",
            message=f"{pref.category} notifications are critical and cannot be switched off",
            invalid=True,
        )
    if critical_category(pref.category) and pref.digest:
        raise RuleBroken(
            "critical_not_digested",
            field=f"{at}digest",
            message=f"{pref.category} notifications are critical: they never wait for a digest",
            invalid=True,
        )


def category_preference(
    category: Category,
    channels: tuple[Channel, ...],
    *,
    enabled: bool,
    quiet: QuietHandling,
    digest: bool,
    field: str,
) -> CategoryPreference:
    """A choice made through a form: refused, naming `field`.<what>, if it cannot be."""
    try:
        return CategoryPreference(category, channels, enabled, quiet, digest)
    except RuleBroken as refused:
        raise RuleBroken(
            refused.rule, field=f"{field}.{refused.field}", message=refused.message, invalid=True
        ) from None


def default_preference(category: Category, reachable: Collection[str]) -> CategoryPreference:
    """What a category does for a person who chose nothing for it."""
    channels: tuple[Channel, ...] = (Channel.INAPP,)
    if Channel.EMAIL in reachable:
        channels = (Channel.INAPP, Channel.EMAIL)
    return CategoryPreference(category, channels)


@dataclass(frozen=True)
class DeliveryPlan:
    """What to do with one message now: `channels` is the failover path."""

    action: Action
    channels: tuple[str, ...]
    hold_until: datetime | None
    locale: str
    time_zone: str
    # Why a message is dropped: its category is switched off, or quiet hours that drop
    # it; None for every other action.
    reason: DropReason | None = None


def plan(
    *,
    kind: Kind,
    preference: CategoryPreference | None,
    reachable: Collection[str],
    quiet_hours: QuietHours | None,
    zone: ZoneInfo,
    locale: str,
    now: datetime,
    failover: FailoverPolicy | None = None,
) -> DeliveryPlan:
    """The decision for one message of `kind` to a person reachable on `reachable`
    (their contact points' channels) with their `preference` for its category; the path
    follows `failover` (None: the kind's own policy)."""
    chosen = preference or default_preference(kind.category, reachable)
    policy = failover or kind.failover
    # `every` puts first only what the person chose themselves (nothing: its own order).
    own = preference.channels if preference else ()
    path = list(
        delivery_path(
            policy, own if policy.mode is FailoverMode.EVERY else chosen.channels, reachable
        )
    )
    zone_name = zone.key

    def decided(
        action: Action,
        channels: Sequence[str],
        until: datetime | None = None,
        reason: DropReason | None = None,
    ) -> DeliveryPlan:
        return DeliveryPlan(
            action, tuple(str(c) for c in channels), until, locale, zone_name, reason
        )

    if kind.critical:
        return decided("send", path)
    if not chosen.enabled:
        return decided("drop", (), reason="switched_off")
    # Left for the digest: as the person chose for the category, else as the kind says.
    digested = preference.digest if preference is not None else kind.digested
    if digested and kind.name != "digest":
        return decided("digest", path)
    if quiet_hours is not None:
        until = quiet_hours.window_end(now, zone)
        if until is not None:
            if chosen.quiet is QuietHandling.DROP:
                return decided("drop", path, reason="quiet_hours")
            return decided("hold", path, until)
    return decided("send", path)


# --- contact points -----------------------------------------------------------------

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
# Apprise URL schemes of the IM bots a person may give: DingTalk, WeCom, Feishu (and
# lark://, Apprise's other name for the Feishu plugin).
IM_SCHEMES = ("dingtalk", "wecombot", "feishu", "lark")


def _bad_address(rule: str, message: str) -> RuleBroken:
    return RuleBroken(rule, field="address", message=message, invalid=True)


def _bot_url(text: str) -> SplitResult | None:
    if len(text) > 2000 or not text.isascii() or not text.isprintable() or " " in text:
        return None
    try:
        return urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None


def normalise_address(channel: Channel, address: str) -> str:
    """The address as stored, or refused naming `address`.

    email: a syntactically valid address (at most 254 characters); sms: a mainland mobile
    number, 11 digits starting with 1, optionally after +86, stored as +86XXXXXXXXXXX;
    im: an Apprise URL of a DingTalk, WeCom or Feishu bot (dingtalk://, wecombot://,
    feishu:// or lark://) with a token.
    """
    text = address.strip()
    if channel is Channel.EMAIL:
        if len(text) > 254 or not _EMAIL.match(text) or len(text.split("@")[0]) > 64:
            raise _bad_address("bad_email", f"{address!r} is not an email address")
        return text
    if channel is Channel.SMS:
        match = _MOBILE.match(re.sub(r"[\s-]", "", text))
        if match is None:
            raise _bad_address(
                "bad_mobile_number",
                f"{address!r} is not a mobile number (11 digits starting with 1, +86 optional)",
            )
        return f"+86{match.group(1)}"
    if channel is Channel.IM:
        parts = _bot_url(text)
        if parts is None or parts.scheme.lower() not in IM_SCHEMES or not parts.netloc:
            raise _bad_address(
                "bad_im_url",
                f"{address!r} is not a bot URL: use dingtalk://, wecombot:// or feishu://",
            )
        return text
    raise RuleBroken(
        "no_contact_point",
        field="channel",
        message=f"{channel} needs no contact point",
        invalid=True,
    )


def check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise RuleBroken(
            "unknown_locale",
            field="locale",
            message=f"{locale!r} is not a locale here ({', '.join(LOCALES)})",
            invalid=True,
        )
    return locale
