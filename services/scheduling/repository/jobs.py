"""SQL of solve jobs: submitted by the API, claimed by any replica's runner with
FOR UPDATE SKIP LOCKED, kept alive by a heartbeat, taken over when the heartbeat stops.

Heartbeats and staleness use the database's clock (now()), the one clock every replica
shares."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.scheduling.domain.solve_jobs import (
    MAX_ATTEMPTS,
    ClaimedJob,
    JobStatus,
    SolveJob,
    SolveKindName,
)
from services.scheduling.repository.rows import row_by_id
from shared.paging import Paging

_COLUMNS = (
    "job_id, college, kind, status, time_limit_s, cancel_requested, claimed_by, heartbeat_at,"
    " attempts, progress, result, error, created_by, created_at, started_at, finished_at"
)


def _job(row: asyncpg.Record) -> SolveJob:
    fields = dict(row)
    fields["progress"] = json.loads(fields["progress"])
    fields["result"] = json.loads(fields["result"]) if fields["result"] is not None else None
    return SolveJob(**fields)


async def insert_job(
    conn: asyncpg.Connection,
    *,
    college: str,
    job_id: UUID,
    kind: SolveKindName,
    problem: dict[str, Any],
    time_limit_s: float,
    created_by: str,
    created_at: datetime,
) -> SolveJob:
    row = await conn.fetchrow(
        "INSERT INTO solve_jobs (college, job_id, kind, problem, time_limit_s, status,"
        " created_by, created_at) VALUES ($1, $2, $3, $4::jsonb, $5, 'queued', $6, $7)"
        f" RETURNING {_COLUMNS}",
        college,
        job_id,
        kind,
        json.dumps(problem),
        time_limit_s,
        created_by,
        created_at,
    )
    return _job(row)


async def get_job(
    conn: asyncpg.Connection, *, college: str, job_id: UUID, for_update: bool = False
) -> SolveJob | None:
    query = f"SELECT {_COLUMNS} FROM solve_jobs WHERE college = $1 AND job_id = $2"
    return await row_by_id(conn, query, college, job_id, for_update=for_update, read=_job)


async def list_jobs(
    conn: asyncpg.Connection, *, college: str, status: JobStatus | None, paging: Paging
) -> list[SolveJob]:
    """Newest first; without each job's result (a listing stays small)."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS.replace('result,', 'NULL::jsonb AS result,')} FROM solve_jobs"
        " WHERE college = $1 AND ($2::text IS NULL OR status = $2)"
        " ORDER BY created_at DESC, job_id LIMIT $3 OFFSET $4",
        college,
        status,
        paging.limit,
        paging.offset,
    )
    return [_job(row) for row in rows]


async def cancel_queued(conn: asyncpg.Connection, *, job_id: UUID) -> None:
    await conn.execute(
        "UPDATE solve_jobs SET status = 'cancelled', cancel_requested = true,"
        " finished_at = now() WHERE job_id = $1 AND status = 'queued'",
        job_id,
    )


async def request_cancel(conn: asyncpg.Connection, *, job_id: UUID) -> None:
    await conn.execute(
        "UPDATE solve_jobs SET cancel_requested = true WHERE job_id = $1 AND status = 'running'",
        job_id,
    )


async def claim(
    pool: asyncpg.Pool, *, replica: str, limit: int, stale_after_s: float
) -> list[ClaimedJob]:
    """Claim up to `limit` jobs: queued ones, and running ones whose claimer stopped
    heartbeating `stale_after_s` ago. An abandoned job asked to stop ends cancelled; one
    claimed MAX_ATTEMPTS times already is given up as failed."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "UPDATE solve_jobs SET finished_at = now(),"
            " status = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'failed' END,"
            " error = CASE WHEN cancel_requested THEN error ELSE"
            "  format('given up: %s claims, the last by %s stopped heartbeating',"
            "   attempts, claimed_by) END"
            " WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1)"
            " AND (cancel_requested OR attempts >= $2)",
            stale_after_s,
            MAX_ATTEMPTS,
        )
        rows = await conn.fetch(
            "WITH next AS ("
            " SELECT job_id FROM solve_jobs WHERE status = 'queued' OR (status = 'running'"
            "  AND heartbeat_at < now() - make_interval(secs => $1))"
            " ORDER BY created_at, job_id LIMIT $2 FOR UPDATE SKIP LOCKED)"
            " UPDATE solve_jobs j SET status = 'running', claimed_by = $3, heartbeat_at = now(),"
            "  started_at = now(), attempts = j.attempts + 1, progress = '{}'::jsonb"
            " FROM next WHERE j.job_id = next.job_id"
            " RETURNING j.job_id, j.college, j.kind, j.problem, j.time_limit_s, j.attempts",
            stale_after_s,
            limit,
            replica,
        )
    return [
        ClaimedJob(
            job_id=row["job_id"],
            college=row["college"],
            kind=row["kind"],
            problem=json.loads(row["problem"]),
            time_limit_s=row["time_limit_s"],
            attempts=row["attempts"],
        )
        for row in rows
    ]


async def heartbeat(
    pool: asyncpg.Pool, *, job_id: UUID, replica: str, progress: dict[str, Any]
) -> bool | None:
    """Still ours: record the heartbeat and progress and say whether a cancel was asked.
    None when the job is no longer ours (another replica took it over, or it ended)."""
    asked: bool | None = await pool.fetchval(
        "UPDATE solve_jobs SET heartbeat_at = now(), progress = $3::jsonb"
        " WHERE job_id = $1 AND claimed_by = $2 AND status = 'running'"
        " RETURNING cancel_requested",
        job_id,
        replica,
        json.dumps(progress),
    )
    return asked


async def finish(
    pool: asyncpg.Pool,
    *,
    job_id: UUID,
    replica: str,
    status: JobStatus,
    progress: dict[str, Any],
    result: dict[str, Any] | None,
    error: str | None,
) -> bool:
    """Record how a job ended, if it is still ours; False if it is not."""
    done = await pool.fetchval(
        "UPDATE solve_jobs SET status = $3, progress = $4::jsonb, result = $5::jsonb,"
        " error = $6, finished_at = now(), heartbeat_at = now()"
        " WHERE job_id = $1 AND claimed_by = $2 AND status = 'running' RETURNING true",
        job_id,
        replica,
        status,
        json.dumps(progress),
        json.dumps(result) if result is not None else None,
        error,
    )
    return bool(done)


async def release(pool: asyncpg.Pool, *, job_id: UUID, replica: str) -> None:
    """Give a job back (the replica is shutting down): queued again for any replica, and
    the interrupted claim not counted as an attempt."""
    await _queue_again(pool, job_id=job_id, replica=replica, attempts="greatest(attempts - 1, 0)")


async def requeue(pool: asyncpg.Pool, *, job_id: UUID, replica: str) -> None:
    """Queue a job again after its solve died: for any replica, the claim counted."""
    await _queue_again(pool, job_id=job_id, replica=replica, attempts="attempts")


async def _queue_again(pool: asyncpg.Pool, *, job_id: UUID, replica: str, attempts: str) -> None:
    await pool.execute(
        "UPDATE solve_jobs SET status = 'queued', claimed_by = NULL, heartbeat_at = NULL,"
        f" started_at = NULL, attempts = {attempts}, progress = '{{}}'::jsonb"
        " WHERE job_id = $1 AND claimed_by = $2 AND status = 'running'",
        job_id,
        replica,
    )
