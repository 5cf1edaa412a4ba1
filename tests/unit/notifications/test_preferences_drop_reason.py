"""Why a message is dropped travels with PREFS' plan: switched off or quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain.kinds import KINDS, Category
from services.notifications.domain.preferences import (
    CategoryPreference,
    Channel,
    DeliveryPlan,
    QuietHandling,
    plan,
)
from services.notifications.domain.quiet_hours import QuietHours
from services.notifications.service.messages import drop_reason

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours(time(22, 0), time(7, 0))
AT_23 = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
AT_NOON = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)


def decide(kind: str, preference: CategoryPreference | None, now: datetime) -> DeliveryPlan:
    return plan(
        kind=KINDS[kind],
        preference=preference,
        reachable={"email", "sms", "im"},
        quiet_hours=NIGHT,
        zone=SHANGHAI,
        locale="zh-CN",
        now=now,
    )


def duty(*channels: Channel, **choices: object) -> CategoryPreference:
    return CategoryPreference(Category.DUTY, channels, **choices)  # type: ignore[arg-type]


def test_a_switched_off_category_is_dropped_for_that_reason_at_any_hour() -> None:
    off = duty(Channel.EMAIL, enabled=False)
    for now in (AT_NOON, AT_23):
        dropped = decide("shift_assigned", off, now)
        assert (dropped.action, dropped.reason) == ("drop", "switched_off")
        assert drop_reason(dropped) == "switched_off"


def test_quiet_hours_that_drop_say_so_and_keep_the_path() -> None:
    quiet_drop = duty(Channel.SMS, Channel.EMAIL, quiet=QuietHandling.DROP)
    dropped = decide("shift_assigned", quiet_drop, AT_23)
    assert (dropped.action, dropped.reason) == ("drop", "quiet_hours")
    assert dropped.channels  # a path, yet dropped: the reason is not guessed from it
    assert drop_reason(dropped) == "quiet_hours"


def test_plans_that_are_not_drops_carry_no_reason() -> None:
    held = decide("shift_assigned", duty(Channel.EMAIL), AT_23)
    sent = decide("shift_assigned", duty(Channel.EMAIL), AT_NOON)
    critical = decide("incident_alert", duty(Channel.EMAIL, enabled=False), AT_23)
    digest = decide("shift_assigned", duty(Channel.EMAIL, digest=True), AT_NOON)
    assert [p.action for p in (held, sent, critical, digest)] == ["hold", "send", "send", "digest"]
    assert all(p.reason is None for p in (held, sent, critical, digest))


def test_the_plan_s_reason_wins_over_the_shape_of_its_path() -> None:
    # A switched-off plan that kept a path would have been guessed as quiet hours before.
    switched_off = DeliveryPlan("drop", ("inapp",), None, "zh-CN", "Asia/Shanghai", "switched_off")
    quiet = DeliveryPlan("drop", (), None, "zh-CN", "Asia/Shanghai", "quiet_hours")
    assert drop_reason(switched_off) == "switched_off"
    assert drop_reason(quiet) == "quiet_hours"


@dataclass(frozen=True)
class _PlanWithoutReason:
    action: str
    channels: tuple[str, ...]
    hold_until: datetime | None = None
    locale: str = "zh-CN"
    time_zone: str = "Asia/Shanghai"


def test_a_plan_without_a_reason_is_read_as_before() -> None:
    assert drop_reason(_PlanWithoutReason("drop", ())) == "switched_off"
    assert drop_reason(_PlanWithoutReason("drop", ("inapp",))) == "quiet_hours"
