"""Failover per kind: the kinds table's defaults, the operator's overrides
(NOTIFICATIONS_FAILOVER_BY_KIND, checked at start-up) and the path each gives a message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from services.notifications.domain.failover import (
    EVERY_REACHABLE,
    FIRST_CHANNEL_ONLY,
    PERSONS_PATH,
    BadFailoverSetting,
    FailoverMode,
    FailoverPolicy,
    delivery_path,
    fixed_order,
    next_channel,
    parse_policy,
)
from services.notifications.domain.kinds import KINDS, Category, failover_by_kind, failover_of
from services.notifications.domain.preferences import CategoryPreference, Channel, plan
from services.notifications.settings import NotificationsSettings

pytestmark = pytest.mark.unit

EVERYWHERE = {"email", "sms", "im"}
NOON = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


def path_of(
    kind: str,
    preference: CategoryPreference | None,
    *,
    reachable: set[str] | None = None,
    failover: FailoverPolicy | None = None,
) -> tuple[str, ...]:
    decided = plan(
        kind=KINDS[kind],
        preference=preference,
        reachable=EVERYWHERE if reachable is None else reachable,
        quiet_hours=None,
        zone=ZoneInfo("Asia/Shanghai"),
        locale="zh-CN",
        now=NOON,
        failover=failover,
    )
    assert decided.action == "send"
    return decided.channels


def chose(category: Category, *channels: Channel) -> CategoryPreference:
    return CategoryPreference(category, channels)


SMS_EMAIL_INAPP = (Channel.SMS, Channel.EMAIL, Channel.INAPP)


# --- the kinds table's defaults ----------------------------------------------------------


def test_critical_kinds_fail_over_through_every_channel_and_most_down_the_persons_path() -> None:
    for kind in KINDS.values():
        if kind.critical:
            assert kind.failover == EVERY_REACHABLE, kind.name
    assert KINDS["shift_assigned"].failover == PERSONS_PATH
    assert KINDS["meeting_scheduled"].failover == PERSONS_PATH
    # An offer to every eligible member goes no further than their first channel.
    assert KINDS["shift_offered"].failover == FIRST_CHANNEL_ONLY


def test_the_persons_path_is_their_chosen_order_where_they_can_be_reached() -> None:
    duty = chose(Category.DUTY, *SMS_EMAIL_INAPP)
    assert path_of("shift_assigned", duty) == ("sms", "email", "inapp")
    assert path_of("shift_assigned", duty, reachable={"email"}) == ("email", "inapp")


def test_a_critical_kind_tries_every_reachable_channel_the_persons_own_first() -> None:
    assert path_of("incident_alert", None) == ("sms", "im", "email", "inapp")
    safety = chose(Category.SAFETY, Channel.EMAIL)
    assert path_of("incident_alert", safety) == ("email", "sms", "im", "inapp")
    assert path_of("incident_alert", safety, reachable={"sms"}) == ("sms", "inapp")


def test_an_offer_stops_at_the_first_outside_channel_keeping_the_inbox() -> None:
    duty = chose(Category.DUTY, *SMS_EMAIL_INAPP)
    assert path_of("shift_offered", duty) == ("sms", "inapp")
    assert path_of("shift_offered", chose(Category.DUTY, Channel.EMAIL, Channel.SMS)) == ("email",)
    # Not reachable by SMS: email is the first outside channel then.
    assert path_of("shift_offered", duty, reachable={"email"}) == ("email", "inapp")
    assert path_of("shift_offered", duty, reachable=set()) == ("inapp",)


# --- a policy handed in (the operator's) -------------------------------------------------


def test_a_fixed_order_replaces_the_persons_order_keeping_only_reachable_channels() -> None:
    inapp_only = chose(Category.DUTY, Channel.INAPP)
    order = fixed_order("im", "sms", "inapp")
    assert path_of("shift_changed", inapp_only, failover=order) == ("im", "sms", "inapp")
    assert path_of("shift_changed", inapp_only, reachable={"sms"}, failover=order) == (
        "sms",
        "inapp",
    )
    # Nothing of the order reachable: the inbox.
    assert path_of("shift_changed", None, reachable=set(), failover=fixed_order("sms")) == (
        "inapp",
    )


def test_every_and_none_handed_in_override_the_kinds_default() -> None:
    duty = chose(Category.DUTY, Channel.EMAIL, Channel.INAPP)
    assert path_of("shift_assigned", duty, failover=EVERY_REACHABLE) == (
        "email",
        "inapp",
        "sms",
        "im",
    )
    assert path_of("shift_assigned", duty, failover=FIRST_CHANNEL_ONLY) == ("email", "inapp")
    assert path_of("shift_offered", duty, failover=PERSONS_PATH) == ("email", "inapp")


def test_the_next_channel_follows_the_policys_path() -> None:
    path = delivery_path(fixed_order("sms", "email", "inapp"), (), {"sms", "email"})
    assert next_channel(path, "sms", tried=("inapp", "sms")) == "email"
    none = delivery_path(FIRST_CHANNEL_ONLY, ("sms", "email"), {"sms", "email"})
    assert none == ("sms",)
    assert next_channel(none, "sms", tried=("sms",)) is None


def test_a_policy_reads_and_prints_the_same() -> None:
    for text in ("person", "every", "none", "sms>email>inapp", "email"):
        assert str(parse_policy(text)) == text
    assert parse_policy(" SMS > Email ") == fixed_order("sms", "email")
    with pytest.raises(ValueError, match="channel"):
        FailoverPolicy(FailoverMode.FIXED, ("fax",))
    with pytest.raises(ValueError):
        FailoverPolicy(FailoverMode.PERSON, ("sms",))


# --- NOTIFICATIONS_FAILOVER_BY_KIND ------------------------------------------------------


def test_the_operators_overrides_are_parsed_per_kind() -> None:
    overrides = failover_by_kind(
        "shift_changed=sms>email>inapp; shift_offered=person ;digest=none;"
    )
    assert overrides == {
        "shift_changed": fixed_order("sms", "email", "inapp"),
        "shift_offered": PERSONS_PATH,
        "digest": FIRST_CHANNEL_ONLY,
    }
    assert failover_of(KINDS["shift_changed"], overrides) == fixed_order("sms", "email", "inapp")
    assert failover_of(KINDS["shift_assigned"], overrides) == PERSONS_PATH
    assert failover_of(KINDS["incident_alert"], None) == EVERY_REACHABLE
    assert failover_by_kind("") == {} and failover_by_kind(" ; ") == {}
    assert str(failover_by_kind("incident_alert=sms>inapp")["incident_alert"]) == "sms>inapp"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("shift_chnaged=sms", "'shift_chnaged' is not a notification kind (did you mean"),
        ("no_such_kind=none", "'no_such_kind' is not a notification kind"),
        ("shift_changed=sms>fax>inapp", "'fax' is not a channel"),
        ("shift_changed=always", "'always' is not a channel"),
        ("shift_changed=sms>>email", "is not a failover policy"),
        ("shift_changed=", "is not a failover policy"),
        ("shift_changed=sms>email>sms", "once"),
        ("shift_changed", "is not kind=policy"),
        ("shift_changed=none;shift_changed=every", "given twice"),
        ("incident_alert=none", "'incident_alert' is critical"),
        ("incident_alert=sms", "'incident_alert' is critical"),  # one channel: no failover
    ],
)
def test_a_bad_override_is_refused_naming_what_is_wrong(text: str, named: str) -> None:
    with pytest.raises(BadFailoverSetting, match="NOTIFICATIONS_FAILOVER_BY_KIND") as refused:
        failover_by_kind(text)
    assert named in str(refused.value)


LOCAL: dict[str, Any] = {
    "environment": "local",
    "database_url": "postgresql://notifications@127.0.0.1/campusflow",
    "kafka_bootstrap": "127.0.0.1:9092",
    "redis_url": "redis://127.0.0.1:6379/0",
    "jwt_secret": "a-local-secret",
}


def test_the_service_refuses_to_start_with_a_bad_override() -> None:
    with pytest.raises(ValidationError, match="'fax' is not a channel"):
        NotificationsSettings(**LOCAL, failover_by_kind="shift_changed=fax")
    with pytest.raises(ValidationError, match="'shift_chnaged' is not a notification kind"):
        NotificationsSettings(**LOCAL, failover_by_kind="shift_chnaged=none")


def test_the_service_reads_its_overrides_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOTIFICATIONS_FAILOVER_BY_KIND", "meeting_scheduled=im>email")
    settings = NotificationsSettings(**LOCAL)
    assert settings.failover_overrides == {"meeting_scheduled": fixed_order("im", "email")}
