"""SQL of the committee: class rosters, a season's reviewers, declared conflicts, the rubric."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class SeasonReviewer:
    reviewer_id: str
    load: int  # the most reports they review
    class_id: str | None  # their own, else their class roster's
    active: bool
    assigned: int  # reports assigned to them this season, every kind counted
    submitted: int  # reviews they submitted this season


@dataclass(frozen=True)
class DeclaredConflict:
    conflict_id: UUID
    reviewer_id: str
    report_id: UUID | None
    person_id: str | None
    reason: str
    declared_by: str
    declared_at: datetime


@dataclass(frozen=True)
class RubricRow:
    criteria: tuple[dict[str, Any], ...]  # {key, name, weight}
    low: float
    high: float
    reviews_per_report: int
    updated_by: str
    updated_at: datetime


async def season_exists(conn: asyncpg.Connection, *, college: str, season: str) -> bool:
    found = await conn.fetchval(
        "SELECT true FROM seasons WHERE college = $1 AND season = $2", college, season
    )
    return bool(found)


async def lock_season_assignment(conn: asyncpg.Connection, *, college: str, season: str) -> None:
    """Serialise the season's assignment changes (runs, arrivals, one more) until commit."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('evaluation.review_assignment'), hashtext($1))",
        f"{college}/{season}",
    )


# --- class rosters ---------------------------------------------------------------------


async def replace_class_roster(
    conn: asyncpg.Connection,
    *,
    college: str,
    class_id: str,
    member_ids: Sequence[str],
    now: datetime,
) -> None:
    await conn.execute(
        "DELETE FROM class_members WHERE college = $1 AND class_id = $2", college, class_id
    )
    await conn.executemany(
        "INSERT INTO class_members (college, class_id, person_id, updated_at)"
        " VALUES ($1, $2, $3, $4)",
        [(college, class_id, person, now) for person in member_ids],
    )


async def class_roster(conn: asyncpg.Connection, *, college: str, class_id: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT person_id FROM class_members WHERE college = $1 AND class_id = $2"
        " ORDER BY person_id",
        college,
        class_id,
    )
    return [row["person_id"] for row in rows]


async def classes_of(
    conn: asyncpg.Connection, *, college: str, person_ids: Sequence[str]
) -> dict[str, frozenset[str]]:
    """Each person's classes (a person on no roster is absent)."""
    rows = await conn.fetch(
        "SELECT person_id, array_agg(class_id ORDER BY class_id) AS classes FROM class_members"
        " WHERE college = $1 AND person_id = ANY($2::text[]) GROUP BY person_id",
        college,
        list(person_ids),
    )
    return {row["person_id"]: frozenset(row["classes"]) for row in rows}


# --- reviewers -------------------------------------------------------------------------


