"""Starting, inspecting and stopping background processes.

Every process is started in its own session (`start_new_session=True`), so it survives the
command that started it and can be stopped, with all its children, from another process.
A process is recorded as `{"pid": ..., "started": ...}`: the start time (from /proc) guards
against signalling an unrelated process that later got the same pid.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tools.stack.errors import StackError

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(
    argv: Sequence[str],
    log_path: Path,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    user: int | None = None,
    group: int | None = None,
) -> subprocess.Popen[bytes]:
    """Start `argv` in the background, in a new session, appending its output to `log_path`.

    When `user`/`group` are given (we are root and the process runs as someone else), the
    log file is made theirs: the process and its tools can then reopen and write it.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        if user is not None or group is not None:
            _chown(log.fileno(), log_path, user, group)
        try:
            return subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                start_new_session=True,
                user=user,
                group=group,
                extra_groups=[] if user is not None else None,
            )
        except OSError as exc:
            raise StackError(f"could not start {argv[0]}: {exc}") from exc


def _chown(fd: int, path: Path, user: int | None, group: int | None) -> None:
    info = os.fstat(fd)
    uid = -1 if user is None or info.st_uid == user else user
    gid = -1 if group is None or info.st_gid == group else group
    if uid == -1 and gid == -1:
        return
    try:
        os.fchown(fd, uid, gid)
    except OSError as exc:
        raise StackError(
            f"could not give the log {path} to the user (uid {user}, gid {group}) "
            f"its process runs as: {exc}"
        ) from exc


