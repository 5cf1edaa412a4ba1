"""The delivery decision: preferences per category, critical bypass, hold or drop, digests."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain.kinds import KINDS, Category
from services.notifications.domain.preferences import (
    CategoryPreference,
    Channel,
    DeliveryPlan,
    QuietHandling,
    check_locale,
    normalise_address,
    plan,
)
from services.notifications.domain.quiet_hours import QuietHours
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours(time(22, 0), time(7, 0))
AT_23 = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
AT_NOON = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
MORNING = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)  # 07:00 next day in Shanghai
EVERYWHERE = {"email", "sms", "im"}


def decide(
    kind: str,
    preference: CategoryPreference | None = None,
    *,
    reachable: set[str] | None = None,
    quiet: QuietHours | None = NIGHT,
    now: datetime = AT_NOON,
    locale: str = "zh-CN",
) -> DeliveryPlan:
    return plan(
        kind=KINDS[kind],
        preference=preference,
        reachable=EVERYWHERE if reachable is None else reachable,
        quiet_hours=quiet,
        zone=SHANGHAI,
        locale=locale,
        now=now,
    )


def duty(*channels: Channel, **choices: object) -> CategoryPreference:
    return CategoryPreference(Category.DUTY, channels, **choices)  # type: ignore[arg-type]


def test_defaults_in_app_and_email_when_the_person_has_an_email() -> None:
    assert decide("shift_assigned").channels == ("inapp", "email")
    assert decide("shift_assigned", reachable={"sms"}).channels == ("inapp",)
    only_inapp = decide("shift_assigned", reachable=set())
    assert only_inapp == DeliveryPlan("send", ("inapp",), None, "zh-CN", "Asia/Shanghai")


def test_the_chosen_order_is_the_failover_path_without_unreachable_channels() -> None:
    chosen = duty(Channel.SMS, Channel.EMAIL, Channel.INAPP)
    assert decide("shift_assigned", chosen).channels == ("sms", "email", "inapp")
    assert decide("shift_assigned", chosen, reachable={"email"}).channels == ("email", "inapp")


def test_a_path_left_empty_by_missing_contact_points_falls_back_to_in_app() -> None:
    assert decide("shift_assigned", duty(Channel.SMS), reachable=set()).channels == ("inapp",)


def test_a_category_switched_off_drops_its_messages() -> None:
    off = duty(Channel.EMAIL, enabled=False)
    dropped = decide("shift_assigned", off)
    assert dropped.action == "drop" and dropped.channels == ()
    # ... and not the other categories'.
    assert decide("meeting_scheduled", None).action == "send"


def test_quiet_hours_hold_until_the_window_ends_by_default() -> None:
    held = decide("shift_assigned", now=AT_23)
    assert held.action == "hold" and held.hold_until == MORNING
    assert held.channels == ("inapp", "email")


def test_quiet_hours_drop_when_the_person_chose_drop_for_the_category() -> None:
    drop = duty(Channel.INAPP, quiet=QuietHandling.DROP)
    assert decide("shift_assigned", drop, now=AT_23).action == "drop"
    assert decide("shift_assigned", drop, now=AT_NOON).action == "send"
    # Another category keeps holding.
    assert decide("meeting_scheduled", now=AT_23).action == "hold"


def test_without_quiet_hours_nothing_is_held() -> None:
    assert decide("shift_assigned", quiet=None, now=AT_23).action == "send"


def test_critical_kinds_bypass_quiet_hours_on_every_channel_sms_first() -> None:
    for kind in ("incident_alert", "return_to_school_notice", "dropout_escalated"):
        urgent = decide(kind, now=AT_23)
        assert urgent.action == "send" and urgent.hold_until is None
        assert urgent.channels == ("sms", "im", "email", "inapp")


def test_critical_kinds_keep_the_persons_order_first_then_every_other_channel() -> None:
    mine = CategoryPreference(Category.SAFETY, (Channel.EMAIL,), quiet=QuietHandling.DROP)
    urgent = decide("incident_alert", mine, now=AT_23)
    assert urgent.action == "send"
    assert urgent.channels == ("email", "sms", "im", "inapp")
    assert decide("incident_alert", mine, reachable={"sms"}).channels == ("sms", "inapp")


def test_a_critical_category_cannot_be_switched_off_nor_digested() -> None:
    with pytest.raises(RuleBroken) as off:
        CategoryPreference(Category.SAFETY, (Channel.SMS,), enabled=False)
    assert off.value.rule == "critical_cannot_be_switched_off" and off.value.field == "enabled"
    with pytest.raises(RuleBroken) as digested:
        CategoryPreference(Category.SAFETY, (Channel.SMS,), digest=True)
    assert digested.value.field == "digest"


def test_a_preference_needs_a_channel_and_each_once() -> None:
    with pytest.raises(RuleBroken) as none:
        duty()
    assert none.value.field == "channels"
    with pytest.raises(RuleBroken) as twice:
        duty(Channel.SMS, Channel.SMS)
    assert twice.value.rule == "channel_twice"


def test_digest_categories_wait_for_the_digest_even_in_quiet_hours() -> None:
    digested = duty(Channel.EMAIL, digest=True)
    assert decide("shift_assigned", digested).action == "digest"
    assert decide("shift_assigned", digested, now=AT_23).action == "digest"


def test_the_digest_itself_is_never_digested_but_may_be_held() -> None:
    reminders = CategoryPreference(Category.REMINDERS, (Channel.EMAIL,), digest=True)
    assert decide("shift_reminder", reminders).action == "digest"
    assert decide("digest", reminders).action == "send"
    assert decide("digest", reminders, now=AT_23).action == "hold"


def test_a_switched_off_category_wins_over_its_digest() -> None:
    assert decide("shift_assigned", duty(Channel.EMAIL, enabled=False, digest=True)).action == (
        "drop"
    )


def test_the_plan_carries_the_persons_locale_and_zone() -> None:
    english = decide("shift_assigned", locale="en")
    assert english.locale == "en" and english.time_zone == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("address", "stored"),
    [
        ("wang.fang@example.edu.cn", "wang.fang@example.edu.cn"),
        (" li+duty@xx.org ", "li+duty@xx.org"),
    ],
)
def test_email_addresses(address: str, stored: str) -> None:
    assert normalise_address(Channel.EMAIL, address) == stored


@pytest.mark.parametrize("address", ["wang", "wang@", "@example.com", "a b@c.cn", "x@y", ""])
def test_bad_email_addresses_are_refused_naming_the_address(address: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        normalise_address(Channel.EMAIL, address)
    assert refused.value.field == "address" and refused.value.rule == "bad_email"


@pytest.mark.parametrize("number", ["13812345678", "+8613812345678", "+86 138-1234-5678"])
def test_mobile_numbers_are_stored_with_the_country_code(number: str) -> None:
    assert normalise_address(Channel.SMS, number) == "+8613812345678"


@pytest.mark.parametrize("number", ["1381234567", "23812345678", "+1 2025550123", "138123456789"])
def test_bad_mobile_numbers_are_refused(number: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        normalise_address(Channel.SMS, number)
    assert refused.value.rule == "bad_mobile_number"


@pytest.mark.parametrize(
    "url",
    ["dingtalk://token123", "dingtalk://secret@token/", "wecombot://k", "feishu://t/", "lark://t"],
)
def test_im_bot_urls_of_the_three_platforms(url: str) -> None:
    assert normalise_address(Channel.IM, url) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://oapi.dingtalk.com/robot",
        "slack://a/b/c",
        "dingtalk://",
        "wecombot",
        "dingtalk://[abc",
        "feishu://tök",
        "feishu://a b",
    ],
)
def test_other_im_urls_are_refused(url: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        normalise_address(Channel.IM, url)
    assert refused.value.rule == "bad_im_url"


def test_in_app_needs_no_contact_point_and_locales_are_zh_cn_or_en() -> None:
    with pytest.raises(RuleBroken):
        normalise_address(Channel.INAPP, "anything")
    assert check_locale("en") == "en"
    with pytest.raises(RuleBroken) as refused:
        check_locale("fr")
    assert refused.value.field == "locale"


def test_a_kind_that_comes_in_bursts_waits_for_the_digest_unless_the_person_chose() -> None:
    # A published timetable tells a school's contact of every lesson: by default one
    # digest, not a message a lesson; the person's own choice for the category wins.
    assert decide("school_lesson_scheduled", quiet=None).action == "digest"
    assert decide("lesson_assigned", quiet=None).action == "send"  # the volunteer's own
    teaching = CategoryPreference(Category.TEACHING, (Channel.EMAIL, Channel.INAPP))
    assert decide("school_lesson_scheduled", teaching, quiet=None).action == "send"
    digest = CategoryPreference(Category.TEACHING, (Channel.INAPP,), digest=True)
    assert decide("lesson_assigned", digest, quiet=None).action == "digest"
