"""The services as real processes on the session stack, run as `campusflow stack up`
runs them: notifications pointed at the stack's SMTP sink and SMS double (one
notifications deployment per stack: a second dispatcher on the same database would take
deliveries meant for another sink)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from shared.config import SERVICES, service_environment
from tests.support.last_use import LAST_USE
from tests.support.services_state import ServicesState
from tools.stack import StackEndpoints, free_port, start_service_process, wait_http_ready
from tools.stack.doubles import notifications_environment, start_doubles, stop_doubles
from tools.stack.processes import process_record, stop_records, tail

# The services' log directory of this session (set once they start).
_LOGS: list[Path] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A test of the running services that fails (or whose setup does) shows the end of
    their logs (CI keeps nothing else of them)."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if (
        report.when == "teardown"
        or not report.failed
        or "services" not in getattr(item, "fixturenames", ())
    ):
        return
    for name in SERVICES:
        log = _LOGS[-1] / f"{name}.log" if _LOGS else None
        if log is not None and log.exists():
            report.sections.append((f"{name} log, last lines", last_lines(log)))


def last_lines(log: Path, count: int = 12, width: int = 300) -> str:
    """The log's last lines but its access lines (one per request), each cut to `width`."""
    with log.open("rb") as file:
        file.seek(max(0, log.stat().st_size - 400_000))
        lines = file.read().decode("utf-8", "replace").splitlines()
    kept = [line[:width] for line in lines if '"campusflow.access"' not in line]
    return "\n".join(kept[-count:])


@pytest.fixture(scope="session")
def services_state() -> Iterator[ServicesState]:
    """The session's SMTP sink and SMS double (tools/stack/doubles.py), in a directory of
    their own; the mail the sink accepted is under `mail_dir(directory)`."""
    directory = Path(tempfile.mkdtemp(prefix="campusflow-e2e-"))
    try:  # the SMS double pushes receipts to the port notifications will take
        yield ServicesState(directory, start_doubles(directory, notifications_port=free_port()))
    finally:
        stop_doubles(directory)


@pytest.fixture(scope="session")
def services(
    stack: StackEndpoints, service_dsns: dict[str, str], services_state: ServicesState
) -> Iterator[dict[str, str]]:
    """recruitment, scheduling, evaluation and notifications running; yields name -> base URL.
    Stopped right after the last test that uses them (tests/support/last_use.py): the
    integration and unit tests after the e2e ones do not pay for four idle services."""
    running = _running_services(stack, service_dsns, services_state)
    with LAST_USE.closing("services", running) as urls:
        yield urls


@contextmanager
def _running_services(
    stack: StackEndpoints, service_dsns: dict[str, str], services_state: ServicesState
) -> Iterator[dict[str, str]]:
    logs = services_state.directory / "logs"
    _LOGS.append(logs)
    started: dict[str, tuple[object, str, Path]] = {}
    try:
        # notifications' port was chosen before the doubles started (not bound yet): the
        # others never take it, nor one another's.
        taken = {int(services_state.doubles["sms"]["notifications_port"])}
        for name in SERVICES:
            if name == "notifications":
                port = int(services_state.doubles["sms"]["notifications_port"])
            else:
                port = free_port()
                while port in taken:
                    port = free_port()
                taken.add(port)
            env = service_environment(
                name,
                database_url=service_dsns[name],
                kafka_bootstrap=stack.kafka_bootstrap,
                redis_url=stack.redis_url,
                http_port=port,
                environment="test",
            )
            if name == "notifications":
                env.update(notifications_environment(services_state.doubles, port))
            log = logs / f"{name}.log"
            started[name] = (start_service_process(name, env, log), f"http://127.0.0.1:{port}", log)
        for name, (_, url, log) in started.items():
            try:
                wait_http_ready(f"{url}/readyz", 60)
            except Exception as error:
                raise RuntimeError(f"{name} not ready: {error}\n{tail(log)}") from error
        yield {name: url for name, (_, url, _) in started.items()}
    finally:
        stop_records([process_record(process) for process, _, _ in started.values()])  # type: ignore[arg-type]
