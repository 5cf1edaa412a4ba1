"""Escalation chains as data: steps, waits, deadlines, scopes; signed acknowledgement links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.notifications.domain.escalations import (
    CHAINS,
    AckClaim,
    BadToken,
    ChainName,
    chain_id,
    closes_on_acknowledgement,
    default_waits,
    is_last,
    link_expiry,
    scope_for,
    sign_ack,
    step_ends_at,
    step_event_id,
    verify_ack,
    waits_problem,
)
from services.notifications.domain.kinds import KINDS

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
SECRET = b"test-secret"


def test_incident_chain_is_teacher_then_grade_leader_then_office() -> None:
    steps = CHAINS[ChainName.INCIDENT].steps
    assert [s.role for s in steps] == ["teacher", "grade_leader", "moral_education_office"]
    assert all(s.kind == "incident_alert" and s.acknowledgement_closes for s in steps)


def test_dropout_chain_is_guardian_notice_then_township() -> None:
    steps = CHAINS[ChainName.DROPOUT].steps
    assert [(s.role, s.kind) for s in steps] == [
        ("guardian", "return_to_school_notice"),
        ("township_contact", "dropout_escalated"),
    ]
    assert steps[0].until_deadline and not closes_on_acknowledgement(ChainName.DROPOUT, 0)
    assert closes_on_acknowledgement(ChainName.DROPOUT, 1)


def test_every_step_kind_is_critical_and_declares_ack_url() -> None:
    for definition in CHAINS.values():
        for step in definition.steps:
            kind = KINDS[step.kind]
            assert kind.critical and "ack_url" in kind.fields


def test_incident_steps_wait_their_default_or_the_colleges_waits() -> None:
    waits = default_waits(ChainName.INCIDENT)
    assert step_ends_at(
        ChainName.INCIDENT, 0, reached_at=NOW, waits_s=waits, deadline=None
    ) == NOW + timedelta(seconds=waits[0])
    assert step_ends_at(
        ChainName.INCIDENT, 2, reached_at=NOW, waits_s=[5, 6, 7], deadline=None
    ) == NOW + timedelta(seconds=7)


def test_dropout_guardian_step_waits_until_return_by() -> None:
    deadline = NOW + timedelta(days=14)
    assert (
        step_ends_at(ChainName.DROPOUT, 0, reached_at=NOW, waits_s=[0, 60], deadline=deadline)
        == deadline
    )
    # A deadline already passed escalates at once.
    assert (
        step_ends_at(
            ChainName.DROPOUT, 0, reached_at=NOW, waits_s=[0, 60], deadline=NOW - timedelta(days=1)
        )
        == NOW
    )
    assert step_ends_at(
        ChainName.DROPOUT, 1, reached_at=NOW, waits_s=[0, 60], deadline=deadline
    ) == NOW + timedelta(seconds=60)


def test_last_step() -> None:
    assert not is_last(ChainName.INCIDENT, 1) and is_last(ChainName.INCIDENT, 2)
    assert is_last(ChainName.DROPOUT, 1)


@pytest.mark.parametrize(
    ("chain", "waits", "ok"),
    [
        (ChainName.INCIDENT, [60, 60, 60], True),
        (ChainName.INCIDENT, [60, 60], False),
        (ChainName.INCIDENT, [0, 60, 60], False),
        (ChainName.INCIDENT, [60, 60, 60 * 86400 + 1], False),
        (ChainName.DROPOUT, [0, 3600], True),  # the deadline step's number is ignored
        (ChainName.DROPOUT, [0, 0], False),
    ],
)
def test_college_waits_are_checked(chain: ChainName, waits: list[int], ok: bool) -> None:
    assert (waits_problem(chain, waits) is None) is ok


def test_scopes_come_from_the_chain_facts() -> None:
    facts = {"beneficiary_id": "b-1", "county": "Jinzhai", "school_id": ""}
    assert scope_for("guardian", facts) == "b-1"
    assert scope_for("township_contact", facts) == "Jinzhai"
    assert scope_for("grade_leader", facts) is None
    assert scope_for("moral_education_office", facts) is None


def test_chain_and_step_ids_are_stable() -> None:
    first = chain_id(college="cs", chain=ChainName.INCIDENT, subject_id="i1")
    assert first == chain_id(college="cs", chain=ChainName.INCIDENT, subject_id="i1")
    assert first != chain_id(college="cs", chain=ChainName.DROPOUT, subject_id="i1")
    assert step_event_id(first, 0) != step_event_id(first, 1)


def _claim(expires: datetime) -> AckClaim:
    return AckClaim("cs", uuid4(), "teacher.1", 1, expires)


def test_a_signed_link_verifies_to_its_claim() -> None:
    claim = _claim(NOW + timedelta(days=1))
    verified = verify_ack(sign_ack(claim, secret=SECRET), secret=SECRET, now=NOW)
    assert verified.chain_id == claim.chain_id and verified.person_id == "teacher.1"
    assert verified.step == 1 and verified.college == "cs"


def test_a_forged_link_is_refused() -> None:
    token = sign_ack(_claim(NOW + timedelta(days=1)), secret=SECRET)
    with pytest.raises(BadToken) as other_key:
        verify_ack(token, secret=b"another", now=NOW)
    assert other_key.value.reason == "forged"
    body, _, mac = token.partition(".")
    tampered = ("A" if body[0] != "A" else "B") + body[1:] + "." + mac
    with pytest.raises(BadToken):
        verify_ack(tampered, secret=SECRET, now=NOW)


def test_an_expired_link_is_refused() -> None:
    token = sign_ack(_claim(NOW + timedelta(seconds=1)), secret=SECRET)
    with pytest.raises(BadToken) as expired:
        verify_ack(token, secret=SECRET, now=NOW + timedelta(seconds=2))
    assert expired.value.reason == "expired"


@pytest.mark.parametrize("token", ["", "abc", "abc.", ".abc", "a.b.c"])
def test_malformed_links_are_refused(token: str) -> None:
    with pytest.raises(BadToken):
        verify_ack(token, secret=SECRET, now=NOW)


def test_links_outlive_their_step() -> None:
    assert link_expiry(NOW, NOW + timedelta(hours=1)) == NOW + timedelta(hours=1, days=7)
