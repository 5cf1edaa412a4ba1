"""The credits ledger as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

from services.evaluation.repository.credits import LedgerLine


class LedgerEntryView(BaseModel):
    """One ledger line: granted (+1), capped (0, the student already held 2), revoked (−n)."""

    entry_id: UUID
    student_id: str
    report_id: UUID
    season: str
    kind: Literal["granted", "capped", "revoked"]
    credits: int
    reason: str
    at: datetime

    @classmethod
    def of(cls, line: LedgerLine) -> LedgerEntryView:
        e = line.entry
        return cls(
            entry_id=line.entry_id,
            student_id=e.student_id,
            report_id=UUID(e.project_id),
            season=line.season,
            kind=e.kind,
            credits=e.credits,
            reason=e.reason,
            at=e.at,
        )


class LedgerView(BaseModel):
    """A student's ledger, oldest entry first, and the balance (their sum)."""

    student_id: str
    balance: int
    entries: list[LedgerEntryView]


class SeasonEntryView(LedgerEntryView):
    """A season's entry with its student's whole balance (over every season)."""

    balance: int


class SeasonLedgerPage(BaseModel):
    season: str
    items: list[SeasonEntryView]
    limit: int
    offset: int
