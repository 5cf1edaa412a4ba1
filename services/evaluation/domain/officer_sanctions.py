"""Sanctions officers impose on a member for a term (DOMAIN.md §3, staff assessment:
warning 警告, notice of criticism 通报批评, dismissal 辞退), beside the attendance
sanctions scheduling imposes by its own rules (domain/duty_facts.py, `SanctionFact`).

A sanction is a value with its own id, so the `conduct` figure it lowers names it:
a warning counts like a verbal warning (−0.5 each), a notice of criticism or a dismissal
leaves conduct at 0 (staff_assessment.py, `DutyRecord.conduct`). Nobody sanctions
themself, and a sanction says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from shared.rules import RuleBroken

OfficerSanctionKind = Literal["warning", "notice_of_criticism", "dismissal"]
OFFICER_SANCTION_KINDS: tuple[OfficerSanctionKind, ...] = (
    "warning",
    "notice_of_criticism",
    "dismissal",
)
# A warning lowers conduct like a verbal warning; these leave it at 0.
SERIOUS_OFFICER_SANCTIONS: frozenset[OfficerSanctionKind] = frozenset(
    {"notice_of_criticism", "dismissal"}
)
# As long as scheduling's attendance sanctions may say why (their events' bound).
REASON_MAX_LENGTH = 500


@dataclass(frozen=True)
class OfficerSanction:
    sanction_id: UUID
    officer_id: str
    kind: OfficerSanctionKind
    reason: str
    imposed_at: datetime

    def __post_init__(self) -> None:
        if self.kind not in OFFICER_SANCTION_KINDS:
            raise RuleBroken(
                "unknown_sanction",
                field="kind",
                message=f"a sanction is one of {', '.join(OFFICER_SANCTION_KINDS)}",
                invalid=True,
            )
        if not self.reason.strip():
            raise RuleBroken(
                "reason_required", field="reason", message="a sanction says why", invalid=True
            )
        if len(self.reason) > REASON_MAX_LENGTH:
            raise RuleBroken(
                "reason_too_long",
                field="reason",
                message=f"a reason is at most {REASON_MAX_LENGTH} characters",
                invalid=True,
            )

    @property
    def serious(self) -> bool:
        return self.kind in SERIOUS_OFFICER_SANCTIONS


def check_not_own(*, officer_id: str, person_id: str) -> None:
    """An officer (or the chair) never sanctions themself."""
    if officer_id == person_id:
        raise RuleBroken(
            "own_sanction",
            field="person_id",
            message="an officer does not sanction themself",
        )