def start_service_process(
    service: str, env: dict[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    """Run `python -m services.<service>` in the background with `os.environ | env`."""
    return spawn(
        [sys.executable, "-m", f"services.{service}"],
        log_path,
        env={**os.environ, **env},
        cwd=REPO_ROOT,
    )


def process_record(proc: subprocess.Popen[bytes], **extra: Any) -> dict[str, Any]:
    return {"pid": proc.pid, "started": start_time(proc.pid), **extra}


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (state) on, or None if there is no such process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    except OSError:
        return None
    return raw[raw.rfind(")") + 2 :].split()


def start_time(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def is_alive(pid: int | None, started: int | None = None) -> bool:
    """True if `pid` runs (not a zombie) and, when given, started at `started`."""
    if not pid:
        return False
    _reap(pid)
    fields = _stat_fields(pid)
    if fields is None:
        if Path("/proc/self/stat").exists():
            return False
        try:  # no /proc (not Linux): ask the kernel
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    if fields[0] in ("Z", "X"):
        return False
    return started is None or int(fields[19]) == started


def record_alive(record: dict[str, Any] | None) -> bool:
    if not record:
        return False
    return is_alive(record.get("pid"), record.get("started"))


def _reap(pid: int) -> None:
    """Collect the exit status if `pid` is our own child, so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except (ChildProcessError, OSError):
        pass


def _all_processes() -> dict[int, list[str]]:
    table: dict[int, list[str]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return table
    for entry in entries:
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields and fields[0] not in ("Z", "X"):
                table[int(entry)] = fields
    return table


def session_members(leader: int, not_before: int | None = None) -> list[int]:
    """Live processes in the session `leader` started, and its descendants (PostgreSQL's
    children start sessions of their own)."""
    return sorted(_process_tree(leader, not_before))


def _process_tree(leader: int, not_before: int | None) -> dict[int, int]:
    """pid -> start time for the session of `leader` plus all descendants of `leader`."""
    table = _all_processes()
    if not table:
        return {leader: start_time(leader) or 0} if is_alive(leader) else {}
    children: dict[int, list[int]] = {}
    for pid, fields in table.items():
        children.setdefault(int(fields[1]), []).append(pid)
    found = {pid for pid, fields in table.items() if int(fields[3]) == leader}
    if leader in table:
        stack = [leader]
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        found.add(leader)
    return {
        pid: int(table[pid][19])
        for pid in found
        if not_before is None or int(table[pid][19]) >= not_before
    }


def stop_record(
    record: dict[str, Any] | None, *, sig: int = signal.SIGTERM, timeout_s: float = 20.0
) -> None:
    """Stop a recorded process and all it started: `sig`, then SIGKILL after `timeout_s`."""
    if not record or not record.get("pid"):
        return
    pid = int(record["pid"])
    started = record.get("started")
    tracked = _process_tree(pid, started)  # before the signal: orphans get reparented
    if record_alive(record):
        _signal(pid, sig, group=True)
    else:  # the leader is gone; what it started may not be
        for member in tracked:
            _signal(member, sig, group=False)
    if _wait_gone(pid, started, tracked, timeout_s):
        return
    for member in _remaining(tracked):
        _signal(member, signal.SIGKILL, group=False)
    if record_alive(record):
        _signal(pid, signal.SIGKILL, group=True)
    if not _wait_gone(pid, started, tracked, 5.0):
        raise StackError(f"process {pid} did not stop, even after SIGKILL")


def stop_records(records: Sequence[dict[str, Any] | None], *, timeout_s: float = 20.0) -> None:
    """stop_record for each, all at once (each service takes a second or two to shut down:
    one after the other, four took 5 s); the first StackError once all are done."""
    with ThreadPoolExecutor(max_workers=max(1, len(records)), thread_name_prefix="stop") as pool:
        stopping = [pool.submit(stop_record, record, timeout_s=timeout_s) for record in records]
    for done in stopping:
        done.result()


def _remaining(tracked: dict[int, int]) -> list[int]:
    return [pid for pid, started in tracked.items() if is_alive(pid, started)]


def _wait_gone(pid: int, started: int | None, tracked: dict[int, int], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        tracked.update(_process_tree(pid, started) if is_alive(pid, started) else {})
        if not _remaining(tracked):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _signal(pid: int, sig: int, *, group: bool) -> None:
    try:
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        if group:
            _signal(pid, sig, group=False)


def tail(path: Path, lines: int = 40) -> str:
    """The last `lines` lines of a log file, or a note that there is none."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64_000))
            text = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def wait_http_ready(url: str, timeout_s: float) -> None:
    """Poll `url` until it answers HTTP 200; raise StackError with the last error otherwise."""
    deadline = time.monotonic() + timeout_s
    last_error = "no attempt made"
    with httpx.Client(timeout=2.0) as client:
        while True:
            try:
                response = client.get(url)
                if response.status_code == 200:
                    return
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            if time.monotonic() >= deadline:
                raise StackError(f"{url} was not ready after {timeout_s:.0f}s ({last_error})")
            time.sleep(0.2)


def wait_until(
    check: Any,
    *,
    what: str,
    timeout_s: float,
    proc: subprocess.Popen[bytes] | None = None,
    log_path: Path | None = None,
    interval_s: float = 0.2,
) -> None:
    """Call `check()` until it returns True. Fail early if `proc` exits, and on failure
    include the tail of `log_path` in the error."""
    deadline = time.monotonic() + timeout_s
    last_error = ""
    while True:
        if proc is not None and proc.poll() is not None:
            raise StackError(
                f"{what} exited with code {proc.returncode} while starting" + _log_note(log_path)
            )
        try:
            if check():
                return
        except Exception as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise StackError(
                f"{what} was not ready after {timeout_s:.0f}s{detail}" + _log_note(log_path)
            )
        time.sleep(interval_s)


def _log_note(log_path: Path | None) -> str:
    if log_path is None:
        return ""
    last = tail(log_path)
    note = f"\n--- last lines of {log_path} ---\n{last}"
    errors = [line for line in tail(log_path, 2000).splitlines() if _is_error_line(line)]
    fresh = [line for line in errors[-5:] if line not in last]
    if fresh:
        note = f"\n--- errors in {log_path} ---\n" + "\n".join(fresh) + note
    return note


def _is_error_line(line: str) -> bool:
    return any(word in line for word in (" ERROR ", " FATAL ", "FATAL:", "ERROR:", "# Fatal"))


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from synchronous code, even when an event loop is already running
    in this thread (then it runs in a helper thread with its own loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    result: list[T] = []
    error: list[BaseException] = []

    def runner() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=runner, name="campusflow-stack-async")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def run(argv: Sequence[str], *, what: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a short command to completion; StackError with its output if it fails."""
    try:
        done = subprocess.run(
            list(argv), capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs
        )
    except OSError as exc:
        raise StackError(f"{what} failed: could not run {argv[0]}: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise StackError(f"{what} timed out after {exc.timeout}s") from exc
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-4000:]
        raise StackError(f"{what} failed (exit {done.returncode}):\n{output}")
    return done


def stop_services(state_dir: Path, timeout_s: float = 20.0) -> list[str]:
    """Stop every service process recorded in stack.json, then the providers' doubles
    (tools/stack/doubles.py); returns the names of the services stopped."""
    from tools.stack.state import read_stack_state, update_stack_state

    state = read_stack_state(state_dir) or {}
    services: dict[str, Any] = state.get("services") or {}
    stopped = [name for name, record in services.items() if record_alive(record)]
    stop_records(list(services.values()), timeout_s=timeout_s)
    if services:
        update_stack_state(state_dir, services=None)
    from tools.stack.doubles import stop_doubles  # the providers' doubles serve the services

    stop_doubles(state_dir, timeout_s=timeout_s)
    return stopped
