"""`campusflow stack`: the whole platform on one machine (infrastructure + services)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from tools.stack import (
    LocalProcesses,
    StackEndpoints,
    StackError,
    choose_infrastructure,
    default_state_dir,
    free_port,
    install,
    read_stack_state,
    recorded_infrastructure,
    stop_services,
)
from tools.stack.control import LOCK_FILE, check_component, kill_component, restart_component
from tools.stack.doubles import MAIL_DIR, notifications_environment, start_doubles
from tools.stack.kafka import libs_present
from tools.stack.launch import (
    LAUNCH_DIR,
    service_launch,
    start_recorded_service,
    wait_service_ready,
    write_launch,
)
from tools.stack.processes import record_alive
from tools.stack.state import ENV_FILE, shell_exports, state_dir_flag

app = typer.Typer(help="Run the platform locally: PostgreSQL, Redis, Kafka and the services.")
console = Console()
errors = Console(stderr=True)

STATE_DIR_OPTION = typer.Option(
    None,
    "--state-dir",
    help="Where the stack keeps data, logs and stack.json "
    "(default: $CAMPUSFLOW_STATE_DIR or /tmp/campusflow-stack).",
)
READY_TIMEOUT_S = 60.0


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code)


def _down(directory: Path) -> str:
    """The command that stops the stack of `directory`, as the user types it."""
    return f"`campusflow stack down{state_dir_flag(directory)}`"


def _state_dir(value: Path | None) -> Path:
    return (value or default_state_dir()).expanduser().resolve()


@app.command("install")
def install_command() -> None:
    """Assemble the Kafka jars (Maven) if missing and check java, PostgreSQL and Redis."""
    try:
        if not libs_present():
            console.print("Assembling the Kafka jars with Maven (the first time takes a while)...")
        found = install()
    except StackError as exc:
        raise _fail(str(exc)) from None
    table = Table("Prerequisite", "Found at")
    for item in found:
        table.add_row(item.name, item.found or "")
    console.print(table)
    console.print("[green]The local stack can run.[/]")


@app.command("up")
def up_command(
    state_dir: Path | None = STATE_DIR_OPTION,
    no_services: bool = typer.Option(
        False, "--no-services", help="Start only PostgreSQL, Redis and Kafka."
    ),
) -> None:
    """Start the infrastructure, prepare the platform, then start every service."""
    directory = _state_dir(state_dir)
    try:
        infra = choose_infrastructure(directory)
        if isinstance(infra, LocalProcesses):
            if not libs_present():
                console.print(
                    "Assembling the Kafka jars with Maven (the first time takes a while)..."
                )
            install()  # Maven only if the jars are missing; then checks the binaries
        console.print(f"Starting the infrastructure ({type(infra).__name__}) in {directory}...")
        endpoints = infra.start()
    except StackError as exc:
        raise _fail(str(exc)) from None
    _write_env_file(directory, endpoints, {})

    try:
        from tools.stack.bootstrap import prepare_platform
    except ImportError as exc:
        raise _fail(
            f"tools.stack.bootstrap.prepare_platform is not available ({exc}). "
            f"The infrastructure is running; {_down(directory)} stops it."
        ) from None
    console.print("Preparing the platform (topics, schemas, roles, migrations)...")
    try:
        dsns = asyncio.run(prepare_platform(endpoints))
    except Exception as exc:
        errors.print_exception(max_frames=8)  # not an expected failure: show where
        raise _fail(
            f"preparing the platform failed: {type(exc).__name__}: {exc}\n"
            "The infrastructure is still running for inspection; "
            f"{_down(directory)} cleans up."
        ) from None

    service_urls: dict[str, str] = {}
    if not no_services:
        service_urls = _start_services(directory, endpoints, dsns)
    _write_env_file(directory, endpoints, service_urls)
    _print_summary(directory, endpoints, service_urls)


def _start_services(
    directory: Path, endpoints: StackEndpoints, dsns: dict[str, str]
) -> dict[str, str]:
    from shared.config import SERVICES, service_environment

    missing = [service for service in SERVICES if service not in dsns]
    if missing:
        raise _fail(f"prepare_platform returned no database URL for: {', '.join(missing)}")
    records: dict[str, dict[str, Any]] = {}
    # Chosen first: the SMS double pushes its delivery receipts to notifications there.
    notifications_port = free_port()
    try:  # before the services: notifications sends to them from its first second
        doubles = start_doubles(directory, notifications_port=notifications_port)
    except StackError as exc:
        raise _fail(f"{exc}; {_down(directory)} cleans up.") from None
    console.print(
        f"Started the SMTP sink on port {doubles['smtp']['port']} (mail in "
        f"{doubles['smtp']['dir']}) and the SMS double on port {doubles['sms']['port']}"
    )
    ports: set[int] = {int(record["port"]) for record in doubles.values()}
    ports.add(notifications_port)
    for service in SERVICES:
        port = notifications_port if service == "notifications" else free_port()
        while port in ports and service != "notifications":
            port = free_port()
        ports.add(port)
        env = service_environment(
            service,
            database_url=dsns[service],
            kafka_bootstrap=endpoints.kafka_bootstrap,
            redis_url=endpoints.redis_url,
            http_port=port,
        )
        if service == "notifications":
            env.update(notifications_environment(doubles, port))
        try:
            # Recorded first, then started from the record: `stack restart <service>`
            # starts it again the same way.
            write_launch(directory, service_launch(directory, service, env, port))
            records[service] = start_recorded_service(directory, service)
        except StackError as exc:
            raise _fail(f"{exc}; {_down(directory)} cleans up.") from None
        console.print(f"Started {service} (pid {records[service]['pid']}) on port {port}")
    for service, record in records.items():
        try:
            wait_service_ready(service, record, READY_TIMEOUT_S)
        except StackError as exc:
            raise _fail(
                f"{exc}\nEverything is left running for inspection; {_down(directory)} cleans up."
            ) from None
    return {service: str(record["url"]) for service, record in records.items()}


def _write_env_file(directory: Path, endpoints: StackEndpoints, urls: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ENV_FILE).write_text(shell_exports(endpoints, urls, directory))


def _print_summary(directory: Path, endpoints: StackEndpoints, urls: dict[str, str]) -> None:
    table = Table(title="campusflow stack")
    table.add_column("Component")
    table.add_column("Address", overflow="fold")
    table.add_column("Notes", overflow="fold")
    for service, url in urls.items():
        table.add_row(service, url, f"API docs: {url}/docs")
    table.add_row("postgres", endpoints.postgres_admin_dsn, "superuser DSN")
    table.add_row("redis", endpoints.redis_url, "")
    table.add_row("kafka", endpoints.kafka_bootstrap, "bootstrap servers")
    doubles = (read_stack_state(directory) or {}).get("doubles") or {}
    if "smtp" in doubles:
        table.add_row("smtp sink", f"127.0.0.1:{doubles['smtp']['port']}", doubles["smtp"]["dir"])
    if "sms" in doubles:
        table.add_row("sms double", doubles["sms"]["url"], "GET /_double/messages")
    console.print(table)
    console.print(f"Environment: [bold]source {directory / ENV_FILE}[/]")
    console.print(
        f"Logs: {directory / 'logs'}   Stop: [bold]campusflow stack down"
        f"{state_dir_flag(directory)}[/]"
    )


@app.command("status")
def status_command(state_dir: Path | None = STATE_DIR_OPTION) -> None:
    """Show whether each component and service is running."""
    directory = _state_dir(state_dir)
    state = read_stack_state(directory)
    if state is None:
        console.print(f"No stack is recorded in {directory}.")
        return
    try:
        components = recorded_infrastructure(directory).status()
    except StackError as exc:
        raise _fail(str(exc)) from None
    table = Table("Component", "Running", "Detail", "Ready (/readyz)")
    for item in components:
        table.add_row(item.name, _yes_no(item.running), item.detail, "")
    services: dict[str, Any] = state.get("services") or {}
    for name, record in sorted(services.items(), key=lambda item: _service_order(item[0])):
        running = record_alive(record)
        detail = f"{record.get('url')} pid {record.get('pid')}"
        if not running:
            detail += " (killed)" if record.get("killed_at") else " (exited)"
        ready = _readyz(str(record.get("url"))) if running else False
        table.add_row(name, _yes_no(running), detail, _yes_no(ready))
    for name, record in (state.get("doubles") or {}).items():
        detail = f"127.0.0.1:{record.get('port')} pid {record.get('pid')}"
        label = "smtp sink" if name == "smtp" else f"{name} double"
        table.add_row(label, _yes_no(record_alive(record)), detail, "")
    console.print(table)


def _service_order(name: str) -> int:
    from shared.config import SERVICES

    return SERVICES.index(name) if name in SERVICES else len(SERVICES)


def _yes_no(value: bool) -> str:
    return "[green]yes[/]" if value else "[red]no[/]"


def _readyz(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


@app.command("down")
def down_command(
    state_dir: Path | None = STATE_DIR_OPTION,
    purge: bool = typer.Option(
        False, "--purge", help="Also delete the data (PostgreSQL, Kafka) and logs."
    ),
) -> None:
    """Stop the services, then the infrastructure. Safe to run when nothing is running."""
    directory = _state_dir(state_dir)
    if read_stack_state(directory) is None:
        console.print(f"Nothing is running in {directory}.")
    else:
        try:
            stopped = stop_services(directory)
            if stopped:
                console.print(f"Stopped services: {', '.join(stopped)}")
            recorded_infrastructure(directory).stop()
        except StackError as exc:
            raise _fail(str(exc)) from None
        console.print("Stopped the infrastructure.")
    if purge:
        for sub in ("pg", "redis", "kafka", "logs", LAUNCH_DIR, MAIL_DIR):
            shutil.rmtree(directory / sub, ignore_errors=True)
        (directory / LOCK_FILE).unlink(missing_ok=True)
        console.print(f"Deleted the data and logs in {directory}.")


COMPONENT_ARGUMENT = typer.Argument(
    ...,
    metavar="COMPONENT",
    help="postgres, redis, kafka, recruitment, scheduling, evaluation or notifications.",
    show_default=False,
)
TIMEOUT_OPTION = typer.Option(
    None,
    "--timeout",
    help="Seconds to wait until it is ready (default 90; Redis 30, Kafka 120).",
    show_default=False,
)


@app.command("restart")
def restart_command(
    component: str = COMPONENT_ARGUMENT,
    state_dir: Path | None = STATE_DIR_OPTION,
    timeout: float | None = TIMEOUT_OPTION,
) -> None:
    """Stop one component if it runs, start it again on the same port, wait until ready."""
    directory = _state_dir(state_dir)
    try:
        check_component(component)
        console.print(f"Restarting {component} in {directory}...")
        record = restart_component(directory, component, ready_timeout_s=timeout)
    except StackError as exc:
        raise _fail(str(exc)) from None
    console.print(
        f"{component} is ready again: pid {record.get('pid')}, port {record.get('port')}",
        soft_wrap=True,
    )


@app.command("kill")
def kill_command(
    component: str = COMPONENT_ARGUMENT,
    state_dir: Path | None = STATE_DIR_OPTION,
) -> None:
    """SIGKILL one component (chaos drills); PostgreSQL: the postmaster only, like kill -9."""
    directory = _state_dir(state_dir)
    try:
        check_component(component)
        kill_component(directory, component)
    except StackError as exc:
        raise _fail(str(exc)) from None
    where = state_dir_flag(directory)
    console.print(
        f"Killed {component} (SIGKILL). Bring it back with "
        f"`campusflow stack restart {component}{where}`.",
        soft_wrap=True,
    )
