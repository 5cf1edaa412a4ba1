"""SQL of department intakes: capacities, candidates, assessments, outcomes."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from services.recruitment.domain.intake import (
    Assessment,
    Candidate,
    Intake,
    Outcome,
    intake_id_taken_broken,
    one_application_per_intake_broken,
)
from services.recruitment.domain.paging import Paging
from services.recruitment.repository.records import record_to, unique_violation_means


async def insert_intake(conn: asyncpg.Connection, intake: Intake) -> None:
    # The same id opened twice at the same moment: the second waited for the first.
    with unique_violation_means("intakes_pkey", intake_id_taken_broken(intake.id)):
        await conn.execute(
            "INSERT INTO intakes (college, id, title, max_choices, opened_at)"
            " VALUES ($1,$2,$3,$4,$5)",
            intake.college,
            intake.id,
            intake.title,
            intake.max_choices,
            intake.opened_at,
        )
    await conn.executemany(
        "INSERT INTO intake_departments (college, intake_id, department, capacity)"
        " VALUES ($1,$2,$3,$4)",
        [(intake.college, intake.id, d, c) for d, c in intake.capacities.items()],
    )


async def get_intake(
    conn: asyncpg.Connection, *, college: str, intake_id: str, for_update: bool = False
) -> Intake | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        "SELECT college, id, title, max_choices, opened_at, published_at FROM intakes"
        f" WHERE college = $1 AND id = $2{lock}",
        college,
        intake_id,
    )
    if row is None:
        return None
    departments = await conn.fetch(
        "SELECT department, capacity FROM intake_departments"
        " WHERE college = $1 AND intake_id = $2 ORDER BY department",
        college,
        intake_id,
    )
    return record_to(Intake, row, capacities={d["department"]: d["capacity"] for d in departments})


async def mark_published(conn: asyncpg.Connection, intake: Intake) -> None:
    await conn.execute(
        "UPDATE intakes SET published_at = $3 WHERE college = $1 AND id = $2",
        intake.college,
        intake.id,
        intake.published_at,
    )


async def insert_candidate(
    conn: asyncpg.Connection, *, college: str, intake_id: str, candidate: Candidate
) -> None:
    # Two applications by one candidate at the same instant: the key refuses the second.
    with unique_violation_means("intake_candidates_pkey", one_application_per_intake_broken()):
        await conn.execute(
            "INSERT INTO intake_candidates (college, intake_id, candidate_id, name, choices,"
            " applied_at) VALUES ($1,$2,$3,$4,$5,$6)",
            college,
            intake_id,
            candidate.candidate_id,
            candidate.name,
            list(candidate.choices),
            candidate.applied_at,
        )


async def get_candidate(
    conn: asyncpg.Connection, *, college: str, intake_id: str, candidate_id: str
) -> Candidate | None:
    row = await conn.fetchrow(
        "SELECT candidate_id, name, choices, applied_at FROM intake_candidates"
        " WHERE college = $1 AND intake_id = $2 AND candidate_id = $3",
        college,
        intake_id,
        candidate_id,
    )
    return record_to(Candidate, row) if row else None


async def candidates(
    conn: asyncpg.Connection, *, college: str, intake_id: str, paging: Paging | None = None
) -> list[Candidate]:
    """The intake's candidates in order of application: a page of them, or all."""
    limit, offset = (paging.limit, paging.offset) if paging else (None, 0)
    rows = await conn.fetch(
        "SELECT candidate_id, name, choices, applied_at FROM intake_candidates"
        " WHERE college = $1 AND intake_id = $2 ORDER BY applied_at, candidate_id"
        " LIMIT $3 OFFSET $4",
        college,
        intake_id,
        limit,
        offset,
    )
    return [record_to(Candidate, row) for row in rows]


async def save_assessment(
    conn: asyncpg.Connection,
    *,
    college: str,
    intake_id: str,
    assessment: Assessment,
    assessor_id: str,
    now: object,
) -> None:
    # An assessor may correct a score until the result is published: the last one counts.
    await conn.execute(
        "INSERT INTO intake_assessments (college, intake_id, candidate_id, department,"
        " communication, planning, assessor_id, assessed_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"
        " ON CONFLICT (college, intake_id, candidate_id, department) DO UPDATE SET"
        " communication = EXCLUDED.communication, planning = EXCLUDED.planning,"
        " assessor_id = EXCLUDED.assessor_id, assessed_at = EXCLUDED.assessed_at",
        college,
        intake_id,
        assessment.candidate_id,
        assessment.department,
        assessment.communication,
        assessment.planning,
        assessor_id,
        now,
    )


async def assessments(
    conn: asyncpg.Connection, *, college: str, intake_id: str
) -> list[Assessment]:
    rows = await conn.fetch(
        "SELECT candidate_id, department, communication, planning FROM intake_assessments"
        " WHERE college = $1 AND intake_id = $2",
        college,
        intake_id,
    )
    return [record_to(Assessment, row) for row in rows]


async def insert_outcomes(
    conn: asyncpg.Connection, *, college: str, intake_id: str, outcomes: Sequence[Outcome]
) -> None:
    await conn.executemany(
        "INSERT INTO intake_outcomes (college, intake_id, candidate_id, department,"
        " choice_rank, explanation) VALUES ($1,$2,$3,$4,$5,$6)",
        [
            (college, intake_id, o.candidate_id, o.department, o.choice_rank, o.explanation)
            for o in outcomes
        ],
    )


async def outcomes(
    conn: asyncpg.Connection, *, college: str, intake_id: str, paging: Paging
) -> list[Outcome]:
    rows = await conn.fetch(
        "SELECT * FROM intake_outcomes WHERE college = $1 AND intake_id = $2"
        " ORDER BY candidate_id LIMIT $3 OFFSET $4",
        college,
        intake_id,
        paging.limit,
        paging.offset,
    )
    return [record_to(Outcome, row) for row in rows]


async def outcome_of(
    conn: asyncpg.Connection, *, college: str, intake_id: str, candidate_id: str
) -> Outcome | None:
    row = await conn.fetchrow(
        "SELECT * FROM intake_outcomes WHERE college = $1 AND intake_id = $2 AND candidate_id = $3",
        college,
        intake_id,
        candidate_id,
    )
    return record_to(Outcome, row) if row else None
