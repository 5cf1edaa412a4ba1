"""SQL of award runs, borderline second looks, prizes, exclusions and excellence
applications."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.evaluation.domain.submission_window import SubmissionWindow


@dataclass(frozen=True)
class AwardRow:
    report_id: UUID
    college: str
    season: str
    run_id: UUID
    prize: str
    calibrated_score: float
    granted_at: datetime
    withdrawn_at: datetime | None
    withdraw_reason: str | None
    title: str = ""
    author_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SecondLook:
    report_id: UUID
    run_id: UUID
    reviews_then: int
    reviewer_id: str | None
    requested_at: datetime


@dataclass(frozen=True)
class FinalRun:
    """The season's final award run: its config, and the reports it found eligible for
    the excellence review (None: a run made before migration 0010 kept no list)."""

    run_id: UUID
    config: dict[str, Any]
    excellence_eligible: tuple[UUID, ...] | None


@dataclass(frozen=True)
class Application:
    report_id: UUID
    college: str
    season: str
    applicant_id: str
    applied_at: datetime
    withdrawn_at: datetime | None = None
    withdraw_reason: str | None = None


# --- prizes and exclusions ---------------------------------------------------------------

_AWARD = (
    "SELECT a.report_id, a.college, a.season, a.run_id, a.prize, a.calibrated_score,"
    " a.granted_at, a.withdrawn_at, a.withdraw_reason, r.title, r.author_ids"
    " FROM awards a JOIN reports r USING (report_id)"
)


def _award(row: asyncpg.Record) -> AwardRow:
    values = dict(row)
    values["author_ids"] = tuple(values["author_ids"])
    return AwardRow(**values)


async def award_of(
    conn: asyncpg.Connection, *, report_id: UUID, for_update: bool = False
) -> AwardRow | None:
    lock = " FOR UPDATE OF a" if for_update else ""
    row = await conn.fetchrow(f"{_AWARD} WHERE a.report_id = $1{lock}", report_id)
    return None if row is None else _award(row)


async def awards_of_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[AwardRow]:
    rows = await conn.fetch(
        f"{_AWARD} WHERE a.college = $1 AND a.season = $2"
        " ORDER BY array_position(ARRAY['first','second','third','honourable'], a.prize),"
        " a.calibrated_score DESC, a.report_id",
        college,
        season,
    )
    return [_award(row) for row in rows]


async def insert_awards(conn: asyncpg.Connection, awards: list[AwardRow]) -> None:
    await conn.executemany(
        "INSERT INTO awards (report_id, college, season, run_id, prize, calibrated_score,"
        " granted_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            (
                a.report_id,
                a.college,
                a.season,
                a.run_id,
                a.prize,
                a.calibrated_score,
                a.granted_at,
            )
            for a in awards
        ],
    )


async def withdraw_award(
    conn: asyncpg.Connection, *, report_id: UUID, reason: str, now: datetime
) -> None:
    await conn.execute(
        "UPDATE awards SET withdrawn_at = $2, withdraw_reason = $3"
        " WHERE report_id = $1 AND withdrawn_at IS NULL",
        report_id,
        now,
        reason,
    )


async def exclude(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, reason: str, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO award_exclusions (report_id, college, reason, excluded_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (report_id) DO NOTHING",
        report_id,
        college,
        reason,
        now,
    )


def _out_of_awards(report: str) -> str:
    """SQL: the report (a row of `reports` named `report`) is out of every award run: an
    exclusion recorded, or misconduct decided."""
    return (
        f"({report}.integrity = 'misconduct'"
        f" OR {report}.report_id IN (SELECT report_id FROM award_exclusions))"
    )


async def excluded_of_season(conn: asyncpg.Connection, *, college: str, season: str) -> set[UUID]:
    """Reports out of every award run: an exclusion recorded, or misconduct decided."""
    rows = await conn.fetch(
        "SELECT r.report_id FROM reports r WHERE r.college = $1 AND r.season = $2"
        f" AND {_out_of_awards('r')}",
        college,
        season,
    )
    return {row["report_id"] for row in rows}


async def unsettled_of_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[tuple[UUID, str]]:
    """Submitted reports whose place cannot be known yet, with why: an open integrity flag
    ('integrity_flag_open'), no committee review to grade it on yet ('not_reviewed'), or
    no final grade ('grade_not_final'); reports out of every run (misconduct, exclusions)
    aside."""
    rows = await conn.fetch(
        "SELECT r.report_id, CASE WHEN r.integrity = 'flagged' THEN 'integrity_flag_open'"
        " WHEN NOT EXISTS (SELECT 1 FROM reviews v WHERE v.report_id = r.report_id"
        "   AND v.withdrawn_at IS NULL) THEN 'not_reviewed'"
        " ELSE 'grade_not_final' END AS why"
        " FROM reports r LEFT JOIN grades g ON g.report_id = r.report_id"
        " WHERE r.college = $1 AND r.season = $2 AND r.first_submitted_at IS NOT NULL"
        f" AND NOT {_out_of_awards('r')} AND (r.integrity = 'flagged' OR g.report_id IS NULL)"
        " ORDER BY r.report_id",
        college,
        season,
    )
    return [(row["report_id"], row["why"]) for row in rows]


async def awaited_of_season(conn: asyncpg.Connection, *, college: str, season: str) -> int:
    """Expected reports not yet submitted (those out of every run aside)."""
    count: int = await conn.fetchval(
        "SELECT count(*) FROM reports r WHERE r.college = $1 AND r.season = $2"
        f" AND r.first_submitted_at IS NULL AND NOT {_out_of_awards('r')}",
        college,
        season,
    )
    return count


# --- runs and borderline second looks -----------------------------------------------------


async def lock_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> SubmissionWindow | None:
    """Serialise award runs of a season (the season row, FOR UPDATE); its submission
    window, None if the season is unknown."""
    found = await conn.fetchrow(
        "SELECT opens_at, closes_at FROM seasons WHERE college = $1 AND season = $2 FOR UPDATE",
        college,
        season,
    )
    return None if found is None else SubmissionWindow(found["opens_at"], found["closes_at"])


async def final_run(conn: asyncpg.Connection, *, college: str, season: str) -> FinalRun | None:
    row = await conn.fetchrow(
        "SELECT run_id, config, excellence_eligible FROM award_runs"
        " WHERE college = $1 AND season = $2 AND status = 'final'",
        college,
        season,
    )
    if row is None:
        return None
    eligible = row["excellence_eligible"]
    return FinalRun(
        run_id=row["run_id"],
        config=json.loads(row["config"]),
        excellence_eligible=None if eligible is None else tuple(eligible),
    )


async def insert_run(
    conn: asyncpg.Connection,
    *,
    run_id: UUID,
    college: str,
    season: str,
    config: dict[str, Any],
    status: str,
    held_back: list[UUID],
    excellence_eligible: list[UUID] | None,
    by: str,
    now: datetime,
) -> None:
    """`excellence_eligible`: the final run's list (None on a pending run)."""
    await conn.execute(
        "INSERT INTO award_runs (run_id, college, season, config, status, held_back,"
        " excellence_eligible, started_by, started_at)"
        " VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9)",
        run_id,
        college,
        season,
        json.dumps(config),
        status,
        held_back,
        excellence_eligible,
        by,
        now,
    )


