"""Solve jobs: a rota or timetable problem solved asynchronously by whichever replica
claims it, and what may happen to one.

queued -> running (claimed; a heartbeat while it runs) -> done | failed | cancelled.
A running job whose claimer stops heartbeating is claimed again by another replica
(each claim is an attempt); after MAX_ATTEMPTS claims it is given up as failed. A
queued job is cancelled at once; a running one is asked to stop, and ends cancelled
with the best answer found so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from services.scheduling.domain.rules import RuleBroken

SolveKindName = Literal["rota", "timetable"]
JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
FINISHED: tuple[JobStatus, ...] = ("done", "failed", "cancelled")

# Claims of one job before it is given up (its solves kept killing their replicas).
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class SolveJob:
    job_id: UUID
    college: str
    kind: SolveKindName
    status: JobStatus
    time_limit_s: float
    cancel_requested: bool
    claimed_by: str | None
    heartbeat_at: datetime | None
    attempts: int
    progress: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class ClaimedJob:
    """What a replica needs to run a job it has claimed."""

    job_id: UUID
    college: str
    kind: SolveKindName
    problem: dict[str, Any]
    time_limit_s: float
    attempts: int


def time_limit(requested: float | None, *, default_s: float, maximum_s: float) -> float:
    """The time limit a job runs with: the requested one (if within the maximum) or the
    default."""
    if requested is None:
        return default_s
    if requested > maximum_s:
        raise RuleBroken(
            "time_limit_too_long",
            field="time_limit_s",
            message=f"a solve may run at most {maximum_s:g} s",
            invalid=True,
        )
    return requested


def cancellation(job: SolveJob) -> Literal["now", "ask"]:
    """How a cancel request is met: a queued job is cancelled now; a running one is asked
    to stop; a finished one cannot be cancelled."""
    if job.status == "queued":
        return "now"
    if job.status == "running":
        return "ask"
    raise RuleBroken(
        "job_finished",
        field="job_id",
        message=f"the job is already {job.status}",
    )


def finished_status(result: dict[str, Any], *, cancel_requested: bool) -> JobStatus:
    """A job's status from its solve's result document."""
    if cancel_requested or result.get("status") == "cancelled":
        return "cancelled"
    return "done"
