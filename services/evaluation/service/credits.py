"""The credits ledger's use cases: the hooks grading and the integrity decision call in
their own transaction, and the ledger reads.

- `award_for_pass` (GRADES-AWARDS calls it on a finalised passing grade): one entry and
  one CreditsAwarded per author. A student who already holds credits from two projects
  gets a `capped` entry with 0 credits and the reason, and a CreditsAwarded with
  credits 0 (academic systems see every line of the ledger, the balance unchanged).
  Idempotent per (student, report): a student who already has an entry for the report
  gets nothing new. A report decided as misconduct gives no credit (refused).
- `revoke_for_misconduct` (SIMILARITY calls it on a misconduct decision): a `revoked`
  entry cancelling whatever the report gave each of its students, and a CreditsRevoked
  each with the new balance (credits 0 for a capped pass). Idempotent: a report already
  revoked, or one that gave no entries yet, changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.evaluation.domain import credits as rules
from services.evaluation.repository import credits as repository
from services.evaluation.repository.credits import LedgerLine
from services.evaluation.service import SOURCE
from shared.events.evaluation import CreditsAwarded, CreditsRevoked
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging
from shared.rules import NotFound, RuleBroken

# The events' reason is at most 200 characters; the note of a revocation is cut to fit.
_NOTE_MAX = 160


@dataclass(frozen=True)
class Ledger:
    student_id: str
    balance: int
    lines: tuple[LedgerLine, ...]


async def award_for_pass(
    conn: asyncpg.Connection,
    *,
    college: str,
    report_id: UUID,
    season: str,
    author_ids: Sequence[str],
    now: datetime,
) -> None:
    """Credit each author of a passed report (or record the cap); a CreditsAwarded each."""
    if await repository.report_integrity(conn, college=college, report_id=report_id) == (
        "misconduct"
    ):
        raise RuleBroken(
            "misconduct_decided",
            field="report_id",
            message=f"report {report_id} was decided as misconduct: it gives no credit",
        )
    students = list(dict.fromkeys(author_ids))
    await repository.lock_students(conn, college=college, student_ids=students)
    events = []
    for student_id in students:
        entries = [
            line.entry
            for line in await repository.ledger_of(conn, college=college, student_id=student_id)
        ]
        if any(e.project_id == str(report_id) for e in entries):
            continue  # already recorded for this report: idempotent
        entry = rules.grant_for_pass(entries, student_id, str(report_id), now)
        entry_id = uuid4()
        await repository.insert_entry(
            conn,
            entry_id=entry_id,
            college=college,
            season=season,
            report_id=report_id,
            entry=entry,
        )
        events.append(
            CreditsAwarded(
                college=college,
                entry_id=entry_id,
                student_id=student_id,
                report_id=report_id,
                season=season,
                credits=entry.credits,
                balance=rules.balance([*entries, entry], student_id),
                reason=entry.reason,
                awarded_at=now,
            )
        )
    if events:
        await append_to_outbox(conn, events, source=SOURCE, now=now)


async def revoke_for_misconduct(
    conn: asyncpg.Connection,
    *,
    college: str,
    report_id: UUID,
    season: str,
    reason: str,
    now: datetime,
) -> None:
    """Revoke what the report gave each student; a CreditsRevoked each with the balance."""
    of_report = await repository.entries_of_report(conn, college=college, report_id=report_id)
    students = sorted({line.entry.student_id for line in of_report})
    await repository.lock_students(conn, college=college, student_ids=students)
    note = " ".join(reason.split())[:_NOTE_MAX]
    events = []
    for student_id in students:
        lines = await repository.ledger_of(conn, college=college, student_id=student_id)
        own = [line for line in lines if line.entry.project_id == str(report_id)]
        if any(line.entry.kind == rules.REVOKED for line in own):
            continue  # already revoked: idempotent
        entries = [line.entry for line in lines]
        entry = rules.revoke_for_misconduct(entries, student_id, str(report_id), now, note=note)
        entry_season = own[0].season if own else season
        entry_id = uuid4()
        await repository.insert_entry(
            conn,
            entry_id=entry_id,
            college=college,
            season=entry_season,
            report_id=report_id,
            entry=entry,
        )
        events.append(
            CreditsRevoked(
                college=college,
                entry_id=entry_id,
                student_id=student_id,
                report_id=report_id,
                season=entry_season,
                credits=-entry.credits,
                balance=rules.balance([*entries, entry], student_id),
                reason=entry.reason,
                revoked_at=now,
            )
        )
    if events:
        await append_to_outbox(conn, events, source=SOURCE, now=now)


async def ledger_of(conn: asyncpg.Connection, *, college: str, student_id: str) -> Ledger:
    """A student's ledger: every entry, oldest first, and the balance (0 with none)."""
    lines = await repository.ledger_of(conn, college=college, student_id=student_id)
    return Ledger(
        student_id=student_id,
        balance=rules.balance([line.entry for line in lines], student_id),
        lines=tuple(lines),
    )


async def season_ledger(
    conn: asyncpg.Connection, *, college: str, season: str, paging: Paging
) -> list[tuple[LedgerLine, int]]:
    """The season's entries with each student's balance; an unknown season is not found."""
    if not await repository.season_exists(conn, college=college, season=season):
        raise NotFound("season", season)
    return await repository.entries_of_season(conn, college=college, season=season, paging=paging)
