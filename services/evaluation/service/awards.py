"""Award use cases: the screening run on calibrated scores, prizes, their withdrawal on
misconduct, and excellence applications; each runs in the one transaction it is handed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from services.evaluation.repository import awards as repository
from services.evaluation.repository import grades as grades_repository
from services.evaluation.service import SOURCE
from shared.events.evaluation import AwardWithdrawn
from shared.messaging.outbox import append_to_outbox
from shared.rules import NotFound


async def withdraw_for_misconduct(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, reason: str, now: datetime
) -> None:
    """Misconduct decided: the report is out of every later award run, and a prize it
    holds is withdrawn (AwardWithdrawn). Idempotent: a second call changes nothing."""
    report = await grades_repository.report_facts(conn, college=college, report_id=report_id)
    if report is None:
        raise NotFound("report", report_id)
    await repository.exclude(conn, college=college, report_id=report_id, reason=reason, now=now)
    held = await repository.award_of(conn, report_id=report_id, for_update=True)
    if held is None or held.withdrawn_at is not None:
        return
    await repository.withdraw_award(conn, report_id=report_id, reason=reason, now=now)
    event = AwardWithdrawn(
        college=college,
        report_id=report_id,
        season=held.season,
        prize=held.prize,
        reason=reason[:4000],
        withdrawn_at=now,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
