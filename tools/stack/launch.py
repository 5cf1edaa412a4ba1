"""How a service process is launched, recorded, and launched again.

`campusflow stack up` writes `state_dir/services/<name>.json` for each service before it
starts it:

    {"name": "recruitment", "argv": ["/usr/bin/python3", "-m", "services.recruitment"],
     "env": {"RECRUITMENT_HTTP_PORT": "8101", ...}, "cwd": "/repo", "port": 8101,
     "log": "/tmp/campusflow-stack/logs/recruitment.log"}

`env` holds only what campusflow sets (`shared.config.service_environment`), not the whole
os.environ; the process gets `os.environ | env`. The file holds the service's secrets
(database URL, JWT secret, beneficiary keys), so it is created with mode 0600 and never
exists with a wider one. `start_recorded_service` starts a service from this file and
records the process in stack.json: `stack up` and `stack restart <service>` both use it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from tools.stack.errors import StackError
from tools.stack.processes import REPO_ROOT, process_record, record_alive, spawn, tail
from tools.stack.state import update_stack_state

LAUNCH_DIR = "services"
FILE_MODE = 0o600
DIR_MODE = 0o700


@dataclass(frozen=True)
class ServiceLaunch:
    """Everything needed to start one service process again exactly as before."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: str
    port: int
    log: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any, *, source: Path | str = "launch record") -> ServiceLaunch:
        try:
            launch = cls(
                name=str(data["name"]),
                argv=[str(arg) for arg in data["argv"]],
                env={str(key): str(value) for key, value in dict(data["env"]).items()},
                cwd=str(data["cwd"]),
                port=int(data["port"]),
                log=str(data["log"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StackError(f"{source} is not a valid service launch record: {exc!r}") from None
        if not launch.argv:
            raise StackError(f"{source} is not a valid service launch record: empty argv")
        return launch


def service_launch(state_dir: Path, name: str, env: dict[str, str], port: int) -> ServiceLaunch:
    """How `stack up` runs a service: `python -m services.<name>` from the repository."""
    return ServiceLaunch(
        name=name,
        argv=[sys.executable, "-m", f"services.{name}"],
        env=dict(env),
        cwd=str(REPO_ROOT),
        port=port,
        log=str(Path(state_dir) / "logs" / f"{name}.log"),
    )


def launch_path(state_dir: Path, name: str) -> Path:
    return Path(state_dir) / LAUNCH_DIR / f"{name}.json"


def write_launch(state_dir: Path, launch: ServiceLaunch) -> Path:
    """Write `state_dir/services/<name>.json` atomically, mode 0600 from its creation."""
    path = launch_path(state_dir, launch.name)
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    path.parent.chmod(DIR_MODE)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask may have narrowed it; still nothing written
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            fd = -1
            json.dump(launch.to_json(), handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if fd != -1:
            os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    return path


def read_launch(state_dir: Path, name: str) -> ServiceLaunch:
    path = launch_path(state_dir, name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StackError(
            f"{name} has no launch record ({path}): it was not started by "
            f"`campusflow stack up` in {state_dir} (or the stack was started with "
            "--no-services)"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StackError(f"{path} is not valid JSON: {exc}") from None
    launch = ServiceLaunch.from_json(data, source=path)
    if launch.name != name:
        raise StackError(f"{path} describes {launch.name!r}, not {name!r}")
    return launch


def start_recorded_service(state_dir: Path, name: str) -> dict[str, Any]:
    """Start the service recorded in `state_dir/services/<name>.json` and record the process
    in stack.json under `services.<name>`; returns that record (pid, started, port, url, log).

    Does not wait for it to be ready: see `wait_service_ready`.
    """
    launch = read_launch(state_dir, name)
    proc = spawn(
        launch.argv,
        Path(launch.log),
        env={**os.environ, **launch.env},
        cwd=Path(launch.cwd),
    )
    record = process_record(proc, port=launch.port, url=launch.url, log=launch.log)
    update_stack_state(state_dir, services={name: record})
    return record


def wait_service_ready(name: str, record: dict[str, Any], timeout_s: float) -> None:
    """Poll `<url>/readyz` until it answers 200. StackError with the tail of the service's
    log if it does not within `timeout_s`, or if the process exits first."""
    url = f"{record['url']}/readyz"
    log = Path(str(record.get("log", "")))
    deadline = time.monotonic() + timeout_s
    last_error = "no attempt made"
    with httpx.Client(timeout=2.0) as client:
        while True:
            if not record_alive(record):
                raise StackError(
                    f"{name} (pid {record.get('pid')}) exited while starting "
                    f"(last answer from {url}: {last_error})" + _log_tail(log)
                )
            try:
                response = client.get(url)
                if response.status_code == 200:
                    return
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            if time.monotonic() >= deadline:
                raise StackError(
                    f"{name} did not become ready: {url} was not ready after "
                    f"{timeout_s:.0f}s ({last_error})" + _log_tail(log)
                )
            time.sleep(0.2)


def _log_tail(log: Path) -> str:
    return f"\n--- last lines of {log} ---\n{tail(log)}"
