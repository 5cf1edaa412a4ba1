"""Replay rules that need no broker: which headers a replay carries, which letters it picks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import UUID

import pytest

from shared.events import ApplicationSubmitted, encode
from shared.messaging.dead_letters import dead_letter_headers
from shared.messaging.failures import PermanentFailure
from tools.dlt.plans import (
    REPLAYED_FROM_HEADER,
    DeadLetter,
    Replayed,
    dead_letter_topic,
    invalid_reason,
    original_topic,
    plan_replay,
    read_dead_letter,
    replay_headers,
    replay_log_entry,
    replay_log_topic,
)

pytestmark = pytest.mark.unit

TOPIC = "campusflow.recruitment.applications"
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


class _Record:
    headers: tuple[tuple[str, bytes], ...] | list[tuple[str, bytes]]

    def __init__(
        self, *, value: bytes | None, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        self.topic = TOPIC
        self.partition = 4
        self.offset = 1234
        self.key = key
        self.value = value
        self.headers = headers


def _event() -> ApplicationSubmitted:
    return ApplicationSubmitted(
        college="cs",
        application_id=UUID("0b7f5f8e-8f8c-4d44-9f3b-7d1c3d0f1a11"),
        campaign_id="spring",
        applicant_id="s1",
        applicant_name="Ada",
        submitted_at=NOW,
    )


def dead_letter(
    *,
    dlt_offset: int = 7,
    consumer: str = "evaluation.reports",
    value: bytes | None = None,
    headers: list[tuple[str, bytes]] | None = None,
    error: BaseException | None = None,
) -> DeadLetter:
    """A dead letter exactly as DeadLetterPublisher writes it, read back."""
    encoded = encode(_event(), source="/tests", now=NOW)
    record = _Record(
        value=encoded.value if value is None else value,
        key=encoded.key,
        headers=encoded.headers if headers is None else headers,
    )
    dlt_headers = dead_letter_headers(
        record,
        consumer=consumer,
        error=error or PermanentFailure("this applicant breaks a recruitment rule"),
        now=NOW,
    )
    return read_dead_letter(
        topic=TOPIC + ".dlt",
        offset=dlt_offset,
        key=record.key,
        value=record.value,
        headers=dlt_headers,
    )


def test_a_dead_letter_reads_back_its_reason_and_its_event() -> None:
    letter = dead_letter()
    encoded = encode(_event(), source="/tests", now=NOW)
    assert letter.dlt_offset == 7
    assert letter.original_topic == TOPIC
    assert (letter.original_partition, letter.original_offset) == (4, 1234)
    assert letter.consumer == "evaluation.reports"
    assert letter.error_class == "PermanentFailure"
    assert letter.error_message == "this applicant breaks a recruitment rule"
    assert letter.failed_at == NOW
    assert letter.ce_type == ApplicationSubmitted.event_type
    assert letter.ce_id is not None
    assert letter.college == "cs"
    assert letter.key == encoded.key
    assert letter.value_size == len(encoded.value)


def test_a_dead_letter_missing_its_reason_headers_still_reads() -> None:
    letter = read_dead_letter(
        topic=TOPIC + ".dlt",
        offset=3,
        key=None,
        value=None,
        headers=[("dlt_original_offset", b"not a number"), ("dlt_failed_at", b"yesterday")],
    )
    assert letter.original_topic == TOPIC  # from the dead-letter topic's name
    assert letter.original_offset is None
    assert letter.failed_at is None
    assert letter.consumer == ""
    assert letter.ce_id is None
    assert letter.value_size == 0


def test_a_replay_carries_the_original_headers_without_the_dead_letter_ones() -> None:
    headers = [
        ("ce_id", b"1"),
        ("dlt_consumer", b"x"),
        ("college", b"cs"),
        ("dlt_error_class", b"E"),
        ("dlt_replayed_from", b"2"),  # from an earlier replay: replaced, not kept
        ("traceparent", b"00-ab"),
    ]
    assert replay_headers(headers, dlt_offset=42) == [
        ("ce_id", b"1"),
        ("college", b"cs"),
        ("traceparent", b"00-ab"),
        (REPLAYED_FROM_HEADER, b"42"),
    ]


def test_a_replay_keeps_every_cloudevents_header_of_the_original_in_order() -> None:
    encoded = encode(_event(), source="/tests", now=NOW)
    letter = dead_letter(headers=encoded.headers)
    replayed = replay_headers(letter.headers, dlt_offset=letter.dlt_offset)
    assert replayed[:-1] == encoded.headers
    assert replayed[-1] == (REPLAYED_FROM_HEADER, b"7")


def test_topic_names_derive_from_the_original_or_the_dead_letter_topic() -> None:
    assert dead_letter_topic(TOPIC) == TOPIC + ".dlt"
    assert dead_letter_topic(TOPIC + ".dlt") == TOPIC + ".dlt"
    assert original_topic(TOPIC + ".dlt") == TOPIC
    assert replay_log_topic(TOPIC) == replay_log_topic(TOPIC + ".dlt") == TOPIC + ".dlt.replayed"


def test_a_letter_that_decodes_is_valid_and_a_malformed_or_unknown_one_is_not() -> None:
    assert invalid_reason(dead_letter()) is None
    malformed = invalid_reason(dead_letter(value=b"{not json"))
    assert malformed is not None and malformed.startswith("MalformedEvent")
    good = encode(_event(), source="/tests", now=NOW).headers
    unknown = [(k, b"campusflow.nowhere.thing.v9" if k == "ce_type" else v) for k, v in good]
    reason = invalid_reason(dead_letter(headers=unknown))
    assert reason is not None and reason.startswith("UnknownEventType")
    assert invalid_reason(dead_letter(headers=[])) is not None


def _letters() -> list[DeadLetter]:
    return [
        dead_letter(dlt_offset=0, consumer="a"),
        dead_letter(dlt_offset=1, consumer="b"),
        dead_letter(dlt_offset=2, consumer="a", value=b"{not json"),
        dead_letter(dlt_offset=3, consumer="a"),
        dead_letter(dlt_offset=4, consumer="a"),
    ]


def _offsets(letters: tuple[DeadLetter, ...]) -> list[int]:
    return [letter.dlt_offset for letter in letters]


def test_without_offsets_every_letter_of_the_consumer_is_chosen_in_order() -> None:
    plan = plan_replay(_letters(), consumer="a")
    assert _offsets(plan.replay) == [0, 3, 4]
    assert [r.letter.dlt_offset for r in plan.still_invalid] == [2]
    assert plan.not_found == () and plan.already_replayed == () and plan.forced == ()


def test_already_replayed_letters_are_skipped() -> None:
    plan = plan_replay(_letters(), consumer="a", replayed={0, 1, 4})
    assert _offsets(plan.replay) == [3]
    assert _offsets(plan.already_replayed) == [0, 4]


def test_offsets_pick_letters_and_another_consumers_offset_is_not_found() -> None:
    plan = plan_replay(_letters(), consumer="a", offsets=[4, 1, 4, 99])
    assert _offsets(plan.replay) == [4]
    assert plan.not_found == (1, 99)


def test_force_replays_still_invalid_and_already_replayed_letters_and_says_so() -> None:
    plan = plan_replay(_letters(), consumer="a", offsets=[0, 2], replayed={0}, force=True)
    assert _offsets(plan.replay) == [0, 2]
    assert plan.still_invalid == () and plan.already_replayed == ()
    reasons = {r.letter.dlt_offset: r.reason for r in plan.forced}
    assert reasons[0] == "already replayed"
    assert reasons[2].startswith("still invalid: MalformedEvent")


def test_an_already_replayed_letter_is_reported_as_such_even_if_invalid() -> None:
    plan = plan_replay(_letters(), consumer="a", offsets=[2], replayed={2})
    assert _offsets(plan.already_replayed) == [2]
    assert plan.still_invalid == ()


def test_a_consumer_with_no_letters_gets_an_empty_plan() -> None:
    plan = plan_replay(_letters(), consumer="nobody")
    assert plan.replay == () and plan.not_found == ()


def test_the_replay_log_entry_records_where_the_letter_came_from_and_went() -> None:
    letter = dead_letter()
    entry = json.loads(
        replay_log_entry(
            letter,
            republished=Replayed(dlt_offset=7, topic=TOPIC, partition=2, offset=99, ce_id="x"),
            forced=False,
            now=NOW,
        )
    )
    assert entry["dlt_offset"] == 7
    assert entry["consumer"] == "evaluation.reports"
    assert entry["original"] == {"topic": TOPIC, "partition": 4, "offset": 1234}
    assert entry["republished"] == {"topic": TOPIC, "partition": 2, "offset": 99}
    assert entry["replayed_at"] == NOW.isoformat()
