"""restart_component / kill_component without infrastructure: a stand-in service process,
and the errors an operator can meet."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from tools.cli import stack as stack_cli
from tools.stack import COMPONENTS, LocalProcesses, StackError
from tools.stack.control import (
    check_component,
    clear_old_cluster,
    cluster_processes,
    kill_component,
    port_free,
    restart_component,
    wait_ports_free,
)
from tools.stack.launch import (
    ServiceLaunch,
    start_recorded_service,
    wait_service_ready,
    write_launch,
)
from tools.stack.local import already_running_message
from tools.stack.processes import free_port, is_alive, process_record, record_alive, stop_record
from tools.stack.state import read_stack_state, write_stack_state

pytestmark = pytest.mark.unit

# A stand-in for a service: /readyz answers 200 (after READY_AFTER_S), /env echoes a
# variable of the launch record, SIGTERM stops it.
FAKE_SERVICE = """
import http.server, os, sys, time
started = time.monotonic()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/readyz":
            ok = time.monotonic() - started >= float(os.environ.get("READY_AFTER_S", "0"))
            body = b"ok" if ok else b"starting"
            self.send_response(200 if ok else 503)
        else:
            body = os.environ.get("FAKE_MARK", "").encode()
            self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", int(os.environ["RECRUITMENT_HTTP_PORT"])), Handler)
print("fake recruitment listening", flush=True)
server.serve_forever()
"""


def _local_stack(state_dir: Path, **extra: Any) -> None:
    write_stack_state(
        state_dir,
        {
            "infrastructure": "local",
            "endpoints": {},
            "components": {},
            **extra,
        },
    )


@pytest.fixture
def fake_service(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A 'recruitment' started from its launch record, as `campusflow stack up` does."""
    port = free_port()
    _local_stack(tmp_path)
    env = {"RECRUITMENT_HTTP_PORT": str(port), "FAKE_MARK": "from the record"}
    launch = ServiceLaunch(
        name="recruitment",
        argv=[sys.executable, "-c", FAKE_SERVICE],
        env=env,
        cwd=str(tmp_path),
        port=port,
        log=str(tmp_path / "logs" / "recruitment.log"),
    )
    write_launch(tmp_path, launch)
    wait_service_ready("recruitment", start_recorded_service(tmp_path, "recruitment"), 30)
    yield tmp_path, port
    state = read_stack_state(tmp_path) or {}
    stop_record((state.get("services") or {}).get("recruitment"), timeout_s=5)


def _service_record(state_dir: Path) -> dict[str, Any]:
    state = read_stack_state(state_dir)
    assert state is not None
    record: dict[str, Any] = state["services"]["recruitment"]
    return record


def test_components_are_the_infrastructure_then_the_services() -> None:
    assert COMPONENTS == (
        "postgres",
        "redis",
        "kafka",
        "recruitment",
        "scheduling",
        "evaluation",
        "notifications",
    )
    assert check_component("kafka") == "kafka"
    with pytest.raises(StackError, match=r"unknown component 'zookeeper'.*postgres, redis"):
        check_component("zookeeper")


def test_kill_then_restart_a_service(fake_service: tuple[Path, int]) -> None:
    state_dir, port = fake_service
    first = _service_record(state_dir)
    kill_component(state_dir, "recruitment")

    killed = _service_record(state_dir)  # the record stays, marked
    assert killed["pid"] == first["pid"] and killed["killed_at"] > 0
    assert not record_alive(killed)
    with pytest.raises(StackError, match="recruitment is not running"):
        kill_component(state_dir, "recruitment")

    record = restart_component(state_dir, "recruitment", ready_timeout_s=30)
    assert record == _service_record(state_dir)
    assert record["pid"] != first["pid"] and record_alive(record)
    assert (record["port"], record["url"]) == (port, first["url"])
    assert "killed_at" not in record
    assert httpx.get(f"{record['url']}/readyz", timeout=5).status_code == 200
    assert httpx.get(f"{record['url']}/env", timeout=5).text == "from the record"


