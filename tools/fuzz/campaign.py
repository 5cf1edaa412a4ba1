"""The whole fuzz run: a stack (its own, or one already running), the demo data loaded
through the public APIs so generated requests meet real campaigns and ids, then every
service fuzzed as every persona, and the findings merged and explained."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tools.fuzz.findings import Finding, describe, logged_errors, merge, with_logged_errors
from tools.fuzz.runs import (
    FULL,
    PERSONAS,
    SEED,
    Intensity,
    Persona,
    RunPlan,
    RunResult,
    openapi_document,
    plan_runs,
    run_one,
)
from tools.stack import StackError, read_stack_state
from tools.stack.processes import REPO_ROOT

STACK_UP_TIMEOUT_S = 600.0
STACK_DOWN_S = 180.0
# schemathesis runs at a time (service x persona), each a process of its own.
CONCURRENT_RUNS = 2


@dataclass
class FuzzReport:
    findings: list[Finding]
    runs: list[RunResult]
    seconds: float
    directory: Path
    notes: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [f"{r.plan.label}: {r.problem}" for r in self.runs if r.problem]

    @property
    def server_errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.is_server_error]

    @property
    def holds(self) -> bool:
        return not self.findings and not self.problems

    def summary(self) -> str:
        lines = [
            f"fuzzed {len({r.plan.service for r in self.runs})} services as "
            f"{len({r.plan.persona for r in self.runs})} personas in {self.seconds:.0f}s "
            f"({len(self.runs)} schemathesis runs; reports in {self.directory})",
        ]
        for run in self.runs:
            lines.append(
                f"  {run.plan.label}: exit {run.exit_code}, {run.seconds:.0f}s, "
                f"{len(run.findings)} failed checks"
            )
        lines.extend(f"note: {note}" for note in self.notes)
        lines.extend(f"run problem: {problem}" for problem in self.problems)
        lines.append(describe(self.findings))
        return "\n".join(lines)


def campusflow(*args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    """`campusflow ARGS` from this checkout (the same CLI as the installed command)."""
    return subprocess.run(
        [sys.executable, "-c", "from tools.cli.main import app; app()", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout_s,
        check=False,
    )


@contextlib.contextmanager
def own_stack(state_dir: Path | None = None) -> Iterator[Path]:
    """`campusflow stack up --state-dir DIR` in a fresh directory under /tmp; down --purge
    afterwards, whatever happened (and the directory removed, if it made it)."""
    made = state_dir is None
    directory = state_dir or Path(tempfile.mkdtemp(prefix="campusflow-fuzz-", dir="/tmp"))
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    try:
        up = campusflow("stack", "up", "--state-dir", str(directory), timeout_s=STACK_UP_TIMEOUT_S)
        if up.returncode != 0:
            raise StackError(f"campusflow stack up failed:\n{up.stdout[-3000:]}{up.stderr[-3000:]}")
        yield directory
    finally:
        down = campusflow(
            "stack", "down", "--purge", "--state-dir", str(directory), timeout_s=STACK_DOWN_S
        )
        if made and down.returncode == 0:
            shutil.rmtree(directory, ignore_errors=True)


def service_urls(state_dir: Path) -> dict[str, str]:
    state = read_stack_state(state_dir) or {}
    urls = {name: str(record["url"]) for name, record in (state.get("services") or {}).items()}
    if not urls:
        raise StackError(f"no services are recorded in {state_dir}: run `campusflow stack up`")
    return urls


def load_demo(urls: dict[str, str]) -> str | None:
    """Load the demo through the APIs; the reason it could not, if it could not."""
    from tools.demo.seed import seed_demo

    try:
        asyncio.run(seed_demo(urls))
    except Exception as error:  # fuzzing an empty stack still finds what it finds
        return f"the demo data did not load ({type(error).__name__}: {str(error)[:300]})"
    return None


def operation_count(url: str) -> int:
    """How many operations the service's OpenAPI document declares (0 if unreadable: its
    run reports why)."""
    try:
        document = openapi_document(url)
    except (httpx.HTTPError, ValueError):
        return 0
    return sum(
        1
        for item in (document.get("paths") or {}).values()
        for operation in item.values()
        if isinstance(operation, dict)
    )


def fuzz_stack(
    state_dir: Path,
    report_dir: Path,
    *,
    personas: Sequence[Persona] = PERSONAS,
    services: Sequence[str] | None = None,
    intensity: Intensity = FULL,
    seed: int = SEED,
    with_demo: bool = True,
    progress: Callable[[str], None] = lambda line: None,
) -> FuzzReport:
    """Fuzz every service of the stack in `state_dir` (or only `services`) as every persona."""
    started = time.monotonic()
    urls = service_urls(state_dir)
    if services:
        unknown = set(services) - urls.keys()
        if unknown:
            raise StackError(f"not running in {state_dir}: {', '.join(sorted(unknown))}")
        urls = {name: url for name, url in urls.items() if name in services}
    notes = []
    if with_demo:
        progress("loading the demo data through the APIs...")
        failed = load_demo(service_urls(state_dir))
        if failed:
            notes.append(failed)
    plans = plan_runs(urls, report_dir, personas=personas, intensity=intensity, seed=seed)
    # The services with the most operations first: the last runs to start are then the
    # short ones, and the two runners finish closer together.
    operations = {service: operation_count(url) for service, url in urls.items()}
    plans.sort(key=lambda plan: -operations[plan.service])

    def run(plan: RunPlan) -> RunResult:
        progress(f"fuzzing {plan.service} as {plan.persona.name}...")
        return run_one(plan)

    # Each run is a schemathesis process of its own, mostly waiting on the services: two at
    # a time keep both cores busy (the runs' own workers stay at one, see runs.WORKERS).
    with ThreadPoolExecutor(max_workers=CONCURRENT_RUNS) as pool:
        results = list(pool.map(run, plans))
    errors: dict[str, str] = {}
    for service in urls:
        errors.update(logged_errors(state_dir / "logs" / f"{service}.log"))
    found = [finding for result in results for finding in result.findings]
    return FuzzReport(
        findings=merge(with_logged_errors(found, errors)),
        runs=results,
        seconds=time.monotonic() - started,
        directory=report_dir,
        notes=notes,
    )
