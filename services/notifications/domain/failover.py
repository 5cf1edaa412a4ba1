"""Failover: which channels a message may try, in order, and where it goes when a
channel gives up on it.

Each kind has a failover *policy* (its default in the kinds table, `domain/kinds.py`;
an operator may override it per kind with `NOTIFICATIONS_FAILOVER_BY_KIND`):

- `person`: down the person's chosen channels for the kind's category (e.g.
  sms -> email -> inapp), the ones they can be reached on;
- `every`: every channel the person can be reached on: their own order for the category
  first (when they chose one), then the rest in the order sms, im, email, inapp;
- `none`: no failover beyond the first outside channel of the person's path (the inbox
  notice, when in-app is on their path, is written at once all the same: it is not a
  failover step);
- a fixed order (`sms>email>inapp`): those channels the person can be reached on, in that
  order, whatever they chose for the category.

In-app needs no contact point and is always possible: a path left empty falls back to
('inapp',). The policy shapes the path when the message is planned; the record keeps it
(`messages.channels`). The next channel after a failure is the first one after the
failed one on that path that the message has not tried yet; the in-app inbox counts as
tried once its notice is written (at the start when it is on the path).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

INAPP = "inapp"
CHANNELS = (INAPP, "email", "sms", "im")
# `every` tries the channels the person did not put first in this order.
EVERY_ORDER = ("sms", "im", "email", INAPP)
SETTING = "NOTIFICATIONS_FAILOVER_BY_KIND"


class FailoverMode(StrEnum):
    PERSON = "person"
    EVERY = "every"
    NONE = "none"
    FIXED = "fixed"


@dataclass(frozen=True)
class FailoverPolicy:
    mode: FailoverMode
    order: tuple[str, ...] = ()  # the fixed order (FIXED only)

    def __post_init__(self) -> None:
        if (self.mode is FailoverMode.FIXED) != bool(self.order):
            raise ValueError("a fixed failover order, and only it, names its channels")
        unknown = [c for c in self.order if c not in CHANNELS]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a channel ({', '.join(CHANNELS)})")
        if len(set(self.order)) != len(self.order):
            raise ValueError("a channel may appear once in a failover order")

    def __str__(self) -> str:
        return ">".join(self.order) if self.mode is FailoverMode.FIXED else self.mode.value


PERSONS_PATH = FailoverPolicy(FailoverMode.PERSON)
EVERY_REACHABLE = FailoverPolicy(FailoverMode.EVERY)
FIRST_CHANNEL_ONLY = FailoverPolicy(FailoverMode.NONE)


def fixed_order(*channels: str) -> FailoverPolicy:
    return FailoverPolicy(FailoverMode.FIXED, tuple(channels))


def delivery_path(
    policy: FailoverPolicy, chosen: Sequence[str], reachable: Collection[str]
) -> tuple[str, ...]:
    """The channels a message tries, in order, under `policy`, for a person who chose
    `chosen` for the category (() when they chose nothing, for `every`) and can be
    reached on `reachable` (their contact points' channels)."""

    def can(channel: str) -> bool:
        return channel == INAPP or channel in reachable

    own = [str(c) for c in chosen if can(c)]
    if policy.mode is FailoverMode.EVERY:
        path = own + [c for c in EVERY_ORDER if c not in own and can(c)]
    elif policy.mode is FailoverMode.NONE:
        first = next((c for c in own if c != INAPP), None)
        path = [c for c in own if c in (INAPP, first)]
    elif policy.mode is FailoverMode.FIXED:
        path = [c for c in policy.order if can(c)]
    else:
        path = own
    return tuple(path) or (INAPP,)


def next_channel(path: Sequence[str], failed: str, *, tried: Sequence[str]) -> str | None:
    """The channel after `failed` on `path` not yet in `tried`; None at the end."""
    after = list(path[path.index(failed) + 1 :]) if failed in path else list(path)
    return next((channel for channel in after if channel not in tried), None)


# --- the operator's override: NOTIFICATIONS_FAILOVER_BY_KIND ---------------------------


class BadFailoverSetting(ValueError):
    pass


def parse_policy(text: str) -> FailoverPolicy:
    """`person`, `every`, `none` or a fixed order `sms>email>inapp` (ValueError else)."""
    value = text.strip().lower()
    if value in (FailoverMode.PERSON, FailoverMode.EVERY, FailoverMode.NONE):
        return FailoverPolicy(FailoverMode(value))
    channels = tuple(part.strip() for part in value.split(">"))
    if not value or "" in channels:
        raise ValueError(f"{text!r} is not a failover policy (person, every, none or a>b>c)")
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        hint = "; a policy is person, every, none or a>b>c" if len(channels) == 1 else ""
        raise ValueError(f"{unknown[0]!r} is not a channel ({', '.join(CHANNELS)}){hint}")
    return fixed_order(*channels)


def parse_failover_by_kind(
    text: str, *, kinds: Collection[str], critical: Collection[str] = ()
) -> dict[str, FailoverPolicy]:
    """`kind=policy;kind=policy` -> {kind: policy}; empty text -> {}.

    Refused (BadFailoverSetting naming the setting, the entry and what is wrong): an
    entry without `=`, a kind not in `kinds`, a kind given twice, a policy that does not
    parse (an unknown channel, a channel twice), `none` for a critical kind (critical
    kinds must be able to fail over)."""
    policies: dict[str, FailoverPolicy] = {}
    for entry in (part.strip() for part in text.split(";")):
        if not entry:
            continue
        name, equals, value = (part.strip() for part in entry.partition("="))
        if not equals or not name:
            raise BadFailoverSetting(f"{SETTING}: {entry!r} is not kind=policy")
        if name not in kinds:
            close = difflib.get_close_matches(name, list(kinds), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise BadFailoverSetting(
                f"{SETTING}: {name!r} is not a notification kind{hint} in {entry!r}"
            )
        if name in policies:
            raise BadFailoverSetting(f"{SETTING}: the kind {name!r} is given twice")
        try:
            policy = parse_policy(value)
        except ValueError as bad:
            raise BadFailoverSetting(f"{SETTING}: {bad} in {entry!r}") from None
        one_channel = policy.mode is FailoverMode.FIXED and len(policy.order) < 2
        if name in critical and (policy.mode is FailoverMode.NONE or one_channel):
            raise BadFailoverSetting(
                f"{SETTING}: {name!r} is critical and must be able to fail over to a second"
                f" channel ({entry!r})"
            )
        policies[name] = policy
    return policies


def effective_policy(
    kind: str, default: FailoverPolicy, overrides: Mapping[str, FailoverPolicy] | None
) -> FailoverPolicy:
    """The operator's override for `kind` when there is one, else the kind's default."""
    return (overrides or {}).get(kind, default)
