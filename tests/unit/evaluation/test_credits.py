"""The credits ledger: +1 per passed project, at most 2, revoked by an entry on misconduct."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.evaluation.domain.credits import (
    CAPPED,
    GRANTED,
    REASON_CAP,
    REVOKED,
    CreditEntry,
    balance,
    grant_for_pass,
    revoke_for_misconduct,
)
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

AT = datetime(2026, 9, 1, tzinfo=UTC)


def passes(student: str, *projects: str) -> list[CreditEntry]:
    ledger: list[CreditEntry] = []
    for project in projects:
        ledger.append(grant_for_pass(ledger, student, project, AT))
    return ledger


def test_a_passed_project_gives_one_credit() -> None:
    ledger = passes("s1", "p1")
    assert ledger[0].kind == GRANTED and ledger[0].credits == 1
    assert "academic-lecture" in ledger[0].reason
    assert balance(ledger, "s1") == 1
    assert balance(ledger, "s2") == 0


def test_two_projects_give_two_and_a_third_gives_none_with_the_reason() -> None:
    ledger = passes("s1", "p1", "p2", "p3")
    assert [e.credits for e in ledger] == [1, 1, 0]
    assert ledger[2].kind == CAPPED and ledger[2].reason == REASON_CAP
    assert balance(ledger, "s1") == 2


def test_students_are_counted_separately() -> None:
    ledger = passes("s1", "p1", "p2") + passes("s2", "p1")
    assert grant_for_pass(ledger, "s2", "p2", AT).credits == 1


def test_the_same_project_is_not_recorded_twice() -> None:
    with pytest.raises(RuleBroken) as refused:
        grant_for_pass(passes("s1", "p1"), "s1", "p1", AT)
    assert refused.value.rule == "already_recorded"


def test_misconduct_revokes_with_an_entry_never_a_deletion() -> None:
    ledger = passes("s1", "p1", "p2")
    entry = revoke_for_misconduct(ledger, "s1", "p1", AT, note="plagiarism")
    ledger.append(entry)
    assert entry.kind == REVOKED and entry.credits == -1 and "plagiarism" in entry.reason
    assert len(ledger) == 3
    assert balance(ledger, "s1") == 1
    with pytest.raises(RuleBroken) as again:
        revoke_for_misconduct(ledger, "s1", "p1", AT)
    assert again.value.rule == "already_revoked"


def test_revoking_a_capped_project_removes_nothing_and_unknown_is_refused() -> None:
    ledger = passes("s1", "p1", "p2", "p3")
    assert revoke_for_misconduct(ledger, "s1", "p3", AT).credits == 0
    with pytest.raises(RuleBroken) as unknown:
        revoke_for_misconduct(ledger, "s1", "p9", AT)
    assert unknown.value.rule == "not_in_ledger"
