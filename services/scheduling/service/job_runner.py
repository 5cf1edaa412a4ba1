"""The solve-job loop every replica runs: claim jobs, solve them in worker processes,
heartbeat and report progress while they run, record how they end.

The loop is a supervised background loop of the service (ServiceDefinition.background_loops).
It never solves on the event loop: each job's solve is a task of the process pool
(`solver.worker`), awaited through an asyncio future; every blocking call to the
multiprocessing Manager (progress queues, stop events) runs in a thread. So the API,
the consumers and the readiness probe answer while a solve runs.

A replica that stops gracefully gives its running jobs back (queued again); one that
dies stops heartbeating, and another replica takes its jobs over after
`solve_claim_timeout_s` (see domain/solve_jobs.py for attempts and giving up).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.managers import SyncManager
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import structlog

from services.scheduling.domain.solve_jobs import (
    MAX_ATTEMPTS,
    ClaimedJob,
    JobStatus,
    finished_status,
)
from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.repository import jobs as repository
from services.scheduling.settings import SchedulingSettings
from services.scheduling.solver.worker import (
    SolveRequest,
    drain,
    kill_pool,
    solve_in_worker,
    start_manager,
    start_pool,
    warm_up,
)
from shared.config import ServiceSettings
from shared.supervisor import Loop, LoopHealth, sleep_or_stop

log = structlog.get_logger(__name__)

POLL_S = 1.0
# A solve still running this long after its time limit is asked to stop.
OVERRUN_GRACE_S = 30.0
# On shutdown, how long running solves get to stop before their jobs are given back.
STOP_WAIT_S = 3.0


def problem_limits(settings: SchedulingSettings) -> ProblemLimits:
    return ProblemLimits(
        max_staff=settings.solve_max_staff,
        max_shifts=settings.solve_max_shifts,
        max_days=settings.solve_max_days,
        max_lessons=settings.solve_max_lessons,
        max_activities=settings.solve_max_activities,
    )


def replica_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:6]}"


@dataclass
class _Running:
    """A job this replica runs: its task, and what its heartbeat shares with it."""

    job: ClaimedJob
    task: asyncio.Task[None] | None = None
    claimed_at: float = field(default_factory=time.monotonic)
    progress: dict[str, Any] = field(default_factory=lambda: {"elapsed_s": 0.0})
    reports: Any = None  # the Manager queue the worker reports progress on
    stop: Any = None  # the Manager event the solver's stop flag reads
    cancel_asked: bool = False
    stop_sent: bool = False  # the solver's stop flag was raised
    lost: bool = False  # another replica took the job over


@dataclass
class SolveJobRunner:
    pool: asyncpg.Pool
    settings: SchedulingSettings
    replica: str = field(default_factory=replica_name)
    poll_s: float = POLL_S
    _executor: ProcessPoolExecutor | None = None
    _manager: SyncManager | None = None
    _running: dict[UUID, _Running] = field(default_factory=dict)
    _stopping: bool = False
    _starting: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def heartbeat_s(self) -> float:
        """Every second (or a third of the claim timeout, if shorter): far inside the
        timeout after which another replica takes the job over."""
        return max(0.1, min(1.0, self.settings.solve_claim_timeout_s / 3))

    @property
    def cp_workers(self) -> int:
        """CP-SAT threads per solve: the machine's cores shared by the worker processes."""
        return max(1, min(8, (os.cpu_count() or 2) // self.settings.solve_workers))

    async def run(self, stop: asyncio.Event, health: LoopHealth) -> None:
        """Claim and run jobs until `stop`; then give back what still runs."""
        self._stopping = False
        # The worker processes start now, not with the first job (a spawned interpreter
        # takes seconds to import the solver); claiming goes on meanwhile.
        warming = asyncio.create_task(self._warm_up(), name="solve-workers-warm-up")
        try:
            while not stop.is_set():
                try:
                    await self._claim_more()
                    health.succeeded()
                except Exception as error:
                    health.failed(error)
                    log.warning("solve-job claim failed", error=repr(error)[:300])
                await self._pause(stop)
        finally:
            warming.cancel()
            await asyncio.gather(warming, return_exceptions=True)
            await self._shut_down()

    async def _warm_up(self) -> None:
        try:
            executor, _ = await self._tools()
            await asyncio.gather(
                *(
                    asyncio.wrap_future(executor.submit(warm_up))
                    for _ in range(self.settings.solve_workers)
                )
            )
        except Exception as error:  # the first job tries again, and reports its failure
            log.warning("solve workers did not warm up", error=repr(error)[:300])

    async def _pause(self, stop: asyncio.Event) -> None:
        """Until the poll interval passes, a job ends (a worker is free) or `stop`."""
        tasks = [running.task for running in self._running.values() if running.task is not None]
        if not tasks:
            await sleep_or_stop(stop, self.poll_s)
            return
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait(
                [*tasks, stopping], timeout=self.poll_s, return_when="FIRST_COMPLETED"
            )
        finally:
            stopping.cancel()

    async def _claim_more(self) -> None:
        free = self.settings.solve_workers - len(self._running)
        if free <= 0:
            return
        claimed = await repository.claim(
            self.pool,
            replica=self.replica,
            limit=free,
            stale_after_s=self.settings.solve_claim_timeout_s,
        )
        for job in claimed:
            log.info(
                "solve job claimed", job_id=str(job.job_id), kind=job.kind, attempt=job.attempts
            )
            running = self._running[job.job_id] = _Running(job)
            running.task = asyncio.create_task(self._run_job(running), name=f"solve-{job.job_id}")

    async def _tools(self) -> tuple[ProcessPoolExecutor, SyncManager]:
        async with self._starting:
            if self._manager is None:
                self._manager = await asyncio.to_thread(start_manager)
            if self._executor is None:
                self._executor = start_pool(self.settings.solve_workers)
            return self._executor, self._manager

    async def _run_job(self, running: _Running) -> None:
        job = running.job
        # The heartbeat starts with the claim (before the workers may even be up), so a
        # slow start never lets the claim go stale.
        beating = asyncio.create_task(self._heartbeat(running), name=f"beat-{job.job_id}")
        tools: tuple[ProcessPoolExecutor, SyncManager] | None = None
        try:
            tools = executor, manager = await self._tools()
            running.reports, stop = await asyncio.to_thread(
                lambda: (manager.Queue(), manager.Event())
            )
            running.stop = stop
            if running.cancel_asked or running.lost:
                await asyncio.to_thread(stop.set)
            request = SolveRequest(
                kind=job.kind,
                problem=job.problem,
                limits=problem_limits(self.settings),
                time_limit_s=job.time_limit_s,
                cp_workers=self.cp_workers,
            )
            result = await asyncio.wrap_future(
                executor.submit(solve_in_worker, request, running.reports, stop)
            )
            beating.cancel()
            await self._report(running)
            if running.lost:
                return  # no longer ours: another replica has it
            if self._stopping:  # stopped by the shutdown, not done: for another replica
                await repository.release(self.pool, job_id=job.job_id, replica=self.replica)
                return
            status = finished_status(result, cancel_requested=running.cancel_asked)
            await self._finish(job.job_id, status, running.progress, result=result)
        except asyncio.CancelledError:
            raise
        except (BrokenProcessPool, OSError, EOFError) as error:
            # The worker process or the Manager died under the solve (killed, out of
            # memory): not the job's fault, unless it keeps happening to it.
            await self._discard_tools(tools)
            await self._retry_or_give_up(running, error)
        except Exception as error:  # the solve itself failed (a bug): not worth retrying
            log.error("solve job failed", job_id=str(job.job_id), exc_info=error)
            error_text = f"{type(error).__name__}: {error}"[:2000]
            await self._finish(job.job_id, "failed", running.progress, error=error_text)
        finally:
            beating.cancel()
            await asyncio.gather(beating, return_exceptions=True)
            self._running.pop(job.job_id, None)

    async def _discard_tools(self, failed: tuple[ProcessPoolExecutor, SyncManager] | None) -> None:
        """Start the worker processes and the Manager afresh for the next job, unless that
        was done already (`failed`: the tools the job used; None if it got none). The old
        workers are killed: after a worker died, the others would go on solving jobs
        already queued again (they ignore the SIGTERM the broken pool sends), and after
        the Manager died no solve can be stopped or report progress (their jobs are tried
        again, as this one is)."""
        async with self._starting:
            if failed is not None and failed != (self._executor, self._manager):
                return  # another job's failure has replaced them already
            executor, manager = self._executor, self._manager
            self._executor = self._manager = None
        if executor is not None:
            kill_pool(executor)
        if manager is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(manager.shutdown)

    async def _retry_or_give_up(self, running: _Running, error: BaseException) -> None:
        job = running.job
        error_text = f"{type(error).__name__}: {error}"[:2000]
        if self._stopping:  # the shutdown took the workers down: for another replica
            await repository.release(self.pool, job_id=job.job_id, replica=self.replica)
            return
        if job.attempts >= MAX_ATTEMPTS:
            log.error("solve job given up", job_id=str(job.job_id), error=error_text)
            message = f"given up: its solve died {job.attempts} times ({error_text})"
            await self._finish(job.job_id, "failed", running.progress, error=message)
            return
        log.warning("solve died; the job is queued again", job_id=str(job.job_id), error=error_text)
        await repository.requeue(self.pool, job_id=job.job_id, replica=self.replica)

    async def _report(self, running: _Running) -> None:
        """Take the latest progress the worker sent into the job's progress."""
        progress = running.progress
        progress["elapsed_s"] = round(time.monotonic() - running.claimed_at, 3)
        if running.reports is None:
            return
        latest = await asyncio.to_thread(drain, running.reports)
        if latest is not None:
            objective, bound, solver_elapsed, solutions = latest
            progress.update(objective=objective, bound=bound, solutions=solutions)
            progress["solver_elapsed_s"] = round(solver_elapsed, 3)

    async def _heartbeat(self, running: _Running) -> None:
        """While the job runs: record progress and the heartbeat; pass a cancel (or an
        overrun, or the loss of the claim) to the solver's stop flag."""
        job = running.job
        while True:
            await asyncio.sleep(self.heartbeat_s)
            try:
                await self._report(running)
            except Exception as error:  # the Manager is gone: the heartbeat goes on
                log.warning(
                    "solve progress unreadable", job_id=str(job.job_id), error=repr(error)[:300]
                )
            try:
                asked = await repository.heartbeat(
                    self.pool, job_id=job.job_id, replica=self.replica, progress=running.progress
                )
            except Exception as error:  # the database is away: the next beat tries again
                log.warning(
                    "solve job heartbeat failed", job_id=str(job.job_id), error=repr(error)[:300]
                )
                continue
            overrun = time.monotonic() - running.claimed_at > job.time_limit_s + OVERRUN_GRACE_S
            running.cancel_asked = running.cancel_asked or bool(asked)
            if asked is None:
                running.lost = True
                log.warning("solve job taken over by another replica", job_id=str(job.job_id))
            if (asked is None or asked or overrun) and running.stop is not None:
                try:
                    await asyncio.to_thread(running.stop.set)
                except Exception as error:
                    log.warning("could not stop a solve", error=repr(error)[:300])
                else:
                    if not running.stop_sent:  # once: the moment the solver was told
                        running.stop_sent = True
                        why = "lost" if asked is None else "cancel" if asked else "overrun"
                        log.info("solve asked to stop", job_id=str(job.job_id), why=why)
            if asked is None:
                return

    async def _finish(
        self,
        job_id: UUID,
        status: JobStatus,
        progress: dict[str, Any],
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        recorded = await repository.finish(
            self.pool,
            job_id=job_id,
            replica=self.replica,
            status=status,
            progress=progress,
            result=result,
            error=error,
        )
        log.info("solve job ended", job_id=str(job_id), status=status, recorded=recorded)

    async def _shut_down(self) -> None:
        """Ask running solves to stop and give their jobs back; stop the worker processes."""
        self._stopping = True
        running = list(self._running.values())
        for each in running:
            if each.stop is not None:
                try:
                    await asyncio.to_thread(each.stop.set)
                except Exception as error:  # the Manager is gone: the solve dies with us
                    log.warning("could not stop a solve", error=repr(error)[:300])
        tasks = [each.task for each in running if each.task is not None]
        if tasks:  # each gives its job back once its solve has stopped
            _, late = await asyncio.wait(tasks, timeout=STOP_WAIT_S)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        for each in running:
            try:  # a no-op for the jobs given back already
                await repository.release(self.pool, job_id=each.job.job_id, replica=self.replica)
            except Exception as error:  # the database is away: the claim goes stale instead
                log.warning("could not give a solve job back", error=repr(error)[:300])
        self._running.clear()
        executor, manager = self._executor, self._manager
        self._executor = self._manager = None
        if executor is not None:
            kill_pool(executor)
        if manager is not None:
            try:
                await asyncio.to_thread(manager.shutdown)
            except Exception as error:
                log.warning("the solve Manager did not shut down cleanly", error=repr(error)[:300])


def solve_job_loop(pool: asyncpg.Pool, settings: ServiceSettings) -> Loop:
    """The kernel's factory for the supervised "solve-jobs" loop."""
    if not isinstance(settings, SchedulingSettings):
        raise TypeError("the solve-job loop needs the scheduling service's settings")
    return SolveJobRunner(pool, settings).run
