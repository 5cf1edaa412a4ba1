"""Solve job use cases: submit (the problem checked first), read, list, cancel; each runs
in the one transaction it is handed. The jobs themselves run in `job_runner`."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from services.scheduling.domain import solve_jobs as rules
from services.scheduling.domain.rules import NotFound
from services.scheduling.domain.solve_jobs import JobStatus, SolveJob, SolveKindName
from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.repository import jobs as repository
from services.scheduling.solver.worker import KINDS
from shared.paging import Paging


async def submit(
    conn: asyncpg.Connection,
    *,
    college: str,
    kind: SolveKindName,
    problem: dict[str, Any],
    time_limit_s: float | None,
    limits: ProblemLimits,
    default_time_limit_s: float,
    max_time_limit_s: float,
    by: str,
    now: datetime,
) -> SolveJob:
    """Queue a solve for any replica, once the problem is known to be a valid one within
    the size limits (RuleBroken naming the field otherwise: nothing is stored)."""
    limit = rules.time_limit(
        time_limit_s, default_s=default_time_limit_s, maximum_s=max_time_limit_s
    )
    # Parsing a large problem is CPU work: off the event loop.
    await asyncio.to_thread(KINDS[kind].parse, problem, limits)
    return await repository.insert_job(
        conn,
        college=college,
        job_id=uuid4(),
        kind=kind,
        problem=problem,
        time_limit_s=limit,
        created_by=by,
        created_at=now,
    )


async def get_job(conn: asyncpg.Connection, *, college: str, job_id: UUID) -> SolveJob:
    job = await repository.get_job(conn, college=college, job_id=job_id)
    if job is None:
        raise NotFound("solve job", job_id)
    return job


async def list_jobs(
    conn: asyncpg.Connection, *, college: str, status: JobStatus | None, paging: Paging
) -> list[SolveJob]:
    return await repository.list_jobs(conn, college=college, status=status, paging=paging)


async def cancel(conn: asyncpg.Connection, *, college: str, job_id: UUID) -> SolveJob:
    """A queued job is cancelled now; a running one is asked to stop (its runner passes
    the request to the solver within a heartbeat)."""
    job = await repository.get_job(conn, college=college, job_id=job_id, for_update=True)
    if job is None:
        raise NotFound("solve job", job_id)
    if rules.cancellation(job) == "now":
        await repository.cancel_queued(conn, job_id=job_id)
    else:
        await repository.request_cancel(conn, job_id=job_id)
    return await get_job(conn, college=college, job_id=job_id)
