"""Restarting and killing one component of a running local-process stack.

`kill_component` is for chaos drills: SIGKILL to the component's own process (for
PostgreSQL the postmaster only, exactly like `kill -9 <postmaster>`); its record stays in
stack.json, so `campusflow stack status` shows it as not running. `restart_component`
stops the component if it runs (gracefully, as `campusflow stack down` does), starts it
again on the same port with the same configuration, waits until it is ready, and records
the new process in stack.json, so `status` and `down` stay true.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from shared.config import SERVICES
from tools.stack.errors import StackError
from tools.stack.kafka import KafkaBroker
from tools.stack.launch import (
    read_launch,
    start_recorded_service,
    wait_service_ready,
)
from tools.stack.local import COMPONENTS as INFRASTRUCTURE
from tools.stack.local import STOP_SIGNALS
from tools.stack.postgres import PostgresServer
from tools.stack.processes import is_alive, process_record, record_alive, stop_record
from tools.stack.redis import RedisServer
from tools.stack.state import read_stack_state, state_dir_flag, update_stack_state

COMPONENTS: tuple[str, ...] = (*INFRASTRUCTURE, *SERVICES)
READY_TIMEOUTS_S = {"postgres": 90.0, "redis": 30.0, "kafka": 120.0}
SERVICE_READY_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 20.0
# After a kill -9 of the postmaster its children notice and exit within a moment; those
# still there after this long are killed.
ORPHAN_GRACE_S = 10.0
LOCK_FILE = ".control.lock"


def check_component(name: str) -> str:
    """`name` if it is a component of the stack; StackError naming the valid ones otherwise."""
    if name not in COMPONENTS:
        raise StackError(f"unknown component {name!r}; expected one of: {', '.join(COMPONENTS)}")
    return name


def kill_component(state_dir: Path, name: str) -> None:
    """SIGKILL the component's process (PostgreSQL: the postmaster only, not its children)
    and wait until it is gone. Its record stays in stack.json, marked `killed_at`."""
    check_component(name)
    state_dir = Path(state_dir).resolve()
    with _locked(state_dir):
        section, record = _recorded(state_dir, name)
        if not record_alive(record):
            raise StackError(
                f"{name} is not running (pid {record.get('pid')}); nothing to kill. "
                f"`campusflow stack restart {name}{state_dir_flag(state_dir)}` starts it again."
            )
        pid, started = int(record["pid"]), record.get("started")
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 10.0
        while is_alive(pid, started):
            if time.monotonic() >= deadline:
                raise StackError(f"{name} (pid {pid}) is still alive 10s after SIGKILL")
            time.sleep(0.05)
        update_stack_state(state_dir, **{section: {name: {**record, "killed_at": time.time()}}})


def restart_component(
    state_dir: Path,
    name: str,
    *,
    ready_timeout_s: float | None = None,
    stop_timeout_s: float = STOP_TIMEOUT_S,
) -> dict[str, Any]:
    """Stop `name` if it runs, start it again on the same port with the same configuration,
    wait until it is ready, and return its new record in stack.json (pid, started, port...).

    Ready means: PostgreSQL answers pg_isready, Redis PING, Kafka lists its broker, a
    service's GET /readyz answers 200. StackError (with the log's tail) if it is not ready
    within `ready_timeout_s`; the new process is then left running and recorded.
    """
    check_component(name)
    state_dir = Path(state_dir).resolve()
    with _locked(state_dir):
        section, record = _recorded(state_dir, name)
        if section == "services":
            timeout = SERVICE_READY_TIMEOUT_S if ready_timeout_s is None else ready_timeout_s
            return _restart_service(state_dir, name, record, timeout, stop_timeout_s)
        timeout = READY_TIMEOUTS_S[name] if ready_timeout_s is None else ready_timeout_s
        return _restart_infrastructure(state_dir, name, record, timeout, stop_timeout_s)


def _restart_service(
    state_dir: Path, name: str, record: dict[str, Any], timeout_s: float, stop_timeout_s: float
) -> dict[str, Any]:
    launch = read_launch(state_dir, name)  # before stopping: fail while it still runs
    stop_record(record, sig=signal.SIGTERM, timeout_s=stop_timeout_s)
    wait_ports_free(name, [launch.port], timeout_s=30.0, state_dir=state_dir)
    new = start_recorded_service(state_dir, name)
    wait_service_ready(name, new, timeout_s)
    return new


def _restart_infrastructure(
    state_dir: Path, name: str, record: dict[str, Any], timeout_s: float, stop_timeout_s: float
) -> dict[str, Any]:
    try:
        port = int(record["port"])
        controller_port = int(record["controller_port"]) if name == "kafka" else None
    except (KeyError, TypeError, ValueError):
        raise StackError(f"the record of {name} in stack.json has no usable port") from None
    stop_record(record, sig=STOP_SIGNALS[name], timeout_s=stop_timeout_s)
    proc: subprocess.Popen[bytes]
    server: PostgresServer | RedisServer | KafkaBroker
    if name == "postgres":
        server = PostgresServer(state_dir)
        clear_old_cluster(server.data_dir, server.socket_dir, port)
        wait_ports_free(name, [port], timeout_s=30.0, state_dir=state_dir)
        server.prepare()  # the cluster exists: only the OS user and ownerships are ensured
        proc = server.start(port)
    elif name == "redis":
        server = RedisServer(state_dir)
        wait_ports_free(name, [port], timeout_s=30.0, state_dir=state_dir)
        proc = server.start(port)
    else:
        server = KafkaBroker(state_dir)
        assert controller_port is not None
        wait_ports_free(name, [port, controller_port], timeout_s=30.0, state_dir=state_dir)
        server.prepare(port, controller_port)  # same ports; the storage is already formatted
        proc = server.start()
    fields = {key: value for key, value in record.items() if key != "killed_at"}
    new = {**fields, **process_record(proc)}
    update_stack_state(state_dir, components={name: new})
    server.wait_ready(proc, port, timeout_s)
    return new


def cluster_processes(data_dir: Path) -> list[int]:
    """Live `postgres` processes of the data directory's owner working in `data_dir`.

    The postmaster chdirs to its data directory and every backend and auxiliary process
    inherits it, even once orphaned by a kill -9 (they run in sessions of their own and are
    re-parented, so the process tree cannot find them).
    """
    target = os.path.realpath(data_dir)
    try:
        owner = os.stat(data_dir).st_uid
    except OSError:
        return []
    found: list[int] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != owner:
                continue
            if Path(f"/proc/{entry}/comm").read_text().strip() != "postgres":
                continue  # an operator's shell in the data directory is not the cluster
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        if cwd == target and is_alive(int(entry)):
            found.append(int(entry))
    return sorted(found)


def clear_old_cluster(
    data_dir: Path, socket_dir: Path, port: int, grace_s: float = ORPHAN_GRACE_S
) -> None:
    """Make sure nothing of the old cluster remains before a new postmaster starts on it.

    After a kill -9 of the postmaster its orphaned children hold the shared memory for a
    moment (a new postmaster would refuse: "pre-existing shared memory block is still in
    use"): wait up to `grace_s` for them to exit, then SIGKILL the rest. Then remove the
    stale lock files (postmaster.pid, the socket's lock), whose pid may by now belong to an
    unrelated process.
    """
    deadline = time.monotonic() + grace_s
    while cluster_processes(data_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = cluster_processes(data_dir)
    for pid in leftovers:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10.0
    while cluster_processes(data_dir):
        if time.monotonic() >= deadline:
            raise StackError(
                f"processes of the old PostgreSQL cluster in {data_dir} are still alive "
                f"(pids {', '.join(map(str, cluster_processes(data_dir)))}) even after SIGKILL"
            )
        time.sleep(0.1)
    for stale in (data_dir / "postmaster.pid", socket_dir / f".s.PGSQL.{port}.lock"):
        stale.unlink(missing_ok=True)


def port_free(port: int) -> bool:
    """True if a server could listen on 127.0.0.1:`port` now (with SO_REUSEADDR, as the
    servers do: connections of the previous process in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_ports_free(
    name: str, ports: list[int], timeout_s: float, state_dir: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        taken = [port for port in ports if not port_free(port)]
        if not taken:
            return
        if time.monotonic() >= deadline:
            where = state_dir_flag(state_dir) if state_dir is not None else ""
            raise StackError(
                f"cannot restart {name} on the same port: 127.0.0.1:"
                f"{', '.join(map(str, taken))} is still in use by another process "
                f"(see `ss -ltnp`); stop it, or `campusflow stack down{where}` and `up` again"
            )
        time.sleep(0.2)


def _recorded(state_dir: Path, name: str) -> tuple[str, dict[str, Any]]:
    """("components" | "services", the component's record) from stack.json."""
    state = read_stack_state(state_dir)
    if state is None:
        raise StackError(
            f"no stack is recorded in {state_dir}; start one with "
            f"`campusflow stack up --state-dir {state_dir}`"
        )
    kind = state.get("infrastructure")
    if name in INFRASTRUCTURE and kind != "local":
        raise StackError(
            f"the stack in {state_dir} runs PostgreSQL, Redis and Kafka as "
            f"{'Docker containers' if kind == 'docker' else repr(kind)}; restart and kill of "
            "the infrastructure are for the local-process stack (CAMPUSFLOW_INFRA=local). "
            "For containers use `docker restart` or `docker kill` (ids in stack.json)."
        )
    section = "services" if name in SERVICES else "components"
    record = (state.get(section) or {}).get(name)
    if not isinstance(record, dict) or not record.get("pid"):
        hint = " (was it started with --no-services?)" if section == "services" else ""
        raise StackError(f"{name} is not part of the stack recorded in {state_dir}{hint}")
    return section, record


@contextlib.contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    """One restart or kill at a time per state directory."""
    if not state_dir.is_dir():
        raise StackError(
            f"no stack is recorded in {state_dir}; start one with "
            f"`campusflow stack up --state-dir {state_dir}`"
        )
    with open(state_dir / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