async def second_looks(
    conn: asyncpg.Connection, *, college: str, season: str
) -> dict[UUID, SecondLook]:
    rows = await conn.fetch(
        "SELECT report_id, run_id, reviews_then, reviewer_id, requested_at"
        " FROM award_second_looks WHERE college = $1 AND season = $2",
        college,
        season,
    )
    return {row["report_id"]: SecondLook(**dict(row)) for row in rows}


async def insert_second_look(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    look: SecondLook,
) -> None:
    await conn.execute(
        "INSERT INTO award_second_looks (report_id, college, season, run_id, reviews_then,"
        " reviewer_id, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        look.report_id,
        college,
        season,
        look.run_id,
        look.reviews_then,
        look.reviewer_id,
        look.requested_at,
    )


# --- excellence applications --------------------------------------------------------------


async def insert_application(conn: asyncpg.Connection, application: Application) -> bool:
    """False when the report already applied."""
    inserted = await conn.fetchval(
        "INSERT INTO excellence_applications (report_id, college, season, applicant_id,"
        " applied_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (report_id) DO NOTHING"
        " RETURNING true",
        application.report_id,
        application.college,
        application.season,
        application.applicant_id,
        application.applied_at,
    )
    return bool(inserted)


_APPLICATION = (
    "SELECT report_id, college, season, applicant_id, applied_at, withdrawn_at,"
    " withdraw_reason FROM excellence_applications"
)


async def applications_of_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[Application]:
    """Every application of the season, withdrawn ones included."""
    rows = await conn.fetch(
        f"{_APPLICATION} WHERE college = $1 AND season = $2 ORDER BY applied_at, report_id",
        college,
        season,
    )
    return [Application(**dict(row)) for row in rows]


async def waiting_applications(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[Application]:
    """The applications a defense is to be scheduled for, locked (FOR UPDATE, so that a
    misconduct decision withdrawing one waits for the scheduling, then finds its defense):
    not withdrawn, of a report neither excluded from the awards nor decided misconduct,
    with no defense yet."""
    rows = await conn.fetch(
        f"{_APPLICATION} a WHERE college = $1 AND season = $2 AND withdrawn_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM defenses d WHERE d.report_id = a.report_id)"
        " AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.report_id = a.report_id"
        f" AND {_out_of_awards('r')})"
        " ORDER BY applied_at, report_id FOR UPDATE OF a",
        college,
        season,
    )
    return [Application(**dict(row)) for row in rows]


async def withdraw_application(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, reason: str, now: datetime
) -> Application | None:
    """Withdraw the report's application (kept, with the reason); None when it has none
    or it is already withdrawn. Takes the application's row lock."""
    row = await conn.fetchrow(
        "UPDATE excellence_applications SET withdrawn_at = $2, withdraw_reason = $3"
        " WHERE report_id = $1 AND college = $4 AND withdrawn_at IS NULL"
        " RETURNING report_id, college, season, applicant_id, applied_at, withdrawn_at,"
        " withdraw_reason",
        report_id,
        now,
        reason,
        college,
    )
    return None if row is None else Application(**dict(row))


async def is_excluded(conn: asyncpg.Connection, *, college: str, report_id: UUID) -> bool:
    """Out of the awards: an exclusion recorded, or misconduct decided."""
    found = await conn.fetchval(
        "SELECT 1 FROM reports r WHERE r.report_id = $1 AND r.college = $2"
        f" AND {_out_of_awards('r')}",
        report_id,
        college,
    )
    return found is not None
