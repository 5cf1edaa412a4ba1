"""SQL of excellence defenses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.evaluation.domain.defenses import Defense


@dataclass(frozen=True)
class DefenseRow:
    defense: Defense
    college: str
    season: str
    score: float | None
    excellent: bool | None
    decided_by: str | None
    decided_at: datetime | None
    withdrawn_at: datetime | None = None
    withdraw_reason: str | None = None


def _defense(row: asyncpg.Record) -> Defense:
    return Defense(
        defense_id=row["defense_id"],
        report_id=row["report_id"],
        room=row["room"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        panel_ids=tuple(row["panel_ids"]),
    )


def _row(row: asyncpg.Record) -> DefenseRow:
    return DefenseRow(
        defense=_defense(row),
        college=row["college"],
        season=row["season"],
        score=row["score"],
        excellent=row["excellent"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        withdrawn_at=row["withdrawn_at"],
        withdraw_reason=row["withdraw_reason"],
    )


_DEFENSE = (
    "SELECT defense_id, report_id, college, season, room, panel_ids, starts_at, ends_at,"
    " score, excellent, decided_by, decided_at, withdrawn_at, withdraw_reason FROM defenses"
)


async def _one(
    conn: asyncpg.Connection, key: str, value: UUID, *, college: str, for_update: bool
) -> DefenseRow | None:
    """The college's defense whose `key` column ('defense_id' or 'report_id') is `value`."""
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"{_DEFENSE} WHERE college = $1 AND {key} = $2{lock}", college, value)
    return None if row is None else _row(row)


async def defense_row(
    conn: asyncpg.Connection, *, college: str, defense_id: UUID, for_update: bool = False
) -> DefenseRow | None:
    return await _one(conn, "defense_id", defense_id, college=college, for_update=for_update)


async def defense_of_report(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, for_update: bool = False
) -> DefenseRow | None:
    """The report's defense (one at most), if scheduled."""
    return await _one(conn, "report_id", report_id, college=college, for_update=for_update)


async def defenses_of_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[DefenseRow]:
    rows = await conn.fetch(
        f"{_DEFENSE} WHERE college = $1 AND season = $2 ORDER BY starts_at, room, defense_id",
        college,
        season,
    )
    return [_row(row) for row in rows]


async def defenses_between(
    conn: asyncpg.Connection, *, college: str, starts: datetime, ends: datetime
) -> list[Defense]:
    """The college's defenses (any season) overlapping [starts, ends) and not withdrawn:
    busy members, rooms."""
    rows = await conn.fetch(
        f"{_DEFENSE} WHERE college = $1 AND starts_at < $3 AND ends_at > $2"
        " AND withdrawn_at IS NULL",
        college,
        starts,
        ends,
    )
    return [_defense(row) for row in rows]


async def insert_defenses(
    conn: asyncpg.Connection,
    defenses: Sequence[Defense],
    *,
    college: str,
    season: str,
    by: str,
    now: datetime,
) -> None:
    await conn.executemany(
        "INSERT INTO defenses (defense_id, report_id, college, season, room, panel_ids,"
        " starts_at, ends_at, scheduled_by, scheduled_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        [
            (
                d.defense_id,
                d.report_id,
                college,
                season,
                d.room,
                list(d.panel_ids),
                d.starts_at,
                d.ends_at,
                by,
                now,
            )
            for d in defenses
        ],
    )


async def record_decision(
    conn: asyncpg.Connection,
    *,
    defense_id: UUID,
    score: float,
    excellent: bool,
    by: str,
    now: datetime,
) -> None:
    await conn.execute(
        "UPDATE defenses SET score = $2, excellent = $3, decided_by = $4, decided_at = $5"
        " WHERE defense_id = $1",
        defense_id,
        score,
        excellent,
        by,
        now,
    )


async def withdraw_defense(
    conn: asyncpg.Connection, *, college: str, defense_id: UUID, reason: str, now: datetime
) -> None:
    """Kept, with the reason; its room and panel are free again."""
    await conn.execute(
        "UPDATE defenses SET withdrawn_at = $2, withdraw_reason = $3"
        " WHERE defense_id = $1 AND college = $4 AND withdrawn_at IS NULL",
        defense_id,
        now,
        reason,
        college,
    )
