"""The process-pool side of solve jobs: what runs in a worker process, never on the
service's event loop.

Each kind of problem (rota, timetable) is three functions: parse the JSON document into
the domain problem, solve it, render the judged outcome as a JSON document. `solve_in_worker`
runs them in a child process of a `ProcessPoolExecutor` started with the "spawn" method
(a fresh interpreter: the service's asyncio loop, sockets and threads are never forked).
Progress goes back through a queue of a multiprocessing Manager; a cancel arrives through
a Manager event the solver's stop flag reads.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.managers import SyncManager
from typing import Any, Protocol

from services.scheduling.domain.solve_jobs import SolveKindName
from services.scheduling.domain.solving import ProblemLimits, SolveProgress
from services.scheduling.schemas.rostering import parse_rota_problem, rota_result_document
from services.scheduling.schemas.timetabling import (
    parse_timetable_problem,
    timetable_result_document,
)
from services.scheduling.solver.rostering import solve_rota
from services.scheduling.solver.timetabling import solve_timetable

START_METHOD = "spawn"
# Worker processes yield the CPU to the service's own process (API, consumers).
WORKER_NICENESS = 10
# At most this often a progress report crosses to the service (the last one always does).
PROGRESS_EVERY_S = 0.2
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class SolveKind:
    parse: Callable[[object, ProblemLimits], Any]
    solve: Callable[..., Any]
    document: Callable[[Any], dict[str, Any]]


KINDS: dict[SolveKindName, SolveKind] = {
    "rota": SolveKind(parse_rota_problem, solve_rota, rota_result_document),
    "timetable": SolveKind(parse_timetable_problem, solve_timetable, timetable_result_document),
}


@dataclass(frozen=True)
class SolveRequest:
    """Everything a worker process needs for one solve (it crosses a process boundary)."""

    kind: SolveKindName
    problem: dict[str, Any]
    limits: ProblemLimits
    time_limit_s: float
    cp_workers: int


class ProgressQueue(Protocol):
    def put(self, item: tuple[float, float, float, int]) -> None: ...


class StopEvent(Protocol):
    def is_set(self) -> bool: ...


class _Reporter:
    """The solver's progress sink: forwards at most one report per PROGRESS_EVERY_S,
    and the last one held back when the solve ends."""

    def __init__(self, sink: ProgressQueue, clock: Callable[[], float] = time.monotonic) -> None:
        self.sink = sink
        self.clock = clock
        self.sent_at = 0.0
        self.held: tuple[float, float, float, int] | None = None
        self.solutions = 0

    def __call__(self, progress: SolveProgress) -> None:
        self.solutions += 1
        report = (progress.objective, progress.bound, progress.elapsed_s, self.solutions)
        now = self.clock()
        if now - self.sent_at >= PROGRESS_EVERY_S:
            self.sink.put(report)
            self.sent_at, self.held = now, None
        else:
            self.held = report

    def flush(self) -> None:
        if self.held is not None:
            self.sink.put(self.held)
            self.held = None


def solve_in_worker(
    request: SolveRequest, progress: ProgressQueue, stop: StopEvent
) -> dict[str, Any]:
    """Parse, solve and render one problem; runs in a worker process."""
    kind = KINDS[request.kind]
    problem = kind.parse(request.problem, request.limits)
    reporter = _Reporter(progress)
    outcome = kind.solve(
        problem,
        time_limit_s=request.time_limit_s,
        workers=request.cp_workers,
        progress=reporter,
        stop=stop.is_set,
    )
    reporter.flush()
    return kind.document(outcome)


def warm_up() -> int:
    """Nothing: run once per worker process so it starts (and imports the solvers) before
    the first job needs it."""
    return os.getpid()


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when the service process that started it dies,
    so a killed replica leaves no solver running on (its job goes to another replica)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _serve_the_service() -> None:
    """In a worker or the Manager: the service process decides when solves stop (its
    shutdown stops them through their stop flags), so a SIGTERM or Ctrl-C sent to the
    whole process group is the service's to handle; and if the service dies, so do they."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _worker_started() -> None:
    _serve_the_service()
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)


def start_pool(processes: int) -> ProcessPoolExecutor:
    """The worker processes (started lazily by the executor, with "spawn")."""
    return ProcessPoolExecutor(
        max_workers=processes,
        mp_context=multiprocessing.get_context(START_METHOD),
        initializer=_worker_started,
    )


def kill_pool(executor: ProcessPoolExecutor) -> None:
    """Shut the pool down and kill its worker processes now. Only when they hold nothing
    worth keeping: the service stops with its jobs given back (the interpreter's exit
    would otherwise wait for each worker; one still importing the solvers takes seconds),
    or the pool broke under a solve (its jobs are tried again in a fresh one)."""
    kill_workers = getattr(executor, "kill_workers", None)  # Python 3.14
    if callable(kill_workers):
        kill_workers()
        return
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):  # gone already
            process.kill()


def start_manager() -> SyncManager:
    """The Manager whose queues and events carry progress and cancels (blocks while its
    server process starts: call it off the event loop)."""
    manager = SyncManager(ctx=multiprocessing.get_context(START_METHOD))
    manager.start(_serve_the_service)
    return manager


def drain(reports: Any) -> tuple[float, float, float, int] | None:
    """The latest progress report waiting in a Manager queue (blocking IPC: off the loop)."""
    latest = None
    while True:
        try:
            latest = reports.get_nowait()
        except queue.Empty:
            return latest
