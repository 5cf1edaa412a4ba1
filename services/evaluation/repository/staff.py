"""SQL of the staff assessment: duty facts by event id, terms, officers' scores and
sanctions, and the published assessments (every version kept)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.paging import Paging


@dataclass(frozen=True)
class FactRow:
    event_id: UUID
    college: str
    person_id: str
    person_ids: tuple[str, ...]
    kind: str
    term: str | None
    payload: dict[str, Any]
    occurred_at: datetime


@dataclass(frozen=True)
class TermRow:
    college: str
    term: str
    starts_at: datetime
    ends_at: datetime
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class ScoreRow:
    score_id: UUID
    officer_id: str
    criterion: str
    score: float
    comment: str
    at: datetime


@dataclass(frozen=True)
class SanctionRow:
    sanction_id: UUID
    college: str
    term: str
    person_id: str
    kind: str
    reason: str
    imposed_by: str
    imposed_at: datetime
    annulled_at: datetime | None = None
    annulled_by: str | None = None
    annul_reason: str | None = None
    # What a dismissal names (None for the other kinds and dismissals stored before).
    organisation_kind: str | None = None
    organisation_id: str | None = None


@dataclass(frozen=True)
class AssessmentRow:
    assessment_id: UUID
    college: str
    person_id: str
    term: str
    version: int
    total: float | None  # None: a withdrawn version
    figures: list[dict[str, Any]]
    published_by: str
    published_at: datetime
    # Nothing was left to assess: the version withdraws the one before (no total, no
    # figures); who and when are the publishing officer's.
    withdrawn: bool = False


_FACT = "event_id, college, person_id, person_ids, kind, term, payload, occurred_at"
_SANCTION = (
    "sanction_id, college, term, person_id, kind, reason, imposed_by, imposed_at,"
    " annulled_at, annulled_by, annul_reason, organisation_kind, organisation_id"
)
_ASSESSMENT = (
    "assessment_id, college, person_id, term, version, total, figures, published_by,"
    " published_at, withdrawn"
)


def _fact(row: asyncpg.Record) -> FactRow:
    values = dict(row)
    values["person_ids"] = tuple(values["person_ids"])
    values["payload"] = json.loads(values["payload"])
    return FactRow(**values)


def _assessment(row: asyncpg.Record) -> AssessmentRow:
    values = dict(row)
    values["figures"] = json.loads(values["figures"])
    return AssessmentRow(**values)


# --- duty facts ---------------------------------------------------------------------------


async def insert_fact(conn: asyncpg.Connection, fact: FactRow) -> bool:
    """Insert the fact unless its event id is stored already; whether it was inserted."""
    status = await conn.execute(
        f"INSERT INTO duty_facts ({_FACT}) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)"
        " ON CONFLICT (event_id) DO NOTHING",
        fact.event_id,
        fact.college,
        fact.person_id,
        list(fact.person_ids),
        fact.kind,
        fact.term,
        json.dumps(fact.payload),
        fact.occurred_at,
    )
    return bool(status.endswith(" 1"))


async def fact_by_id(conn: asyncpg.Connection, *, event_id: UUID) -> FactRow | None:
    row = await conn.fetchrow(f"SELECT {_FACT} FROM duty_facts WHERE event_id = $1", event_id)
    return None if row is None else _fact(row)


async def facts_of(
    conn: asyncpg.Connection, *, college: str, person_id: str, term: TermRow
) -> list[FactRow]:
    """The member's facts that may fall in the term (the domain decides exactly)."""
    rows = await conn.fetch(
        f"SELECT {_FACT} FROM duty_facts WHERE college = $1 AND person_ids @> ARRAY[$2]"
        " AND (term = $3 OR (term IS NULL AND occurred_at >= $4 AND occurred_at < $5))"
        " ORDER BY event_id",
        college,
        person_id,
        term.term,
        term.starts_at,
        term.ends_at,
    )
    return [_fact(r) for r in rows]


