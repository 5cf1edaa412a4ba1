"""SQL of the credits ledger: entries only ever inserted; a student's balance is their sum."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from services.evaluation.domain.credits import CreditEntry
from shared.paging import Paging


@dataclass(frozen=True)
class LedgerLine:
    """A stored ledger entry: the domain's entry with its id, college and season."""

    entry_id: UUID
    college: str
    season: str
    entry: CreditEntry


_COLUMNS = "entry_id, college, student_id, report_id, season, kind, credits, reason, at"


def _line(row: asyncpg.Record) -> LedgerLine:
    return LedgerLine(
        entry_id=row["entry_id"],
        college=row["college"],
        season=row["season"],
        entry=CreditEntry(
            student_id=row["student_id"],
            project_id=str(row["report_id"]),
            kind=row["kind"],
            credits=row["credits"],
            reason=row["reason"],
            at=row["at"],
        ),
    )


async def lock_students(
    conn: asyncpg.Connection, *, college: str, student_ids: Sequence[str]
) -> None:
    """Serialise ledger changes per student until the transaction ends (sorted: no deadlock),
    so two passes of one student at once cannot both see fewer than 2 credits."""
    for student_id in sorted(set(student_ids)):
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('credits:' || $1 || ':' || $2, 0))",
            college,
            student_id,
        )


async def ledger_of(conn: asyncpg.Connection, *, college: str, student_id: str) -> list[LedgerLine]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM credit_entries WHERE college = $1 AND student_id = $2"
        " ORDER BY at, entry_id",
        college,
        student_id,
    )
    return [_line(r) for r in rows]


async def entries_of_report(
    conn: asyncpg.Connection, *, college: str, report_id: UUID
) -> list[LedgerLine]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM credit_entries WHERE college = $1 AND report_id = $2"
        " ORDER BY student_id, at, entry_id",
        college,
        report_id,
    )
    return [_line(r) for r in rows]


async def insert_entry(
    conn: asyncpg.Connection,
    *,
    entry_id: UUID,
    college: str,
    season: str,
    report_id: UUID,
    entry: CreditEntry,
) -> None:
    await conn.execute(
        f"INSERT INTO credit_entries ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        entry_id,
        college,
        entry.student_id,
        report_id,
        season,
        entry.kind,
        entry.credits,
        entry.reason,
        entry.at,
    )


async def report_integrity(
    conn: asyncpg.Connection, *, college: str, report_id: UUID
) -> str | None:
    """The report's integrity state (REPORTS' and SIMILARITY's table, read only)."""
    found: str | None = await conn.fetchval(
        "SELECT integrity FROM reports WHERE college = $1 AND report_id = $2", college, report_id
    )
    return found


async def entries_of_season(
    conn: asyncpg.Connection, *, college: str, season: str, paging: Paging
) -> list[tuple[LedgerLine, int]]:
    """The season's entries, each with its student's whole balance, by student then time."""
    rows = await conn.fetch(
        f"SELECT {', '.join('e.' + c.strip() for c in _COLUMNS.split(','))},"
        " (SELECT coalesce(sum(b.credits), 0) FROM credit_entries b"
        "   WHERE b.college = e.college AND b.student_id = e.student_id) AS balance"
        " FROM credit_entries e WHERE e.college = $1 AND e.season = $2"
        " ORDER BY e.student_id, e.at, e.entry_id LIMIT $3 OFFSET $4",
        college,
        season,
        paging.limit,
        paging.offset,
    )
    return [(_line(r), int(r["balance"])) for r in rows]


async def season_exists(conn: asyncpg.Connection, *, college: str, season: str) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM seasons WHERE college = $1 AND season = $2)"
        " OR EXISTS (SELECT 1 FROM credit_entries WHERE college = $1 AND season = $2)",
        college,
        season,
    )
    return found
