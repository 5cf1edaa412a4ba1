"""PostgreSQL as a local process: initdb once, then `postgres` on a free port.

`initdb` and `postgres` refuse to run as root; when we are root they run as the
unprivileged system user `campusflow`, which owns `state_dir/pg`.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

from tools.stack.errors import StackError
from tools.stack.processes import run, spawn, wait_until

OS_USER = "campusflow"
DB_USER = "campusflow"
DATABASE = "campusflow"
INSTALL_HINT = "install PostgreSQL: apt-get install postgresql"
# A unix socket path may hold ~107 bytes; past that we listen on TCP only.
_MAX_SOCKET_DIR = 80
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "200",
    "shared_buffers": "128MB",
}


def postgres_bin_dir() -> Path | None:
    """The directory holding initdb and postgres: $CAMPUSFLOW_PG_BIN, the newest
    /usr/lib/postgresql/<version>/bin (Debian), or wherever `initdb` is on PATH."""
    override = os.environ.get("CAMPUSFLOW_PG_BIN")
    candidates: list[Path] = [Path(override)] if override else []
    versioned = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)] or [0],
        reverse=True,
    )
    candidates.extend(versioned)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "postgres").is_file():
            return candidate
    return None


def require_bin_dir() -> Path:
    found = postgres_bin_dir()
    if found is None:
        raise StackError(f"PostgreSQL server binaries (initdb, postgres) not found; {INSTALL_HINT}")
    return found


def ensure_os_user() -> tuple[int, int] | None:
    """When root: the (uid, gid) of the `campusflow` system user, created if missing.
    Otherwise None: PostgreSQL runs as the current user."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(OS_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        argv = [useradd, "--system", "--no-create-home", "--user-group"]
        argv += ["--shell", "/usr/sbin/nologin", OS_USER]
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        # exit 9: the user already exists (created concurrently) — fine.
        if result.returncode not in (0, 9):
            raise StackError(
                f"PostgreSQL cannot run as root and creating the system user {OS_USER!r} "
                f"failed: {(result.stdout + result.stderr).strip()}"
            ) from None
        entry = pwd.getpwnam(OS_USER)
    return entry.pw_uid, entry.pw_gid


def check_reachable(path: Path, uid: int, gid: int) -> None:
    """Fail clearly if the user `uid` cannot traverse every directory down to `path`."""
    for directory in [*reversed(path.parents), path]:
        try:
            info = directory.stat()
        except FileNotFoundError:
            return
        if info.st_uid == uid:
            ok = info.st_mode & stat.S_IXUSR
        elif info.st_gid == gid:
            ok = info.st_mode & stat.S_IXGRP
        else:
            ok = info.st_mode & stat.S_IXOTH
        if not ok:
            raise StackError(
                f"PostgreSQL runs as the unprivileged user {OS_USER!r}, which cannot enter "
                f"{directory} (mode {stat.filemode(info.st_mode)}). Choose a state directory "
                f"outside it (--state-dir /tmp/campusflow-stack or $CAMPUSFLOW_STATE_DIR), "
                f"or chmod o+x {directory}."
            )


class PostgresServer:
    """One PostgreSQL cluster in `state_dir/pg`, logging to `state_dir/logs/postgres.log`."""

    def __init__(self, state_dir: Path) -> None:
        self.home = state_dir / "pg"
        self.data_dir = self.home / "data"
        self.socket_dir = self.home / "run"
        self.log_path = state_dir / "logs" / "postgres.log"
        self._owner: tuple[int, int] | None = None

    @staticmethod
    def dsn(port: int, database: str = DATABASE) -> str:
        return f"postgresql://{DB_USER}@127.0.0.1:{port}/{database}"

    def prepare(self) -> None:
        """Create the cluster unless it already exists (data persists across restarts)."""
        bin_dir = require_bin_dir()
        self._owner = ensure_os_user()
        self.home.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if self._owner is not None:
            uid, gid = self._owner
            check_reachable(self.home, uid, gid)
            for path in (self.home, self.socket_dir):
                os.chown(path, uid, gid)
        self.home.chmod(0o700)
        if (self.data_dir / "PG_VERSION").is_file():
            return
        shutil.rmtree(self.data_dir, ignore_errors=True)  # a half-made cluster
        base = [str(bin_dir / "initdb"), "-D", str(self.data_dir), "-U", DB_USER]
        base += ["--auth=trust", "-E", "UTF8"]
        try:
            self._run([*base, "--locale=C.UTF-8"], what="initdb")
        except StackError as exc:
            if "locale" not in str(exc).lower():
                raise
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self._run([*base, "--no-locale"], what="initdb --no-locale")

    def start(self, port: int) -> subprocess.Popen[bytes]:
        bin_dir = require_bin_dir()
        argv = [str(bin_dir / "postgres"), "-D", str(self.data_dir), "-p", str(port)]
        socket_dir = str(self.socket_dir) if len(str(self.socket_dir)) <= _MAX_SOCKET_DIR else ""
        argv += ["-k", socket_dir]
        for name, value in SERVER_SETTINGS.items():
            argv += ["-c", f"{name}={value}"]
        uid, gid = self._owner if self._owner else (None, None)
        return spawn(argv, self.log_path, env=self._env(), cwd=self.home, user=uid, group=gid)

    def wait_ready(self, proc: subprocess.Popen[bytes], port: int, timeout_s: float) -> None:
        """Wait until the server accepts connections, then create the `campusflow` database."""
        bin_dir = require_bin_dir()
        isready = [str(bin_dir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)]
        isready += ["-U", DB_USER, "-d", "postgres", "-t", "2"]

        def accepting() -> bool:
            return subprocess.run(isready, check=False, timeout=10).returncode == 0

        wait_until(
            accepting, what="PostgreSQL", timeout_s=timeout_s, proc=proc, log_path=self.log_path
        )
        self._ensure_database(bin_dir, port)

    def _ensure_database(self, bin_dir: Path, port: int) -> None:
        psql = [str(bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"]
        psql += ["-p", str(port), "-U", DB_USER, "-tA"]
        exists = run(
            [
                *psql,
                "-d",
                "postgres",
                "-c",
                f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'",
            ],
            what="checking for the campusflow database",
            timeout=30,
        )
        if exists.stdout.strip() != "1":
            run(
                [*psql, "-d", "postgres", "-c", f"CREATE DATABASE {DATABASE} OWNER {DB_USER}"],
                what="creating the campusflow database",
                timeout=30,
            )
        run([*psql, "-d", DATABASE, "-c", "SELECT 1"], what="connecting to PostgreSQL", timeout=30)

    def _run(self, argv: list[str], *, what: str) -> None:
        uid, gid = self._owner if self._owner else (None, None)
        extra: dict[str, Any] = {}
        if uid is not None:
            extra = {"user": uid, "group": gid, "extra_groups": []}
        run(argv, what=what, env=self._env(), cwd=self.home, timeout=120, **extra)

    def _env(self) -> dict[str, str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home)}
        env["LANG"] = "C"  # initdb gets the cluster's locale explicitly
        return env