async def facts_by_ids(
    conn: asyncpg.Connection, *, college: str, event_ids: Sequence[UUID]
) -> list[FactRow]:
    rows = await conn.fetch(
        f"SELECT {_FACT} FROM duty_facts WHERE college = $1 AND event_id = ANY($2::uuid[])"
        " ORDER BY occurred_at, event_id",
        college,
        list(event_ids),
    )
    return [_fact(r) for r in rows]


# --- terms ---------------------------------------------------------------------------------


async def upsert_term(conn: asyncpg.Connection, term: TermRow) -> None:
    await conn.execute(
        "INSERT INTO terms (college, term, starts_at, ends_at, updated_by, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (college, term) DO UPDATE SET"
        " starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,"
        " updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at",
        term.college,
        term.term,
        term.starts_at,
        term.ends_at,
        term.updated_by,
        term.updated_at,
    )


async def get_term(
    conn: asyncpg.Connection, *, college: str, term: str, for_update: bool = False
) -> TermRow | None:
    row = await conn.fetchrow(
        "SELECT college, term, starts_at, ends_at, updated_by, updated_at FROM terms"
        " WHERE college = $1 AND term = $2" + (" FOR UPDATE" if for_update else ""),
        college,
        term,
    )
    return None if row is None else TermRow(**dict(row))


# --- officers' scores ------------------------------------------------------------------------


async def put_score(
    conn: asyncpg.Connection,
    *,
    college: str,
    term: str,
    person_id: str,
    officer_id: str,
    score: ScoreRow,
) -> None:
    """The officer's score for the criterion, replacing theirs; a changed score gets a new
    id (a new source of the figure), the same score keeps its id. Every score is also
    kept in the history by its id (a published version names the ids it used)."""
    await conn.execute(
        "WITH put AS (INSERT INTO officer_scores (score_id, college, term, person_id,"
        " officer_id, criterion, score, comment, at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (college, term, person_id, officer_id, criterion) DO UPDATE SET"
        " score_id = CASE WHEN officer_scores.score = EXCLUDED.score"
        "   THEN officer_scores.score_id ELSE EXCLUDED.score_id END,"
        " score = EXCLUDED.score, comment = EXCLUDED.comment, at = EXCLUDED.at"
        " RETURNING score_id, college, term, person_id, officer_id, criterion, score, comment,"
        " at)"
        " INSERT INTO officer_score_history (score_id, college, term, person_id, officer_id,"
        " criterion, score, comment, at) SELECT * FROM put"
        " ON CONFLICT (score_id) DO UPDATE SET comment = EXCLUDED.comment",
        score.score_id,
        college,
        term,
        person_id,
        officer_id,
        score.criterion,
        score.score,
        score.comment,
        score.at,
    )


async def scores_of(
    conn: asyncpg.Connection, *, college: str, term: str, person_id: str
) -> list[ScoreRow]:
    rows = await conn.fetch(
        "SELECT score_id, officer_id, criterion, score, comment, at FROM officer_scores"
        " WHERE college = $1 AND term = $2 AND person_id = $3 ORDER BY officer_id, criterion",
        college,
        term,
        person_id,
    )
    return [ScoreRow(**dict(r)) for r in rows]


async def scores_by_ids(
    conn: asyncpg.Connection, *, college: str, score_ids: Sequence[UUID]
) -> list[ScoreRow]:
    """The scores with these ids, current or since replaced (from the history)."""
    rows = await conn.fetch(
        "SELECT score_id, officer_id, criterion, score, comment, at FROM officer_score_history"
        " WHERE college = $1 AND score_id = ANY($2::uuid[]) ORDER BY officer_id, criterion",
        college,
        list(score_ids),
    )
    return [ScoreRow(**dict(r)) for r in rows]


# --- officers' sanctions -------------------------------------------------------------------


async def insert_sanction(conn: asyncpg.Connection, sanction: SanctionRow) -> None:
    await conn.execute(
        "INSERT INTO staff_sanctions (sanction_id, college, term, person_id, kind, reason,"
        " imposed_by, imposed_at, organisation_kind, organisation_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        sanction.sanction_id,
        sanction.college,
        sanction.term,
        sanction.person_id,
        sanction.kind,
        sanction.reason,
        sanction.imposed_by,
        sanction.imposed_at,
        sanction.organisation_kind,
        sanction.organisation_id,
    )


