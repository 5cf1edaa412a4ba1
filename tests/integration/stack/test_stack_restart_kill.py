"""The chaos drill on a real local stack: kill a component, restart it, and the stack's record
stays true. The stack (infrastructure and the four services) is started by the real
`campusflow stack up` in a temporary state directory of its own."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from typer.testing import CliRunner

from shared.config import SERVICES, service_environment
from tools.cli import stack as stack_cli
from tools.stack import (
    LocalProcesses,
    StackEndpoints,
    kill_component,
    missing_prerequisites,
    read_stack_state,
    restart_component,
)
from tools.stack.control import cluster_processes
from tools.stack.doubles import notifications_environment
from tools.stack.kafka import broker_registered
from tools.stack.launch import launch_path, read_launch
from tools.stack.postgres import OS_USER
from tools.stack.processes import is_alive, record_alive, session_members
from tools.stack.redis import ping

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        bool(missing_prerequisites()),
        reason="local stack prerequisites missing (campusflow stack install)",
    ),
]

UP_TIMEOUT_S = 400


def campusflow(*args: str, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
    """The real command line, in a process of its own."""
    binary = shutil.which("campusflow")
    argv = [binary] if binary else [sys.executable, "-c", "from tools.cli.main import app; app()"]
    return subprocess.run(
        [*argv, *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )


@pytest.fixture(scope="module")
def state_dir() -> Iterator[Path]:
    # Under /tmp and world-traversable: when we are root, PostgreSQL runs as `campusflow`.
    directory = Path(tempfile.mkdtemp(prefix="campusflow-drill-test-", dir="/tmp"))
    directory.chmod(0o755)
    started = time.monotonic()
    up = campusflow("stack", "up", "--state-dir", str(directory), timeout_s=UP_TIMEOUT_S)
    print(f"\nstack up in {time.monotonic() - started:.1f}s")
    try:
        assert up.returncode == 0, f"stack up failed:\n{up.stdout}\n{up.stderr}"
        yield directory
    finally:
        if read_stack_state(directory) is not None:
            campusflow("stack", "down", "--state-dir", str(directory), "--purge")
        shutil.rmtree(directory, ignore_errors=True)


def _state(state_dir: Path) -> dict[str, Any]:
    state = read_stack_state(state_dir)
    assert state is not None
    return state


def _endpoints(state_dir: Path) -> StackEndpoints:
    return StackEndpoints.from_json(_state(state_dir)["endpoints"])


def _readyz(url: str) -> int | None:
    try:
        return httpx.get(f"{url}/readyz", timeout=5.0).status_code
    except httpx.HTTPError:
        return None


def test_each_service_was_started_from_a_private_launch_record(state_dir: Path) -> None:
    services = _state(state_dir)["services"]
    assert set(services) == set(SERVICES)
    assert stat.S_IMODE((state_dir / "services").stat().st_mode) == 0o700
    for name in SERVICES:
        path = launch_path(state_dir, name)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        launch = read_launch(state_dir, name)
        expected = service_environment(
            name, database_url="x", kafka_bootstrap="x", redis_url="x", http_port=1
        )
        if name == "notifications":  # pointed at the stack's SMTP sink and SMS double
            doubles = {"smtp": {"port": 1}, "sms": {"port": 2}}
            expected.update(notifications_environment(doubles, 1))
        assert set(launch.env) == set(expected)  # only what campusflow set
        assert launch.env[f"{name.upper()}_HTTP_PORT"] == str(services[name]["port"])
        assert launch.argv[1:] == ["-m", f"services.{name}"]
        assert launch.log == services[name]["log"]


def test_up_while_it_runs_points_at_restart(state_dir: Path) -> None:
    again = campusflow("stack", "up", "--state-dir", str(state_dir))
    assert again.returncode == 1
    assert "campusflow stack restart <component>" in " ".join(again.stderr.split())


async def test_kill_9_postgres_then_restart_it(state_dir: Path) -> None:
    old = _state(state_dir)["components"]["postgres"]
    old_tree = session_members(old["pid"])  # the postmaster and its children
    assert len(old_tree) > 1
    log = state_dir / "logs" / "postgres.log"
    size_before = log.stat().st_size

    await asyncio.to_thread(kill_component, state_dir, "postgres")
    assert not is_alive(old["pid"], old["started"])
    killed = _state(state_dir)["components"]["postgres"]
    assert killed["pid"] == old["pid"] and "killed_at" in killed  # the record stays
    postgres = LocalProcesses(state_dir).status()[0]
    assert (postgres.name, postgres.running) == ("postgres", False)

    # At once: the orphaned backends may still be around.
    started = time.monotonic()
    new = await asyncio.to_thread(restart_component, state_dir, "postgres")
    print(f"\npostgres restarted in {time.monotonic() - started:.1f}s after kill -9")
    assert new == _state(state_dir)["components"]["postgres"]
    assert new["pid"] != old["pid"] and new["port"] == old["port"] and record_alive(new)
    assert not any(is_alive(pid) for pid in old_tree if pid != new["pid"])

    conn = await asyncpg.connect(_endpoints(state_dir).postgres_admin_dsn)
    try:
        assert (
            await conn.fetchval(
                "select count(*) from pg_namespace where nspname = $1", "recruitment"
            )
            == 1
        )
    finally:
        await conn.close()

    owner = pwd.getpwnam(OS_USER).pw_uid if os.geteuid() == 0 else os.geteuid()
    assert log.stat().st_uid == owner
    fresh = log.read_bytes()[size_before:].decode("utf-8", errors="replace")
    assert "database system is ready to accept connections" in fresh


async def test_kill_a_service_then_restart_it_on_the_same_port(state_dir: Path) -> None:
    old = _state(state_dir)["services"]["recruitment"]
    await asyncio.to_thread(kill_component, state_dir, "recruitment")
    assert not is_alive(old["pid"], old["started"])
    assert await asyncio.to_thread(_readyz, old["url"]) is None
    assert "killed_at" in _state(state_dir)["services"]["recruitment"]

    started = time.monotonic()
    new = await asyncio.to_thread(restart_component, state_dir, "recruitment")
    print(f"\nrecruitment restarted in {time.monotonic() - started:.1f}s after kill -9")
    assert new == _state(state_dir)["services"]["recruitment"]
    assert new["pid"] != old["pid"] and record_alive(new)
    assert (new["port"], new["url"]) == (old["port"], old["url"])
    assert await asyncio.to_thread(_readyz, new["url"]) == 200
    assert stat.S_IMODE(launch_path(state_dir, "recruitment").stat().st_mode) == 0o600


async def test_restart_running_kafka_redis_and_postgres(state_dir: Path) -> None:
    for name in ("kafka", "redis", "postgres"):
        old = _state(state_dir)["components"][name]
        started = time.monotonic()
        new = await asyncio.to_thread(restart_component, state_dir, name)
        print(f"\n{name} restarted in {time.monotonic() - started:.1f}s")
        assert new == _state(state_dir)["components"][name]
        assert new["pid"] != old["pid"] and record_alive(new)
        assert not is_alive(old["pid"], old["started"])
        assert new["port"] == old["port"]
        assert new.get("controller_port") == old.get("controller_port")
    endpoints = _endpoints(state_dir)
    assert await broker_registered(endpoints.kafka_bootstrap)
    assert ping(int(endpoints.redis_url.rsplit(":", 1)[1].split("/")[0]))
    conn = await asyncpg.connect(endpoints.postgres_admin_dsn)
    try:
        assert await conn.fetchval("select 1") == 1
    finally:
        await conn.close()


def test_status_then_down_leaves_nothing_behind(state_dir: Path) -> None:
    state = _state(state_dir)
    records = [*state["components"].values(), *state["services"].values()]
    assert all(record_alive(record) for record in records)

    status = CliRunner().invoke(
        stack_cli.app, ["status", "--state-dir", str(state_dir)], env={"COLUMNS": "200"}
    )
    assert status.exit_code == 0, status.output
    for record in records:
        assert f"pid {record['pid']}" in status.output
    assert "(killed)" not in status.output and "(exited)" not in status.output

    processes = {pid for record in records for pid in session_members(record["pid"])}
    processes.update(cluster_processes(state_dir / "pg" / "data"))
    down = campusflow("stack", "down", "--state-dir", str(state_dir))
    assert down.returncode == 0, down.stdout + down.stderr
    deadline = time.monotonic() + 10  # our own children are reaped as we look
    while any(is_alive(pid) for pid in processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in processes if is_alive(pid)]
    assert cluster_processes(state_dir / "pg" / "data") == []
    assert read_stack_state(state_dir) is None
