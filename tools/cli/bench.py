"""`campusflow bench`: benchmarks on the local stack (figures, not pass/fail tests).

Uses the stack running in --state-dir when there is one; otherwise starts a
temporary one (local processes in a fresh directory under /tmp) and always
stops it, also on error or Ctrl-C. The last line on stdout is one JSON object.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import structlog
import typer
from rich.console import Console
from rich.table import Table

from tools.stack import LocalProcesses, StackEndpoints, StackError, default_state_dir
from tools.stack.infrastructure import recorded_infrastructure
from tools.stack.processes import record_alive
from tools.stack.state import read_stack_state, recorded_endpoints

app = typer.Typer(help="Benchmarks of the platform on the local stack.", no_args_is_help=True)
# Wide enough that a progress line stays one line when stdout is a file or a pipe.
console = Console(highlight=False, log_path=False, width=None if sys.stdout.isatty() else 120)
errors = Console(stderr=True, highlight=False)


@app.callback()
def bench() -> None:
    """Benchmarks of the platform on the local stack."""


@app.command("backbone")
def backbone_command(
    state_dir: Path | None = typer.Option(
        None,
        "--state-dir",
        help="Use the stack running there, else start a temporary one "
        "[default: $CAMPUSFLOW_STATE_DIR or /tmp/campusflow-stack].",
    ),
    events: int = typer.Option(50_000, "--events", min=1, help="Events for the throughput runs."),
    rate: float = typer.Option(500.0, "--rate", min=1, help="Events/s of the latency run."),
    latency_seconds: float = typer.Option(
        10.0, "--latency-seconds", min=0.1, help="How long the latency run lasts."
    ),
    keep_schema: bool = typer.Option(
        False, "--keep-schema", help="Keep the run's bench_<id> schema for inspection."
    ),
) -> None:
    """Raw Kafka vs outbox → relay → inbox throughput, and latency at a fixed rate."""
    from tools.bench.backbone import BackboneSettings, BenchError, run_backbone
    from tools.bench.report import GOALS, goal_results, json_line, machine, summary

    _quiet_libraries()
    settings = BackboneSettings(
        events=events, rate=rate, latency_seconds=latency_seconds, keep_schema=keep_schema
    )
    directory = (state_dir or default_state_dir()).expanduser().resolve()
    try:
        with _terminate_as_interrupt(), _bench_stack(directory) as (endpoints, origin):
            figures = asyncio.run(_run(endpoints, origin, settings, run_backbone))
    except (StackError, BenchError) as exc:
        errors.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    except (KeyboardInterrupt, asyncio.CancelledError):
        errors.print("interrupted; everything the bench started was stopped")
        raise typer.Exit(130) from None

    result = summary(figures, machine_info=machine())
    result["stack"] = origin
    met = goal_results(figures)
    table = Table(title="campusflow bench backbone")
    for column in ("Figure", "Value", "Goal", ""):
        table.add_column(column)
    table.add_row("raw Kafka", f"{result['raw_events_per_s']:,.0f} events/s", "", "")
    for goal in GOALS:
        value = result[goal.key]
        shown = f"{value:.1%}" if goal.unit == "%" else f"{value:,.1f} {goal.unit}"
        verdict = "[green]PASS[/]" if met[goal.key] else "[red]MISS[/]"
        table.add_row(goal.label, shown, goal.describe(), verdict)
    table.add_row("p50 latency", f"{result['p50_ms']:,.1f} ms", "", "")
    console.print(table)
    console.print(
        "The relay is woken by NOTIFY at each outbox commit; its idle poll of "
        f"{result['relay_idle_sleep_s'] * 1000:.0f} ms (platform default) is only a safety net."
    )
    sys.stdout.flush()
    sys.stdout.write(json_line(result) + "\n")
    sys.stdout.flush()


async def _run(endpoints: StackEndpoints, origin: str, settings: Any, run_backbone: Any) -> Any:
    # Inside the loop, SIGTERM cancels the run like Ctrl-C does, so every `finally` runs.
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    assert main is not None
    loop.add_signal_handler(signal.SIGTERM, main.cancel)
    try:
        return await _prepare_and_run(endpoints, origin, settings, run_backbone)
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _interrupt)


async def _prepare_and_run(
    endpoints: StackEndpoints, origin: str, settings: Any, run_backbone: Any
) -> Any:
    if origin == "temporary":
        from tools.stack.bootstrap import prepare_platform

        console.log("preparing the platform (topics, schemas, migrations)...")
        await prepare_platform(endpoints)
    else:
        from shared.messaging.topics import create_topics

        await create_topics(endpoints.kafka_bootstrap)  # only what is missing
    return await run_backbone(endpoints, settings, console)


def running_endpoints(directory: Path) -> StackEndpoints | None:
    """The endpoints of the stack running in `directory`, or None (absent or not all alive)."""
    endpoints = recorded_endpoints(directory)
    if endpoints is None:
        return None
    try:
        statuses = recorded_infrastructure(directory).status()
    except StackError:
        return None
    return endpoints if statuses and all(s.running for s in statuses) else None


@contextmanager
def _bench_stack(directory: Path) -> Iterator[tuple[StackEndpoints, str]]:
    endpoints = running_endpoints(directory)
    if endpoints is not None:
        console.print(f"Using the stack running in {directory}.")
        services: dict[str, Any] = (read_stack_state(directory) or {}).get("services") or {}
        alive = [name for name, record in services.items() if record_alive(record)]
        if alive:
            console.print(
                f"[yellow]Services are running on it ({', '.join(alive)}): they share the CPU, "
                "and any consumer of the applications topic will also receive the bench's "
                "events.[/]"
            )
        yield endpoints, "existing"
        return
    temporary = Path(tempfile.mkdtemp(prefix="campusflow-bench-", dir="/tmp"))
    temporary.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    infrastructure = LocalProcesses(temporary)
    console.print(f"No stack runs in {directory}; starting a temporary one in {temporary}...")
    try:
        endpoints = infrastructure.start()
        console.log(
            "started "
            + ", ".join(f"{k} in {v:.1f} s" for k, v in infrastructure.startup_seconds.items())
        )
        yield endpoints, "temporary"
    finally:
        console.log("stopping the temporary stack...")
        try:
            infrastructure.stop()
        finally:
            shutil.rmtree(temporary, ignore_errors=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Outside the event loop (starting or stopping the stack), SIGTERM acts as Ctrl-C."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _quiet_libraries() -> None:
    """Warnings and errors only, on stderr: stdout carries the figures and the JSON line."""
    structlog.configure(
        logger_factory=_CurrentStderr.factory,
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
    )
    for name in ("faststream", "aiokafka"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # FastStream's broker logger (one line per batch, on stdout) resets its own level when the
    # broker starts; a filter stays.
    logging.getLogger("faststream.access.kafka").addFilter(_warnings_only)


class _CurrentStderr:
    """A structlog logger writing to `sys.stderr` as it is when a line is written (not as
    it was at configure time: run in-process, e.g. under typer's CliRunner, the stream
    of the moment of configuring is closed once the run ends)."""

    @staticmethod
    def factory(*_: object) -> _CurrentStderr:
        return _CurrentStderr()

    def msg(self, message: str) -> None:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def _warnings_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING


@app.command("recruitment")
def recruitment_command(
    children: int = typer.Option(5000, "--children", min=1, help="Children in the county."),
    volunteers: int = typer.Option(3000, "--volunteers", min=1, help="Volunteers in the county."),
    candidates: int = typer.Option(2000, "--candidates", min=1, help="Intake candidates."),
    departments: int = typer.Option(11, "--departments", min=1, max=11, help="Departments."),
) -> None:
    """Pairing a county's children with its volunteers, and a college's intake matching."""
    from tools.bench.recruitment import bench_intake, bench_pairing
    from tools.bench.report import json_line, machine

    console.print(
        f"pairing {children:,} children with {volunteers:,} volunteers in one county "
        "(one-to-one, min-cost flow)..."
    )
    pairing = bench_pairing(children=children, volunteers=volunteers)
    gain = pairing["pairing_objective"] / max(1, pairing["baseline_first_fit_objective"]) - 1
    console.print(
        f"  {pairing['pairing_pairs']:,} pairs in {pairing['pairing_s']:.2f} s, objective "
        f"{pairing['pairing_objective']:,} vs {pairing['baseline_first_fit_objective']:,} for a "
        f"first-fit baseline ({gain:+.0%}); goal <= 10 s: "
        f"{'PASS' if pairing['pairing_s'] <= 10 else 'MISS'}"
    )
    console.print(f"intake of {candidates:,} candidates over {departments} departments...")
    intake = bench_intake(candidates=candidates, departments=departments)
    console.print(
        f"  {intake['intake_admitted']:,} admitted in {intake['intake_s']:.3f} s; goal <= 2 s: "
        f"{'PASS' if intake['intake_s'] <= 2 else 'MISS'}"
    )
    sys.stdout.flush()
    sys.stdout.write(json_line({**pairing, **intake, "machine": machine()}) + "\n")
    sys.stdout.flush()


@app.command("scheduling")
def scheduling_command(
    quick: bool = typer.Option(
        False, "--quick", help="Small instances and short limits (a smoke run, not the figures)."
    ),
) -> None:
    """Duty rota, repair, summer timetable and activity calendar solves, each re-checked."""
    from tools.bench.report import json_line, machine
    from tools.bench.scheduling_calendar import bench_calendar
    from tools.bench.scheduling_rota import bench_repair, bench_rota
    from tools.bench.scheduling_timetable import bench_timetable

    figures: dict[str, Any] = {}
    rota = bench_rota(console, quick=quick)
    figures.update(rota.figures)
    figures.update(bench_repair(console, rota, quick=quick))
    figures.update(bench_timetable(console, quick=quick))
    figures.update(bench_calendar(console, quick=quick))
    sys.stdout.flush()
    sys.stdout.write(json_line({**figures, "machine": machine()}) + "\n")
    sys.stdout.flush()


@app.command("evaluation")
def evaluation_command(
    quick: bool = typer.Option(
        False, "--quick", help="Small instances and few seeds (a smoke run, not the figures)."
    ),
    state_dir: Path | None = typer.Option(
        None,
        "--state-dir",
        help="Use the stack running there, else start a temporary one "
        "[default: $CAMPUSFLOW_STATE_DIR or /tmp/campusflow-stack].",
    ),
) -> None:
    """Similarity gate on PostgreSQL, review assignment and calibration gain, each re-judged."""
    from tools.bench.evaluation import EvaluationBench, run_evaluation

    _service_bench(state_dir, EvaluationBench(quick=quick), run_evaluation)


def _service_bench(state_dir: Path | None, settings: Any, runner: Any) -> None:
    """Run a service's bench on the running (else a temporary) stack; its figures, the
    stack's origin and the machine as the last line, one JSON object."""
    from tools.bench.report import json_line, machine

    _quiet_libraries()
    directory = (state_dir or default_state_dir()).expanduser().resolve()
    try:
        with _terminate_as_interrupt(), _bench_stack(directory) as (endpoints, origin):
            figures = asyncio.run(_run(endpoints, origin, settings, runner))
    except StackError as exc:
        errors.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    except (KeyboardInterrupt, asyncio.CancelledError):
        errors.print("interrupted; everything the bench started was stopped")
        raise typer.Exit(130) from None
    sys.stdout.flush()
    sys.stdout.write(json_line({**figures, "stack": origin, "machine": machine()}) + "\n")
    sys.stdout.flush()


@app.command("notifications")
def notifications_command(
    quick: bool = typer.Option(
        False, "--quick", help="Few messages and reminders (a smoke run, not the figures)."
    ),
    state_dir: Path | None = typer.Option(
        None,
        "--state-dir",
        help="Use the stack running there, else start a temporary one "
        "[default: $CAMPUSFLOW_STATE_DIR or /tmp/campusflow-stack].",
    ),
) -> None:
    """One dispatcher to a local SMTP sink + the inbox, reminders on time, duplicates after a
    SIGKILL of the dispatcher (scratch schema; the service's own dispatcher and timers)."""
    from tools.bench.notifications import NotificationsBench, run_notifications

    _service_bench(state_dir, NotificationsBench(quick=quick), run_notifications)
