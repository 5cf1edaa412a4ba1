"""The credits ledger (学分): a student's ledger and balance, a season's entries.

Credits are written only by the hooks in service/credits.py (a passing final grade,
a misconduct decision); these routes read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.evaluation.api.common import PREFIX, Anyone, Chair, College, Paged, is_chair
from services.evaluation.schemas.credits import (
    LedgerEntryView,
    LedgerView,
    SeasonEntryView,
    SeasonLedgerPage,
)
from services.evaluation.service import credits as service
from shared.rules import NotFound
from shared.web.dependencies import ReadOnly
from shared.web.fields import Identifier

router = APIRouter(prefix=PREFIX, tags=["credits"])

PersonPath = Annotated[Identifier, Path(max_length=64)]
SeasonPath = Annotated[Identifier, Path(max_length=64)]


@router.get(
    "/students/{student_id}/credits",
    summary="A student's credit ledger and balance (the student, a teacher or the chair)",
)
async def student_ledger(
    college: College, student_id: PersonPath, caller: Anyone, conn: ReadOnly
) -> LedgerView:
    if caller.user_id != student_id and not (is_chair(caller) or caller.has_any("teacher")):
        # Another student's ledger does not exist for the caller.
        raise NotFound("credit ledger", student_id)
    ledger = await service.ledger_of(conn, college=college, student_id=student_id)
    return LedgerView(
        student_id=student_id,
        balance=ledger.balance,
        entries=[LedgerEntryView.of(line) for line in ledger.lines],
    )


@router.get(
    "/seasons/{season}/credits",
    summary="Every ledger entry of a season's reports, by student, with their balances",
)
async def season_ledger(
    college: College, season: SeasonPath, chair: Chair, conn: ReadOnly, paging: Paged
) -> SeasonLedgerPage:
    found = await service.season_ledger(conn, college=college, season=season, paging=paging)
    return SeasonLedgerPage(
        season=season,
        items=[
            SeasonEntryView(**LedgerEntryView.of(line).model_dump(), balance=balance)
            for line, balance in found
        ],
        limit=paging.limit,
        offset=paging.offset,
    )
