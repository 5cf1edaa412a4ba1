"""Calendar feeds: the VCALENDAR parsed back with icalendar, stable UIDs, SEQUENCE that
only grows, cancellations, the token kept only as a hash."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from icalendar import Calendar

from services.scheduling.domain.feeds import (
    PAST,
    FeedItem,
    activity_item,
    build_calendar,
    lesson_item,
    meeting_item,
    new_token,
    reconcile,
    shift_item,
    token_hash,
)

pytestmark = pytest.mark.unit
NOW = datetime(2027, 4, 1, 2, 0, tzinfo=UTC)
START = datetime(2027, 4, 6, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai


def shift(version: int = 0, post: str = "办公室值班（上午）", hours: int = 4) -> FeedItem:
    return shift_item(
        shift_id=UUID(int=1),
        person_id="cs-2024001",
        post=post,
        place="学生活动中心 201",
        rota_name="办公室值班表 2027 春",
        starts_at=START,
        ends_at=START + timedelta(hours=hours),
        version=version,
    )


def items(*, meeting_cancelled: bool = False, meeting_version: int = 0) -> list[FeedItem]:
    return [
        shift(),
        lesson_item(
            lesson_id=UUID(int=2),
            school="十二里河小学",
            class_id="三年级一班",
            course="story-time",
            subject="故事会",
            room="教室 3",
            starts_at=START + timedelta(days=1, hours=0, minutes=30),
            ends_at=START + timedelta(days=1, hours=1, minutes=15),
            version=0,
        ),
        meeting_item(
            meeting_id=UUID(int=3),
            title="志愿者部例会",
            agenda="1. 总结上周支教\n2. 安排献血活动; 分工, 宣传",
            place="团委会议室",
            starts_at=START + timedelta(days=2, hours=11),
            ends_at=START + timedelta(days=2, hours=12),
            cancelled=meeting_cancelled,
            version=meeting_version,
        ),
        activity_item(
            activity_id=UUID(int=4),
            title="义务献血",
            department_id="volunteers",
            room="体育馆",
            starts_at=START + timedelta(days=3, hours=1),
            ends_at=START + timedelta(days=3, hours=4),
            version=1,
        ),
    ]


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def events(body: bytes) -> dict[str, dict[str, object]]:
    return {
        str(e["UID"]): {
            "sequence": int(e["SEQUENCE"]),
            "status": str(e["STATUS"]),
            "dtstamp": e.decoded("DTSTAMP"),
            "dtstart": e.decoded("DTSTART"),
            "summary": str(e["SUMMARY"]),
        }
        for e in parse(body).walk("VEVENT")
    }


def serve(
    current: Sequence[FeedItem], remembered: dict[str, FeedItem], now: datetime = NOW
) -> tuple[bytes, dict[str, FeedItem]]:
    """One fetch: the feed, and what it remembers for the next one."""
    served = reconcile(current, remembered, now=now)
    memory = {i.uid: i for i in served.items}
    return build_calendar(served.items, name="Campusflow 日程", now=now), memory


def test_the_feed_parses_back_and_every_event_has_uid_dtstamp_dtstart() -> None:
    body, _ = serve(items(), {})
    assert b"\r\n" in body and all(len(line) <= 75 for line in body.split(b"\r\n"))
    calendar = parse(body)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"])
    found = calendar.walk("VEVENT")
    assert len(found) == 4
    for event in found:
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE"):
            assert required in event, (required, event)
        assert event.decoded("DTSTART").tzinfo is not None
        assert event.decoded("DTEND") > event.decoded("DTSTART")
    by_uid = {str(e["UID"]): e for e in found}
    shift_event = by_uid[f"shift-{UUID(int=1)}-cs-2024001@campusflow"]
    assert str(shift_event["LOCATION"]) == "学生活动中心 201"
    assert "办公室值班（上午）" in str(shift_event["SUMMARY"])
    lesson = by_uid[f"lesson-{UUID(int=2)}@campusflow"]
    assert "十二里河小学" in str(lesson["DESCRIPTION"]) and "三年级一班" in str(
        lesson["DESCRIPTION"]
    )
    meeting = by_uid[f"meeting-{UUID(int=3)}@campusflow"]
    assert str(meeting["DESCRIPTION"]).endswith("2. 安排献血活动; 分工, 宣传")


def test_uids_are_stable_across_builds_and_nothing_changes_when_nothing_changed() -> None:
    first, memory = serve(items(), {})
    second, _ = serve(items(), memory, now=NOW + timedelta(hours=1))
    assert events(first) == events(second)  # same UIDs, SEQUENCE and DTSTAMP


def test_sequence_follows_the_row_version_and_grows_on_any_visible_change() -> None:
    _, memory = serve(items(), {})
    body, memory = serve([shift(version=1)], {shift().uid: memory[shift().uid]})
    assert events(body)[shift().uid]["sequence"] == 1
    # Moved without a version bump (a longer shift): the phone must still see a new revision.
    later = NOW + timedelta(hours=2)
    body, memory = serve([shift(version=1, hours=5)], memory, now=later)
    moved = events(body)[shift().uid]
    assert moved["sequence"] == 2 and moved["dtstamp"] == later
    # A lower version in the row never lowers it.
    body, _ = serve([shift(version=0, hours=5)], memory, now=later)
    assert events(body)[shift().uid]["sequence"] == 2


def test_a_cancelled_meeting_is_served_cancelled_with_a_higher_sequence() -> None:
    before, memory = serve(items(), {})
    after, _ = serve(items(meeting_cancelled=True, meeting_version=1), memory)
    uid = f"meeting-{UUID(int=3)}@campusflow"
    assert (events(before)[uid]["status"], events(before)[uid]["sequence"]) == ("CONFIRMED", 0)
    assert (events(after)[uid]["status"], events(after)[uid]["sequence"]) == ("CANCELLED", 1)


def test_a_seat_that_left_the_feed_is_served_cancelled_until_it_is_past() -> None:
    _, memory = serve(items(), {})
    rest = items()[1:]  # the seat passed to someone else
    body, memory = serve(rest, memory)
    gone = events(body)[shift().uid]
    assert (gone["status"], gone["sequence"]) == ("CANCELLED", 1)
    body, memory = serve(rest, memory, now=NOW + timedelta(hours=3))
    assert events(body)[shift().uid]["sequence"] == 1  # once cancelled, it stays so
    # It comes back: a new revision above the cancellation.
    body, memory = serve(items(), memory)
    back = events(body)[shift().uid]
    assert (back["status"], back["sequence"]) == ("CONFIRMED", 2)
    # Gone again and long past: forgotten.
    served = reconcile(rest, memory, now=START + PAST + timedelta(days=1))
    assert shift().uid in served.forget
    assert shift().uid not in {i.uid for i in served.items}


def test_tokens_are_random_and_kept_only_as_their_hash() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(t) >= 43 for t in tokens)
    token = next(iter(tokens))
    assert token_hash(token) == hashlib.sha256(token.encode()).digest()
    assert token.encode() not in token_hash(token)
