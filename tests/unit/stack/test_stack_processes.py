from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tools.stack import StackError, free_port, wait_http_ready
from tools.stack.postgres import check_reachable
from tools.stack.processes import (
    is_alive,
    process_record,
    record_alive,
    session_members,
    spawn,
    stop_record,
    stop_records,
    tail,
)

pytestmark = pytest.mark.unit

# A parent that starts a child and then ignores SIGTERM: stop_record must still leave
# nothing behind.
STUBBORN = """
import signal, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(60)
"""


# A process that takes a second to shut down once asked (a service leaving its Kafka group).
SLOW_TO_STOP = """
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: (time.sleep(1.0), sys.exit(0)))
print("ready", flush=True)
time.sleep(60)
"""


def test_several_records_are_stopped_at_once(tmp_path: Path) -> None:
    procs = [spawn([sys.executable, "-c", SLOW_TO_STOP], tmp_path / f"{n}.log") for n in range(4)]
    records = [process_record(proc) for proc in procs]
    deadline = time.monotonic() + 10
    while not all("ready" in tail(tmp_path / f"{n}.log") for n in range(4)):
        assert time.monotonic() < deadline, "the processes did not start"
        time.sleep(0.05)
    started = time.monotonic()
    stop_records([*records, None], timeout_s=10)
    took = time.monotonic() - started
    assert not any(record_alive(record) for record in records)
    assert 1.0 <= took < 3.0  # about one second in all, not one each


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_stop_kills_the_whole_session(tmp_path: Path) -> None:
    log = tmp_path / "stubborn.log"
    proc = spawn([sys.executable, "-c", STUBBORN], log)
    record = process_record(proc)
    deadline = time.monotonic() + 10
    while len(session_members(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    members = session_members(proc.pid)
    assert proc.pid in members and len(members) == 2
    assert os.getsid(proc.pid) == proc.pid  # its own session: survives our exit
    assert record_alive(record)
    stop_record(record, sig=signal.SIGTERM, timeout_s=0.5)
    assert not record_alive(record)
    assert not any(is_alive(pid) for pid in members)
    assert "ready" in tail(log)


def test_a_reused_pid_is_not_ours() -> None:
    record = {"pid": os.getpid(), "started": 1}
    assert not record_alive(record)
    assert is_alive(os.getpid())


def test_wait_http_ready_reports_the_last_error() -> None:
    port = free_port()
    with pytest.raises(StackError, match=rf"127.0.0.1:{port}/readyz was not ready.*Connect"):
        wait_http_ready(f"http://127.0.0.1:{port}/readyz", 0.5)


def test_a_state_dir_the_postgres_user_cannot_enter_is_refused() -> None:
    # Not pytest's tmp_path: /tmp/pytest-of-root is itself mode 0700.
    base = Path(tempfile.mkdtemp(prefix="campusflow-unit-", dir="/tmp"))
    try:
        base.chmod(0o755)
        private = base / "private"
        (private / "state").mkdir(parents=True)
        private.chmod(0o700)
        stranger_uid, stranger_gid = private.stat().st_uid + 12345, 54321
        with pytest.raises(StackError, match="cannot enter"):
            check_reachable(private / "state", stranger_uid, stranger_gid)
        private.chmod(0o755)
        check_reachable(private / "state", stranger_uid, stranger_gid)
    finally:
        shutil.rmtree(base)
