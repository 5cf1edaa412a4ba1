"""Contracts: what a valid event message is, and every way a message can be malformed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from shared.events import ApplicationSubmitted, MalformedEvent, UnknownEventType, decode, encode
from shared.events.asyncapi import DOCUMENT_PATH, render
from shared.events.base import DomainEvent
from shared.events.codec import MAX_EVENT_BYTES
from shared.events.recruitment import CampaignOpened, CampaignPosition
from shared.events.registry import EVENTS, TOPICS, spec_for_type

pytestmark = pytest.mark.unit
NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def submitted(college: str = "cs") -> ApplicationSubmitted:
    return ApplicationSubmitted(
        college=college,
        application_id=uuid4(),
        campaign_id="summer-teaching-2026",
        applicant_id="s2024001",
        applicant_name="李明",
        submitted_at=NOW,
    )


def test_round_trip_keeps_event_and_envelope() -> None:
    event = submitted()
    message = encode(event, source="/campusflow/recruitment", now=NOW)
    envelope, decoded = decode(message.headers, message.value)
    assert decoded == event
    assert envelope.id == message.envelope.id
    assert envelope.type == "campusflow.recruitment.application.submitted.v1"
    assert envelope.college == "cs"
    assert message.key == str(event.application_id).encode()
    assert message.topic == "campusflow.recruitment.applications"


def test_headers_are_cloudevents_binary_mode() -> None:
    message = encode(submitted(), source="/campusflow/recruitment", now=NOW)
    names = {name for name, _ in message.headers}
    assert {"ce_id", "ce_type", "ce_source", "ce_time", "ce_specversion", "college"} <= names
    assert "traceparent" in names


@pytest.mark.parametrize(
    "drop", ["ce_id", "ce_type", "ce_source", "ce_time", "ce_specversion", "college"]
)
def test_missing_header_is_malformed(drop: str) -> None:
    message = encode(submitted(), source="/s", now=NOW)
    headers = [(k, v) for k, v in message.headers if k != drop]
    with pytest.raises(MalformedEvent, match=drop):
        decode(headers, message.value)


def test_unknown_type_is_refused() -> None:
    message = encode(submitted(), source="/s", now=NOW)
    headers = [
        (k, b"campusflow.nothing.here.v1" if k == "ce_type" else v) for k, v in message.headers
    ]
    with pytest.raises(UnknownEventType):
        decode(headers, message.value)


@pytest.mark.parametrize(
    "value",
    [b"not json", b"{}", b'{"college": "cs"}', None, b"\xff\xfe", json.dumps([1, 2]).encode()],
)
def test_bad_payload_is_malformed(value: bytes | None) -> None:
    message = encode(submitted(), source="/s", now=NOW)
    with pytest.raises(MalformedEvent):
        decode(message.headers, value)


def test_huge_payload_is_malformed() -> None:
    message = encode(submitted(), source="/s", now=NOW)
    with pytest.raises(MalformedEvent, match="limit"):
        decode(message.headers, b" " * (MAX_EVENT_BYTES + 1))


def test_college_header_must_match_payload() -> None:
    message = encode(submitted("cs"), source="/s", now=NOW)
    headers = [(k, b"math" if k == "college" else v) for k, v in message.headers]
    with pytest.raises(MalformedEvent, match="college"):
        decode(headers, message.value)


def test_bad_college_code_is_refused() -> None:
    with pytest.raises(ValueError):
        submitted("Computer Science")


def test_naive_time_and_bad_id_are_malformed() -> None:
    message = encode(submitted(), source="/s", now=NOW)
    for name, bad in (("ce_time", b"2026-09-01T08:00:00"), ("ce_id", b"not-a-uuid")):
        headers = [(k, bad if k == name else v) for k, v in message.headers]
        with pytest.raises(MalformedEvent):
            decode(headers, message.value)


@pytest.mark.parametrize("event_type", sorted(spec.type for spec in EVENTS))
def test_a_payload_time_without_an_offset_is_malformed(event_type: str) -> None:
    # Every event's instants are aware: a consumer comparing them with its clock never
    # meets a naive one (it would fail there, after decoding, and lose the event).
    model = spec_for_type(event_type).model
    instants = [
        name
        for name, field in model.model_fields.items()
        if "datetime.datetime" in str(field.annotation)
    ]
    assert instants == [], f"{event_type}: {instants} accept a time without an offset"


def test_a_naive_payload_time_is_refused_at_decoding() -> None:
    message = encode(submitted(), source="/s", now=NOW)
    payload = json.loads(message.value)
    payload["submitted_at"] = "2026-09-01T08:00:00"
    with pytest.raises(MalformedEvent):
        decode(message.headers, json.dumps(payload).encode())


def test_extra_payload_fields_are_ignored_for_forward_compatibility() -> None:
    event = submitted()
    message = encode(event, source="/s", now=NOW)
    newer = json.loads(message.value) | {"a_field_added_later": 1}
    _, decoded = decode(message.headers, json.dumps(newer).encode())
    assert decoded == event


def test_event_types_must_carry_a_major_version() -> None:
    with pytest.raises(TypeError, match="versioned"):

        class Unversioned(DomainEvent):  # pragma: no cover - the class statement itself fails
            event_type = "campusflow.recruitment.thing.happened"
            key_field = "college"


def test_registry_is_consistent() -> None:
    assert len({spec.type for spec in EVENTS}) == len(EVENTS)
    assert all(spec.topic in TOPICS for spec in EVENTS)
    assert all(topic.partitions >= 1 for topic in TOPICS)
    for spec in EVENTS:
        assert spec_for_type(spec.type) is spec
        assert spec.model.key_field in spec.model.model_fields


def test_committed_asyncapi_document_is_current() -> None:
    assert DOCUMENT_PATH.read_text("utf-8") == render(), (
        "docs/asyncapi.yaml is stale: run `campusflow asyncapi --write` and commit it"
    )


def test_every_reference_in_the_asyncapi_document_resolves() -> None:
    from shared.events.asyncapi import build_document

    document = build_document()

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for ref in refs(document):
        target: object = document
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(target, dict) and part in target, f"dangling {ref}"
            target = target[part]


def test_a_campaign_opened_before_its_opening_time_was_carried_still_decodes() -> None:
    """`applications_open_at` was added to CampaignOpened.v1 later: the events already on
    the topic, without it, decode with None (the field is optional, not a new version)."""
    event = CampaignOpened(
        college="cs",
        campaign_id="summer-teaching-2026",
        title="暑期支教志愿者招募",
        place="十二里河小学",
        starts_on=NOW.date(),
        ends_on=NOW.date(),
        applications_open_at=NOW,
        applications_close_at=NOW.replace(day=15),
        positions=[CampaignPosition(position_id="t", title="支教志愿者", headcount=2)],
    )
    message = encode(event, source="/campusflow/recruitment", now=NOW)
    older = json.loads(message.value)
    del older["applications_open_at"]
    _, decoded = decode(message.headers, json.dumps(older).encode())
    assert isinstance(decoded, CampaignOpened)
    assert decoded.applications_open_at is None
    assert decoded.model_copy(update={"applications_open_at": NOW}) == event
