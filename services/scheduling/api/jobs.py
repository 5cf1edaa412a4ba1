"""Solve jobs (officers): submit a rota or timetable problem, follow its progress, read
its result, cancel it. The problem is checked when submitted (422 naming the field,
nothing stored); the solve runs later, in a worker process of whichever replica claims it."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.scheduling.api.common import PREFIX, College, Limits, Officer, Paged, Settings
from services.scheduling.domain.solve_jobs import JobStatus
from services.scheduling.schemas.jobs import SolveJobForm, SolveJobPage, SolveJobView
from services.scheduling.service import jobs as service
from shared.web.dependencies import Now, ReadOnly, Transaction

router = APIRouter(prefix=PREFIX, tags=["solve jobs"])

JOBS = "/colleges/{college}/solve-jobs"


@router.post(
    JOBS,
    status_code=202,
    summary="Queue a rota or timetable solve; answers the job at once",
)
async def submit_job(
    college: College,
    form: SolveJobForm,
    principal: Officer,
    conn: Transaction,
    now: Now,
    settings: Settings,
    limits: Limits,
) -> SolveJobView:
    job = await service.submit(
        conn,
        college=college,
        kind=form.kind,
        problem=form.problem,
        time_limit_s=form.time_limit_s,
        limits=limits,
        default_time_limit_s=settings.solve_default_time_limit_s,
        max_time_limit_s=settings.solve_max_time_limit_s,
        by=principal.user_id,
        now=now,
    )
    return SolveJobView.of(job)


@router.get(JOBS, summary="The college's solve jobs, newest first (without results)")
async def list_jobs(
    college: College,
    principal: Officer,
    conn: ReadOnly,
    paging: Paged,
    status: JobStatus | None = None,
) -> SolveJobPage:
    jobs = await service.list_jobs(conn, college=college, status=status, paging=paging)
    return SolveJobPage.listing(jobs, paging)


@router.get(f"{JOBS}/{{job_id}}", summary="A solve job: status, progress, result when done")
async def get_job(
    college: College, job_id: UUID, principal: Officer, conn: ReadOnly
) -> SolveJobView:
    return SolveJobView.of(await service.get_job(conn, college=college, job_id=job_id))


@router.post(
    f"{JOBS}/{{job_id}}/cancel",
    summary="Cancel a solve job (a running one stops within a heartbeat, keeping its best answer)",
)
async def cancel_job(
    college: College, job_id: UUID, principal: Officer, conn: Transaction
) -> SolveJobView:
    return SolveJobView.of(await service.cancel(conn, college=college, job_id=job_id))
