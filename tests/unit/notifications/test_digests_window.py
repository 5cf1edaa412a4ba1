"""Digest windows: parsing, the next digest time in the person's zone, grouping by kind."""

from __future__ import annotations

from datetime import UTC, datetime, time
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain.digests import (
    DEFAULT_DIGEST_WINDOW,
    Cadence,
    DigestedMessage,
    DigestWindow,
    digest_items,
    parse_window,
    period_label,
)
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_daily_at_20_in_shanghai() -> None:
    daily = parse_window("daily 20:00")
    assert daily == DigestWindow(Cadence.DAILY, time(20, 0)) == DEFAULT_DIGEST_WINDOW
    assert daily.next_at(utc(2026, 11, 29, 4, 0), SHANGHAI) == utc(2026, 11, 29, 12, 0)
    # At 20:00 sharp the next one is tomorrow's: a digest time is strictly after `now`.
    assert daily.next_at(utc(2026, 11, 29, 12, 0), SHANGHAI) == utc(2026, 11, 30, 12, 0)
    assert daily.next_at(utc(2026, 11, 29, 13, 0), SHANGHAI) == utc(2026, 11, 30, 12, 0)


def test_weekly_on_a_named_day() -> None:
    friday = parse_window("  Weekly FRI 18:30 ")
    assert friday == DigestWindow(Cadence.WEEKLY, time(18, 30), 4)
    assert str(friday) == "weekly fri 18:30"
    # 2026-11-29 is a Sunday: the next Friday is 2026-12-04, 18:30 Shanghai = 10:30 UTC.
    assert friday.next_at(utc(2026, 11, 29, 4, 0), SHANGHAI) == utc(2026, 12, 4, 10, 30)
    assert friday.next_at(utc(2026, 12, 4, 10, 30), SHANGHAI) == utc(2026, 12, 11, 10, 30)


def test_the_digest_follows_the_persons_zone_over_daylight_saving() -> None:
    evening = parse_window("daily 20:00")
    assert evening.next_at(utc(2026, 3, 7, 12, 0), NEW_YORK) == utc(2026, 3, 8, 1, 0)  # EST
    assert evening.next_at(utc(2026, 3, 8, 12, 0), NEW_YORK) == utc(2026, 3, 9, 0, 0)  # EDT


def test_a_digest_in_the_repeated_hour_goes_once_and_in_the_skipped_hour_at_the_jump() -> None:
    repeated = parse_window("daily 01:30")
    first = repeated.next_at(utc(2026, 11, 1, 4, 0), NEW_YORK)
    assert first == utc(2026, 11, 1, 5, 30)  # the first 01:30
    assert repeated.next_at(first, NEW_YORK) == utc(2026, 11, 2, 6, 30)  # not the second
    skipped = parse_window("daily 02:30")
    assert skipped.next_at(utc(2026, 3, 8, 5, 0), NEW_YORK) == utc(2026, 3, 8, 7, 0)


@pytest.mark.parametrize(
    "text",
    ["", "daily", "daily 25:00", "hourly 20:00", "weekly 20:00", "weekly xyz 20:00", "20:00"],
)
def test_a_window_that_does_not_parse_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        parse_window(text)
    assert refused.value.field == "window" and refused.value.rule == "bad_digest_window"


def test_messages_are_grouped_by_kind_in_the_order_they_came() -> None:
    def message(kind: str, minute: int, **fields: object) -> DigestedMessage:
        return DigestedMessage(uuid4(), kind, fields, utc(2026, 11, 29, 8, minute))

    items = digest_items(
        [
            message("meeting_scheduled", 5, title="例会"),
            message("shift_assigned", 1, post="前台"),
            message("shift_assigned", 9, post="资料室"),
        ]
    )
    assert [item["kind"] for item in items] == ["shift_assigned", "meeting_scheduled"]
    assert items[0]["count"] == 2 and items[0]["label"] == "排班通知"
    assert items[0]["entries"] == [{"post": "前台"}, {"post": "资料室"}]
    assert items[1]["entries"] == [{"title": "例会"}]
    assert digest_items([]) == []


def test_the_period_reads_in_the_persons_zone() -> None:
    label = period_label(utc(2026, 11, 28, 12, 0), utc(2026, 11, 29, 12, 0), SHANGHAI)
    assert label == "2026-11-28 20:00 – 2026-11-29 20:00"
