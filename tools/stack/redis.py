"""Redis as a local process, in memory only (no RDB snapshots, no AOF)."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

from tools.stack.errors import StackError
from tools.stack.processes import spawn, wait_until

INSTALL_HINT = "install Redis: apt-get install redis-server"


def redis_server_binary() -> Path | None:
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").is_file() else None
    )
    return Path(found) if found else None


def ping(port: int, timeout_s: float = 1.0) -> bool:
    """True if a Redis server on 127.0.0.1:`port` answers PING."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(64).startswith(b"+PONG")


class RedisServer:
    def __init__(self, state_dir: Path) -> None:
        self.data_dir = state_dir / "redis"
        self.log_path = state_dir / "logs" / "redis.log"

    @staticmethod
    def url(port: int) -> str:
        return f"redis://127.0.0.1:{port}/0"

    def start(self, port: int) -> subprocess.Popen[bytes]:
        binary = redis_server_binary()
        if binary is None:
            raise StackError(f"redis-server not found; {INSTALL_HINT}")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [str(binary), "--port", str(port), "--bind", "127.0.0.1"]
        argv += ["--dir", str(self.data_dir), "--save", "", "--appendonly", "no"]
        argv += ["--daemonize", "no", "--protected-mode", "yes"]
        return spawn(argv, self.log_path, cwd=self.data_dir)

    def wait_ready(self, proc: subprocess.Popen[bytes], port: int, timeout_s: float) -> None:
        wait_until(
            lambda: ping(port),
            what="Redis",
            timeout_s=timeout_s,
            proc=proc,
            log_path=self.log_path,
            interval_s=0.05,
        )
