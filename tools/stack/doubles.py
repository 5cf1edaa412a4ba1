"""The outside providers' local doubles that `campusflow stack up` runs next to the services.

Notifications sends email and SMS: on one machine they go to local doubles, started
before the services and stopped with them (`campusflow stack down`):

- `smtp`: the SMTP sink (tools/doubles/smtp.py, aiosmtpd) storing every accepted message
  as an .eml file in `state_dir/mail` (`python -m tools.doubles.smtp --dir <it> --list`);
- `sms`: the double of the SMS provider's HTTP API (tools/doubles/sms.py), whose
  `GET /_double/messages` lists what it was sent.

Both are recorded in stack.json under `doubles.<name>` (pid, started, port, log, and the
sink's `dir`); their logs are `state_dir/logs/<name>.log`. `notifications_environment`
gives the notifications service the variables that point it at them, and at its own URL
for the acknowledgement links in its messages.

Given the port the notifications service will listen on (`notifications_port`), the SMS
double pushes a delivery receipt for every message it accepts to that service's receipts
route with the local receipt token (`--report-url`, `receipts_url`), so on the local
stack an SMS goes sent -> delivered. Its record keeps `notifications_port`: a running
double pointed at another port is started again.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from services.notifications.settings import LOCAL_SMS_RECEIPT_TOKEN
from tools.stack.errors import StackError
from tools.stack.processes import (
    REPO_ROOT,
    free_port,
    process_record,
    record_alive,
    spawn,
    stop_record,
    tail,
)
from tools.stack.state import read_stack_state, update_stack_state

DOUBLES = ("smtp", "sms")
MAIL_DIR = "mail"
READY_TIMEOUT_S = 30.0


def mail_dir(state_dir: Path) -> Path:
    """Where the stack's SMTP sink stores the messages it accepts (.eml files)."""
    return Path(state_dir) / MAIL_DIR


def receipts_url(notifications_port: int, token: str = LOCAL_SMS_RECEIPT_TOKEN) -> str:
    """Where the SMS double pushes receipts: the local notifications service's route."""
    return (
        f"http://127.0.0.1:{notifications_port}/api/notifications/providers/sms/receipts"
        f"?token={quote(token, safe='')}"
    )


def _argv(name: str, port: int, state_dir: Path, notifications_port: int | None) -> list[str]:
    if name == "smtp":
        return [
            sys.executable,
            "-m",
            "tools.doubles.smtp",
            "--port",
            str(port),
            "--dir",
            str(mail_dir(state_dir)),
        ]
    argv = [sys.executable, "-m", "tools.doubles.sms", "--port", str(port)]
    if notifications_port is not None:
        argv += ["--report-url", receipts_url(notifications_port)]
    return argv


def _keep(name: str, record: Any, notifications_port: int | None) -> bool:
    """A running double serves on, unless it pushes receipts to another port."""
    if not record_alive(record):
        return False
    return name != "sms" or record.get("notifications_port") == notifications_port


def start_doubles(
    state_dir: Path,
    *,
    timeout_s: float = READY_TIMEOUT_S,
    notifications_port: int | None = None,
) -> dict[str, Any]:
    """Start the SMTP sink and the SMS double on free ports, wait until each answers, and
    record them in stack.json under `doubles`; returns those records (name -> record).

    With `notifications_port` (where the notifications service will listen) the SMS
    double pushes delivery receipts to it; without, it pushes none. Doubles already
    running for this state directory are kept (not started twice), except an SMS double
    pushing receipts elsewhere, which is stopped and started again.
    """
    state_dir = Path(state_dir).resolve()
    recorded: dict[str, Any] = dict((read_stack_state(state_dir) or {}).get("doubles") or {})
    records: dict[str, Any] = {}
    for name in DOUBLES:
        if _keep(name, recorded.get(name), notifications_port):
            records[name] = recorded[name]
            continue
        if recorded.get(name):
            stop_record(recorded[name])
        port = free_port()
        while port == notifications_port or any(r.get("port") == port for r in records.values()):
            port = free_port()
        log = state_dir / "logs" / f"{name}.log"
        proc = spawn(_argv(name, port, state_dir, notifications_port), log, cwd=REPO_ROOT)
        extra: dict[str, Any] = {"port": port, "log": str(log)}
        if name == "smtp":
            extra["dir"] = str(mail_dir(state_dir))
        else:
            extra["url"] = f"http://127.0.0.1:{port}"
            extra["notifications_port"] = notifications_port
        records[name] = process_record(proc, **extra)
        update_stack_state(state_dir, doubles={name: records[name]})
    for name, record in records.items():
        wait_double_ready(name, record, timeout_s)
    return records


def wait_double_ready(name: str, record: dict[str, Any], timeout_s: float) -> None:
    """The SMTP sink accepts a connection with its 220 greeting; the SMS double answers
    its health check. StackError with the log's tail otherwise."""
    deadline = time.monotonic() + timeout_s
    last = "no attempt made"
    while True:
        if not record_alive(record):
            raise StackError(f"the {name} double exited while starting{_tail(record)}")
        try:
            port = int(record["port"])
            if _listens(int(record["pid"]), port) and _answers(name, port):
                return
            last = f"not listening on 127.0.0.1:{port} yet"
        except (OSError, httpx.HTTPError) as exc:
            last = f"{type(exc).__name__}: {exc}"
        if time.monotonic() >= deadline:
            raise StackError(
                f"the {name} double was not ready after {timeout_s:.0f}s ({last}){_tail(record)}"
            )
        time.sleep(0.1)


def _listens(pid: int, port: int) -> bool:
    """True if process `pid` itself holds a socket listening on `port` (so another
    process answering on a port it took first is not mistaken for this double). Without
    /proc (not Linux) the answer alone decides."""
    if not Path("/proc/net/tcp").exists():
        return True
    try:
        owned = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    except OSError:
        return False
    inodes = {link[8:-1] for link in owned if link.startswith("socket:[")}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes and int(local.rsplit(":", 1)[1], 16) == port:
                return True
    return False


def _answers(name: str, port: int) -> bool:
    if name == "smtp":
        with socket.create_connection(("127.0.0.1", port), timeout=2.0) as sock:
            sock.settimeout(2.0)
            return sock.recv(64).startswith(b"220")
    response = httpx.get(f"http://127.0.0.1:{port}/_double/health", timeout=2.0)
    return response.status_code == 200


def _tail(record: dict[str, Any]) -> str:
    log = Path(str(record.get("log", "")))
    return f"\n--- last lines of {log} ---\n{tail(log)}"


def stop_doubles(state_dir: Path, timeout_s: float = 10.0) -> list[str]:
    """Stop the doubles recorded in stack.json; returns the names that were running."""
    state = read_stack_state(state_dir) or {}
    doubles: dict[str, Any] = state.get("doubles") or {}
    stopped = []
    for name, record in doubles.items():
        if record_alive(record):
            stopped.append(name)
        stop_record(record, timeout_s=timeout_s)
    if doubles:
        update_stack_state(state_dir, doubles=None)
    return stopped


def notifications_environment(doubles: dict[str, Any], notifications_port: int) -> dict[str, str]:
    """What points the notifications service at the doubles and at its own URL."""
    return {
        "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "NOTIFICATIONS_SMTP_PORT": str(doubles["smtp"]["port"]),
        "NOTIFICATIONS_SMS_PROVIDER_URL": f"http://127.0.0.1:{doubles['sms']['port']}",
        "NOTIFICATIONS_PUBLIC_BASE_URL": f"http://127.0.0.1:{notifications_port}",
    }