def test_restart_of_a_running_service_stops_it_first(fake_service: tuple[Path, int]) -> None:
    state_dir, _ = fake_service
    first = _service_record(state_dir)
    record = restart_component(state_dir, "recruitment", ready_timeout_s=30)
    assert not is_alive(first["pid"], first["started"])
    assert record_alive(record) and record["pid"] != first["pid"]
    log = Path(record["log"]).read_text()
    assert log.count("fake recruitment listening") == 2  # appended, not truncated


def test_a_service_that_never_gets_ready_fails_with_its_log(
    fake_service: tuple[Path, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    state_dir, _ = fake_service
    monkeypatch.setenv("READY_AFTER_S", "3600")  # os.environ | the record's env
    with pytest.raises(StackError, match=r"(?s)not ready after 1s.*HTTP 503.*listening"):
        restart_component(state_dir, "recruitment", ready_timeout_s=1)
    assert record_alive(_service_record(state_dir))  # left running, and recorded


def test_a_service_that_exits_while_starting_fails_early(fake_service: tuple[Path, int]) -> None:
    state_dir, port = fake_service
    broken = ServiceLaunch(
        name="recruitment",
        argv=[sys.executable, "-c", "import sys; print('no such setting'); sys.exit(3)"],
        env={},
        cwd=str(state_dir),
        port=port,
        log=str(state_dir / "logs" / "recruitment.log"),
    )
    write_launch(state_dir, broken)
    started = time.monotonic()
    with pytest.raises(StackError, match=r"(?s)exited while starting.*no such setting"):
        restart_component(state_dir, "recruitment", ready_timeout_s=60)
    assert time.monotonic() - started < 30


def test_without_a_stack_there_is_nothing_to_restart(tmp_path: Path) -> None:
    for state_dir in (tmp_path, tmp_path / "missing"):
        with pytest.raises(StackError, match="no stack is recorded"):
            restart_component(state_dir, "postgres")
        with pytest.raises(StackError, match="no stack is recorded"):
            kill_component(state_dir, "recruitment")


def test_the_infrastructure_of_a_docker_stack_is_refused(tmp_path: Path) -> None:
    write_stack_state(
        tmp_path,
        {"infrastructure": "docker", "containers": {"postgres": "abc"}, "components": {}},
    )
    for name in ("postgres", "redis", "kafka"):
        with pytest.raises(StackError, match="for the local-process stack"):
            restart_component(tmp_path, name)
        with pytest.raises(StackError, match="Docker containers"):
            kill_component(tmp_path, name)


def test_a_service_that_was_not_started_is_named(tmp_path: Path) -> None:
    _local_stack(tmp_path)
    with pytest.raises(StackError, match=r"scheduling is not part of .*--no-services"):
        restart_component(tmp_path, "scheduling")


def test_a_launch_record_is_needed_to_restart_a_service(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _local_stack(tmp_path, services={"evaluation": process_record(sleeper, port=1)})
        with pytest.raises(StackError, match="evaluation has no launch record"):
            restart_component(tmp_path, "evaluation")
        assert sleeper.poll() is None  # refused before stopping anything
    finally:
        sleeper.kill()
        sleeper.wait()


def test_port_free_and_waiting_for_it() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert not port_free(port)
        with pytest.raises(StackError, match=rf"cannot restart redis on the same port.*{port}"):
            wait_ports_free("redis", [port], timeout_s=0.3)
    assert port_free(port)
    wait_ports_free("redis", [port], timeout_s=0.3)


@pytest.fixture
def fake_cluster() -> Iterator[Path]:
    # Not tmp_path: the 'postgres' below runs in it, and tmp_path may be deleted under it.
    base = Path(tempfile.mkdtemp(prefix="campusflow-unit-cluster-", dir="/tmp"))
    (base / "data").mkdir()
    (base / "run").mkdir()
    shutil.copy("/bin/sleep", base / "postgres")  # named like PostgreSQL's processes
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _wait_found(data: Path, pid: int) -> None:
    """Until the child has exec'd (before that it is still called python, not postgres)."""
    deadline = time.monotonic() + 10
    while pid not in cluster_processes(data) and time.monotonic() < deadline:
        time.sleep(0.01)


def test_leftovers_of_a_killed_cluster_are_found_by_their_directory(fake_cluster: Path) -> None:
    data = fake_cluster / "data"
    orphan = subprocess.Popen([str(fake_cluster / "postgres"), "60"], cwd=data)
    bystander = subprocess.Popen(["/bin/sleep", "60"], cwd=data)  # an operator's shell, say
    elsewhere = subprocess.Popen([str(fake_cluster / "postgres"), "60"], cwd=fake_cluster)
    try:
        _wait_found(data, orphan.pid)
        assert cluster_processes(data) == [orphan.pid]

        (data / "postmaster.pid").write_text("999999\n")
        (fake_cluster / "run" / ".s.PGSQL.5432.lock").write_text("999999\n")
        clear_old_cluster(data, fake_cluster / "run", 5432, grace_s=0.3)
        assert orphan.wait(timeout=10) == -signal.SIGKILL
        assert cluster_processes(data) == []
        assert not (data / "postmaster.pid").exists()
        assert not (fake_cluster / "run" / ".s.PGSQL.5432.lock").exists()
        assert bystander.poll() is None and elsewhere.poll() is None
    finally:
        for proc in (orphan, bystander, elsewhere):
            proc.kill()
            proc.wait()


def test_clearing_waits_for_leftovers_that_exit_by_themselves(fake_cluster: Path) -> None:
    data = fake_cluster / "data"
    orphan = subprocess.Popen([str(fake_cluster / "postgres"), "1"], cwd=data)
    _wait_found(data, orphan.pid)
    clear_old_cluster(data, fake_cluster / "run", 5432, grace_s=30)
    assert orphan.wait(timeout=1) == 0  # it exited on its own: not killed


def test_up_names_restart_when_a_stack_is_already_running(tmp_path: Path) -> None:
    message = already_running_message(tmp_path)
    assert f"`campusflow stack down --state-dir {tmp_path}`" in message
    assert f"`campusflow stack restart <component> --state-dir {tmp_path}`" in message
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _local_stack(tmp_path, services={"recruitment": process_record(sleeper)})
        with pytest.raises(StackError, match=r"campusflow stack restart <component>"):
            LocalProcesses(tmp_path).start()
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()


def test_status_shows_a_killed_component(tmp_path: Path) -> None:
    record = {"pid": 2**22 + 1, "started": 1, "port": 5432, "killed_at": 1.0}
    _local_stack(tmp_path, components={"postgres": record})
    postgres = LocalProcesses(tmp_path).status()[0]
    assert (postgres.name, postgres.running) == ("postgres", False)
    assert postgres.detail.endswith("(killed)")


def _cli(*args: str) -> Any:
    return CliRunner().invoke(stack_cli.app, list(args), env={"COLUMNS": "200"})


def test_the_cli_refuses_an_unknown_component(tmp_path: Path) -> None:
    for command in ("restart", "kill"):
        result = _cli(command, "zookeeper", "--state-dir", str(tmp_path))
        assert result.exit_code == 1
        assert "unknown component 'zookeeper'" in result.output
        assert "Traceback" not in result.output


def test_the_cli_says_when_no_stack_is_recorded(tmp_path: Path) -> None:
    for command in ("restart", "kill"):
        result = _cli(command, "postgres", "--state-dir", str(tmp_path))
        assert result.exit_code == 1
        assert "no stack is recorded" in result.output


def test_the_cli_refuses_a_docker_stack(tmp_path: Path) -> None:
    write_stack_state(tmp_path, {"infrastructure": "docker", "components": {}})
    result = _cli("kill", "kafka", "--state-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "local-process stack" in result.output


def test_the_cli_kills_and_restarts(fake_service: tuple[Path, int]) -> None:
    state_dir, port = fake_service
    result = _cli("kill", "recruitment", "--state-dir", str(state_dir))
    assert result.exit_code == 0, result.output
    assert f"campusflow stack restart recruitment --state-dir {state_dir}" in result.output
    result = _cli("restart", "recruitment", "--state-dir", str(state_dir), "--timeout", "30")
    assert result.exit_code == 0, result.output
    assert f"recruitment is ready again: pid {_service_record(state_dir)['pid']}" in result.output
    assert f"port {port}" in result.output
    assert os.path.exists(state_dir / "services" / "recruitment.json")