async def sanctions_of(
    conn: asyncpg.Connection, *, college: str, term: str, person_id: str
) -> list[SanctionRow]:
    rows = await conn.fetch(
        f"SELECT {_SANCTION} FROM staff_sanctions"
        " WHERE college = $1 AND term = $2 AND person_id = $3 ORDER BY imposed_at, sanction_id",
        college,
        term,
        person_id,
    )
    return [SanctionRow(**dict(r)) for r in rows]


async def sanction_for_update(
    conn: asyncpg.Connection, *, college: str, term: str, person_id: str, sanction_id: UUID
) -> SanctionRow | None:
    """The member's sanction in the term, locked until the transaction ends (None: no such
    sanction of this member, term and college)."""
    row = await conn.fetchrow(
        f"SELECT {_SANCTION} FROM staff_sanctions WHERE sanction_id = $1 AND college = $2"
        " AND term = $3 AND person_id = $4 FOR UPDATE",
        sanction_id,
        college,
        term,
        person_id,
    )
    return None if row is None else SanctionRow(**dict(row))


async def annul_sanction(conn: asyncpg.Connection, sanction: SanctionRow) -> None:
    """Store the sanction's annulment (the sanction itself is kept as it was)."""
    await conn.execute(
        "UPDATE staff_sanctions SET annulled_at = $2, annulled_by = $3, annul_reason = $4"
        " WHERE sanction_id = $1 AND annulled_at IS NULL",
        sanction.sanction_id,
        sanction.annulled_at,
        sanction.annulled_by,
        sanction.annul_reason,
    )


async def sanctions_by_ids(
    conn: asyncpg.Connection, *, college: str, sanction_ids: Sequence[UUID]
) -> list[SanctionRow]:
    rows = await conn.fetch(
        f"SELECT {_SANCTION} FROM staff_sanctions"
        " WHERE college = $1 AND sanction_id = ANY($2::uuid[]) ORDER BY imposed_at, sanction_id",
        college,
        list(sanction_ids),
    )
    return [SanctionRow(**dict(r)) for r in rows]


# --- published assessments -----------------------------------------------------------------


async def insert_assessment(conn: asyncpg.Connection, assessment: AssessmentRow) -> None:
    await conn.execute(
        f"INSERT INTO staff_assessments ({_ASSESSMENT})"
        " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)",
        assessment.assessment_id,
        assessment.college,
        assessment.person_id,
        assessment.term,
        assessment.version,
        assessment.total,
        json.dumps(assessment.figures, ensure_ascii=False),
        assessment.published_by,
        assessment.published_at,
        assessment.withdrawn,
    )


async def assessment_of(
    conn: asyncpg.Connection,
    *,
    college: str,
    term: str,
    person_id: str,
    version: int | None = None,
) -> AssessmentRow | None:
    """The given version of the member's assessment, or the latest one."""
    row = await conn.fetchrow(
        f"SELECT {_ASSESSMENT} FROM staff_assessments"
        " WHERE college = $1 AND term = $2 AND person_id = $3"
        " AND ($4::integer IS NULL OR version = $4) ORDER BY version DESC LIMIT 1",
        college,
        term,
        person_id,
        version,
    )
    return None if row is None else _assessment(row)


async def latest_of_term(
    conn: asyncpg.Connection, *, college: str, term: str, paging: Paging
) -> list[AssessmentRow]:
    """Each member's latest version, a withdrawn one too (an officer sees it withdrawn)."""
    rows = await conn.fetch(
        f"SELECT DISTINCT ON (person_id) {_ASSESSMENT} FROM staff_assessments"
        " WHERE college = $1 AND term = $2 ORDER BY person_id, version DESC"
        " LIMIT $3 OFFSET $4",
        college,
        term,
        paging.limit,
        paging.offset,
    )
    return [_assessment(r) for r in rows]
