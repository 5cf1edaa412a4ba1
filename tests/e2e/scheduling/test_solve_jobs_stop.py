"""A scheduling replica stopped gracefully (SIGTERM, as an orchestrator stops a pod) in
the middle of a solve: it asks the solve to stop, gives the job back (queued again, the
interrupted claim not counted) and ends with its worker processes, within its stop wait
and a safe margin, never leaving a solver running on."""

from __future__ import annotations

import signal
import time

import httpx
import pytest

from services.scheduling.service.job_runner import STOP_WAIT_S
from tests.e2e.scheduling.test_solve_jobs import (
    LARGE,
    a_job_on_a_replica,
    alive,
    cancel_jobs,
    children_of,
    job_of,
    jobs_url,
    start_replica,
    submit,
    wait_for,
)
from tests.support.kafka import wait_until
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
        busy = await submit(client, url, LARGE, 200)  # the main service takes no other job
        await wait_for(
            client, url, busy, lambda j: j["status"] == "running", timeout_s=60, what="busy"
        )
        replica, _ = start_replica(stack, service_dsns["scheduling"], "stopped")
        jobs = [busy]
        try:
            job_id, job, _ = await a_job_on_a_replica(client, url, [replica])
            jobs.append(job_id)
            assert job["attempts"] == 1
            workers = children_of(replica.pid)
            assert workers, "the replica solves in child processes"

            started = time.monotonic()
            replica.send_signal(signal.SIGTERM)
            replica.wait(timeout=STOP_LIMIT_S)
            print(f"\nthe replica stopped mid-solve in {time.monotonic() - started:.1f}s")
            assert replica.returncode == 0

            given_back = await job_of(client, url, job_id)
            assert (given_back["status"], given_back["claimed_by"]) == ("queued", None)
            assert given_back["attempts"] == 0

            async def workers_gone() -> bool:
                return not alive(workers)

            await wait_until(workers_gone, timeout_s=10, what="the replica's workers to end")
        finally:
            stop_record(process_record(replica))
            await cancel_jobs(client, url, jobs)
