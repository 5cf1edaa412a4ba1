"""Webhook signatures: a known-answer vector (computed with `openssl dgst -sha256 -hmac`),
the header's form, and a receiver's verify() with its tolerance window."""

from __future__ import annotations

import json

import pytest

from services.notifications.domain import webhooks as rules

pytestmark = pytest.mark.unit

SECRET = "whsec_test-secret"
BODY = '{"event_id":"e1","n":1}'
T = 1_700_000_000
# printf '%s' '1700000000.{"event_id":"e1","n":1}' | openssl dgst -sha256 -hmac whsec_test-secret
KNOWN = "3e6f32eced3be979961f4fcd6890aca1f122485da4d4f29a8c96e37af4953072"


def test_the_signature_matches_a_known_answer() -> None:
    assert rules.signature(SECRET, T, BODY) == KNOWN
    assert rules.signature_header(SECRET, T, BODY) == f"t={T},v1={KNOWN}"


def test_verify_accepts_the_signed_body_within_the_tolerance() -> None:
    header = rules.signature_header(SECRET, T, BODY)
    assert rules.verify(SECRET, header, BODY, now=T)
    assert rules.verify(SECRET, header, BODY.encode(), now=T + 299)
    assert rules.verify(SECRET, header, BODY, now=T - 300)


@pytest.mark.parametrize("skew", [301, -301, 3600])
def test_verify_refuses_a_timestamp_outside_the_tolerance(skew: int) -> None:
    header = rules.signature_header(SECRET, T, BODY)
    assert not rules.verify(SECRET, header, BODY, now=T + skew)
    assert rules.verify(SECRET, header, BODY, now=T + skew, tolerance_s=abs(skew))


def test_verify_refuses_another_body_secret_or_timestamp() -> None:
    header = rules.signature_header(SECRET, T, BODY)
    assert not rules.verify(SECRET, header, BODY.replace("1", "2"), now=T)
    assert not rules.verify("whsec_other", header, BODY, now=T)
    moved = header.replace(f"t={T}", f"t={T + 1}")
    assert not rules.verify(SECRET, moved, BODY, now=T)


@pytest.mark.parametrize(
    "header", ["", "t=abc,v1=00", f"v1={KNOWN}", f"t={T}", f"t={T},v0={KNOWN}", "garbage"]
)
def test_verify_refuses_a_malformed_header(header: str) -> None:
    assert not rules.verify(SECRET, header, BODY, now=T)


def test_verify_refuses_a_body_that_is_not_utf8() -> None:
    header = rules.signature_header(SECRET, T, BODY)
    assert not rules.verify(SECRET, header, b"\xff\xfe", now=T)


def test_the_payload_signs_its_sequence_and_delivery_and_keeps_chinese_readable() -> None:
    text = rules.payload_text({"data": {"post": "门岗"}}, sequence=7, delivery_id="d-1")
    assert json.loads(text) == {"data": {"post": "门岗"}, "sequence": 7, "delivery_id": "d-1"}
    assert "门岗" in text
    assert text == rules.payload_text({"data": {"post": "门岗"}}, sequence=7, delivery_id="d-1")


def test_secrets_are_fresh_and_long() -> None:
    made = {rules.new_secret() for _ in range(50)}
    assert len(made) == 50
    assert all(s.startswith("whsec_") and len(s) >= 40 for s in made)
