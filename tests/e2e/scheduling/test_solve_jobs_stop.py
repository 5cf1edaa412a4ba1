"""A scheduling replica stopped gracefully (SIGTERM, as an orchestrator stops a pod) in
the middle of a solve: it asks the solve to stop, gives the job back (queued again, the
interrupted claim not counted) and ends with its worker processes, within its stop wait
and a safe margin, never leaving a solver running on. And a replica of two workers, one
of which dies under its solve: the other is ended too (it would go on solving a job that
is already queued again), and both jobs are solved again in fresh workers."""

from __future__ import annotations

import os
import signal
import time

import httpx
import pytest

from services.scheduling.service.job_runner import STOP_WAIT_S
from tests.e2e.scheduling.test_solve_jobs import (
    SHORT_CLAIM_TIMEOUT_S,
    a_job_on_a_replica,
    alive,
    cancel_jobs,
    children_of,
    job_of,
    jobs_url,
    main_service_busy,
    niceness,
    solving_at,
    start_replica,
    wait_for,
)
from tests.support.kafka import wait_until
from tests.support.replica import start_replica as start_service_replica
from tools.stack import StackEndpoints
from tools.stack.processes import process_record, stop_record

pytestmark = pytest.mark.e2e

# A safety limit, not a measure: the stop wait for the solve, then leaving the Kafka group
# and the Manager's shutdown (about a second here) on a loaded machine.
STOP_LIMIT_S = STOP_WAIT_S + 20


async def test_a_replica_stopped_mid_solve_gives_its_job_back_and_ends_its_workers(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    url = jobs_url(services)
    async with httpx.AsyncClient(timeout=10) as client:
        busy = await main_service_busy(client, url)
        replica, _ = start_replica(stack, service_dsns["scheduling"], "stopped")
        jobs = [busy]
        try:
            job_id, job, _ = await a_job_on_a_replica(client, url, [replica], jobs)
            assert job["attempts"] == 1
            workers = children_of(replica.pid)
            assert workers, "the replica solves in child processes"

            started = time.monotonic()
            replica.send_signal(signal.SIGTERM)
            replica.wait(timeout=STOP_LIMIT_S)
            print(f"\nthe replica stopped mid-solve in {time.monotonic() - started:.1f}s")
            assert replica.returncode == 0

            # Given back: queued, its claim not counted; or already claimed again by the
            # main service, if its own long job has ended meanwhile (a new first attempt).
            # Not given back, it would still be the stopped replica's, or taken over only
            # once its claim went stale (a second attempt).
            given_back = await job_of(client, url, job_id)
            now = (given_back["status"], given_back["claimed_by"], given_back["attempts"])
            assert now == ("queued", None, 0) or (
                now[0] == "running" and now[1] != job["claimed_by"] and now[2] == 1
            ), now

            async def workers_gone() -> bool:
                return not alive(workers)

            await wait_until(workers_gone, timeout_s=10, what="the replica's workers to end")
        finally:
            stop_record(process_record(replica))
            await cancel_jobs(client, url, jobs)


async def test_when_one_of_two_workers_dies_the_other_is_ended_and_both_jobs_run_again(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    url = jobs_url(services)
    async with httpx.AsyncClient(timeout=10) as client:
        busy = await main_service_busy(client, url)
        replica, _ = start_service_replica(
            "scheduling",
            stack,
            service_dsns["scheduling"],
            name="two-workers",
            settings={
                "SCHEDULING_SOLVE_WORKERS": "2",
                "SCHEDULING_SOLVE_CLAIM_TIMEOUT_S": str(SHORT_CLAIM_TIMEOUT_S),
            },
            ready_s=90,
        )
        jobs = [busy]
        try:
            first, _, _ = await a_job_on_a_replica(client, url, [replica], jobs)
            second, _, _ = await a_job_on_a_replica(client, url, [replica], jobs)
            workers = [pid for pid in children_of(replica.pid) if niceness(pid) > 0]
            assert len(workers) == 2, "two solves, one in each worker"

            os.kill(workers[0], signal.SIGKILL)  # out of memory, say

            async def the_other_ended() -> bool:
                return not alive({workers[1]})

            # Killed, it ends at once (0.2 s here); left alone, it solved on until the
            # Manager's shutdown broke its progress reports (13 s here).
            await wait_until(the_other_ended, timeout_s=5, what="the other worker to end")
            for job_id in (first, second):
                again = await wait_for(
                    client,
                    url,
                    job_id,
                    solving_at(2),
                    timeout_s=90,
                    what="the job solved again in a fresh worker",
                )
                assert again["status"] == "running"
        finally:
            stop_record(process_record(replica))
            await cancel_jobs(client, url, jobs)