async def upsert_reviewer(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    reviewer_id: str,
    load: int,
    class_id: str | None,
    active: bool,
    updated_by: str,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO season_reviewers (college, season, reviewer_id, load, class_id, active,"
        " updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (college, season, reviewer_id) DO UPDATE SET load = EXCLUDED.load,"
        " class_id = EXCLUDED.class_id, active = EXCLUDED.active,"
        " updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at",
        college,
        season,
        reviewer_id,
        load,
        class_id,
        active,
        updated_by,
        now,
    )


async def season_reviewers(
    conn: asyncpg.Connection, *, college: str, season: str, reviewer_id: str | None = None
) -> list[SeasonReviewer]:
    """The season's reviewers (or one), their class (own, else their roster's first) and counts."""
    rows = await conn.fetch(
        "SELECT r.reviewer_id, r.load, r.active,"
        " COALESCE(r.class_id, (SELECT min(m.class_id) FROM class_members m"
        "   WHERE m.college = r.college AND m.person_id = r.reviewer_id)) AS class_id,"
        " (SELECT count(*) FROM review_assignments a WHERE a.college = r.college"
        "   AND a.season = r.season AND a.reviewer_id = r.reviewer_id"
        "   AND a.released_at IS NULL) AS assigned,"
        " (SELECT count(*) FROM reviews v WHERE v.college = r.college"
        "   AND v.season = r.season AND v.reviewer_id = r.reviewer_id"
        "   AND v.withdrawn_at IS NULL) AS submitted"
        " FROM season_reviewers r WHERE r.college = $1 AND r.season = $2"
        " AND ($3::text IS NULL OR r.reviewer_id = $3) ORDER BY r.reviewer_id",
        college,
        season,
        reviewer_id,
    )
    return [SeasonReviewer(**dict(row)) for row in rows]


# --- declared conflicts ----------------------------------------------------------------


async def insert_conflict(
    conn: asyncpg.Connection, *, college: str, season: str, conflict: DeclaredConflict
) -> bool:
    """Record the conflict; False when the same one was already declared (kept as it was)."""
    status = await conn.execute(
        "INSERT INTO review_conflicts (conflict_id, college, season, reviewer_id, report_id,"
        " person_id, reason, declared_by, declared_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        conflict.conflict_id,
        college,
        season,
        conflict.reviewer_id,
        conflict.report_id,
        conflict.person_id,
        conflict.reason,
        conflict.declared_by,
        conflict.declared_at,
    )
    return bool(status == "INSERT 0 1")


async def conflict_named(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    reviewer_id: str,
    report_id: UUID | None,
    person_id: str | None,
) -> DeclaredConflict | None:
    """The conflict already declared about this report (or person) by this reviewer."""
    row = await conn.fetchrow(
        "SELECT conflict_id, reviewer_id, report_id, person_id, reason, declared_by, declared_at"
        " FROM review_conflicts WHERE college = $1 AND season = $2 AND reviewer_id = $3"
        " AND report_id IS NOT DISTINCT FROM $4 AND person_id IS NOT DISTINCT FROM $5",
        college,
        season,
        reviewer_id,
        report_id,
        person_id,
    )
    return None if row is None else DeclaredConflict(**dict(row))


async def conflicts_of_season(
    conn: asyncpg.Connection, *, college: str, season: str, reviewer_id: str | None = None
) -> list[DeclaredConflict]:
    rows = await conn.fetch(
        "SELECT conflict_id, reviewer_id, report_id, person_id, reason, declared_by, declared_at"
        " FROM review_conflicts WHERE college = $1 AND season = $2"
        " AND ($3::text IS NULL OR reviewer_id = $3) ORDER BY declared_at, conflict_id",
        college,
        season,
        reviewer_id,
    )
    return [DeclaredConflict(**dict(row)) for row in rows]


# --- the rubric ------------------------------------------------------------------------


async def upsert_rubric(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    criteria: Sequence[dict[str, Any]],
    low: float,
    high: float,
    reviews_per_report: int,
    updated_by: str,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO rubrics (college, season, criteria, low, high, reviews_per_report,"
        " updated_by, updated_at) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8)"
        " ON CONFLICT (college, season) DO UPDATE SET criteria = EXCLUDED.criteria,"
        " low = EXCLUDED.low, high = EXCLUDED.high,"
        " reviews_per_report = EXCLUDED.reviews_per_report,"
        " updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at",
        college,
        season,
        json.dumps(list(criteria), ensure_ascii=False),
        low,
        high,
        reviews_per_report,
        updated_by,
        now,
    )


async def rubric_of(conn: asyncpg.Connection, *, college: str, season: str) -> RubricRow | None:
    row = await conn.fetchrow(
        "SELECT criteria, low, high, reviews_per_report, updated_by, updated_at FROM rubrics"
        " WHERE college = $1 AND season = $2",
        college,
        season,
    )
    if row is None:
        return None
    values = dict(row)
    values["criteria"] = tuple(json.loads(values["criteria"]))
    return RubricRow(**values)
