"""Solve job rules: the time limit a job runs with, how a cancel is met, how a job ends;
and the worker's progress reports (at most one per interval, the last one never lost)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.scheduling.domain.solve_jobs import (
    SolveJob,
    cancellation,
    finished_status,
    time_limit,
)
from services.scheduling.domain.solving import SolveProgress
from services.scheduling.solver import worker
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

JOB = SolveJob(
    job_id=uuid4(),
    college="cs",
    kind="rota",
    status="queued",
    time_limit_s=30.0,
    cancel_requested=False,
    claimed_by=None,
    heartbeat_at=None,
    attempts=0,
    progress={},
    result=None,
    error=None,
    created_by="cs-officer",
    created_at=datetime(2026, 9, 1, tzinfo=UTC),
    started_at=None,
    finished_at=None,
)


def test_the_time_limit_is_the_requested_one_or_the_default_never_over_the_maximum() -> None:
    assert time_limit(None, default_s=30, maximum_s=300) == 30
    assert time_limit(12.5, default_s=30, maximum_s=300) == 12.5
    assert time_limit(300, default_s=30, maximum_s=300) == 300
    with pytest.raises(RuleBroken) as raised:
        time_limit(300.5, default_s=30, maximum_s=300)
    assert (raised.value.field, raised.value.rule, raised.value.invalid) == (
        "time_limit_s",
        "time_limit_too_long",
        True,
    )


def test_a_queued_job_is_cancelled_now_a_running_one_is_asked_a_finished_one_refuses() -> None:
    assert cancellation(JOB) == "now"
    assert cancellation(replace(JOB, status="running")) == "ask"
    for status in ("done", "failed", "cancelled"):
        with pytest.raises(RuleBroken) as raised:
            cancellation(replace(JOB, status=status))
        assert raised.value.rule == "job_finished" and not raised.value.invalid


def test_a_job_ends_cancelled_when_asked_to_or_when_its_solve_says_so() -> None:
    assert finished_status({"status": "optimal"}, cancel_requested=False) == "done"
    assert finished_status({"status": "infeasible"}, cancel_requested=False) == "done"
    assert finished_status({"status": "feasible"}, cancel_requested=True) == "cancelled"
    assert finished_status({"status": "cancelled"}, cancel_requested=False) == "cancelled"


class Sink:
    def __init__(self) -> None:
        self.sent: list[tuple[float, float, float, int]] = []

    def put(self, item: tuple[float, float, float, int]) -> None:
        self.sent.append(item)


def test_progress_is_sent_at_most_once_an_interval_and_the_last_report_is_flushed() -> None:
    clock = iter([100.0, 100.05, 100.1, 100.5, 100.55])
    sink = Sink()
    reporter = worker._Reporter(sink, clock=lambda: next(clock))
    for objective in (50.0, 40.0, 35.0, 30.0, 28.0):
        reporter(SolveProgress(objective=objective, bound=10.0, elapsed_s=1.0))
    assert [report[0] for report in sink.sent] == [50.0, 30.0]
    reporter.flush()
    assert sink.sent[-1] == (28.0, 10.0, 1.0, 5)
    reporter.flush()
    assert len(sink.sent) == 3  # nothing held back any more
