"""The credits ledger: entries only, never deleted; a student's balance is their sum.

A passed project gives 1 credit, replacing one academic-lecture credit; at most 2 per
student (over two projects): a third passed project is recorded with 0 credits and the
reason. Misconduct revokes the project's credit with a negative entry (the grant stays).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.rules import RuleBroken

CREDIT_PER_PROJECT = 1
MAX_CREDITS = 2

GRANTED = "granted"
CAPPED = "capped"
REVOKED = "revoked"

REASON_PASSED = "project passed; replaces one academic-lecture credit"
REASON_CAP = "at most 2 credits per student over two projects"
REASON_MISCONDUCT = "misconduct"


@dataclass(frozen=True)
class CreditEntry:
    """One ledger line: a grant (+1), a capped pass (0) or a revocation (−1)."""

    student_id: str
    project_id: str
    kind: str
    credits: int
    reason: str
    at: datetime


def balance(entries: Sequence[CreditEntry], student_id: str) -> int:
    """The student's credits: the sum of their entries."""
    return sum(e.credits for e in entries if e.student_id == student_id)


def _of(entries: Sequence[CreditEntry], student_id: str, project_id: str) -> list[CreditEntry]:
    return [e for e in entries if e.student_id == student_id and e.project_id == project_id]


def grant_for_pass(
    entries: Sequence[CreditEntry], student_id: str, project_id: str, at: datetime
) -> CreditEntry:
    """The entry for a passed project: +1, or 0 with the reason once the student has 2 projects."""
    if _of(entries, student_id, project_id):
        raise RuleBroken(
            "already_recorded",
            field="project_id",
            message=f"project {project_id} is already in the ledger of {student_id}",
        )
    granted = {e.project_id for e in entries if e.student_id == student_id and e.kind == GRANTED}
    if len(granted) >= MAX_CREDITS:
        return CreditEntry(student_id, project_id, CAPPED, 0, REASON_CAP, at)
    return CreditEntry(student_id, project_id, GRANTED, CREDIT_PER_PROJECT, REASON_PASSED, at)


def revoke_for_misconduct(
    entries: Sequence[CreditEntry], student_id: str, project_id: str, at: datetime, note: str = ""
) -> CreditEntry:
    """A revocation entry cancelling the project's credit (0 if it gave none)."""
    own = _of(entries, student_id, project_id)
    if not own:
        raise RuleBroken(
            "not_in_ledger",
            field="project_id",
            message=f"project {project_id} gave {student_id} no ledger entry",
        )
    if any(e.kind == REVOKED for e in own):
        raise RuleBroken(
            "already_revoked",
            field="project_id",
            message=f"the credit of project {project_id} is already revoked",
        )
    given = sum(e.credits for e in own)
    reason = f"{REASON_MISCONDUCT}: {note}" if note else REASON_MISCONDUCT
    return CreditEntry(student_id, project_id, REVOKED, -given, reason, at)
