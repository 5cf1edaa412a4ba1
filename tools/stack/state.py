"""Where the stack keeps its state, and the record of what it started.

`state_dir/stack.json` is written by the process that starts the stack and read by the
ones that inspect or stop it (`campusflow stack status`, `down`, `demo seed`, `bench`).
Its shape:

    {
      "infrastructure": "local" | "docker",
      "endpoints": {"postgres_admin_dsn": ..., "redis_url": ..., "kafka_bootstrap": ...},
      "components": {"postgres": {"pid": 1, "started": 2, "port": 3, ...}, ...},
      "containers": {"postgres": "<docker id>", ...},          # docker only
      "services": {"recruitment": {"pid": 1, "started": 2, "port": 3,
                                   "url": "http://127.0.0.1:3", "log": "/..."}, ...}
    }
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

STATE_FILE = "stack.json"
ENV_FILE = "stack.env"
DEFAULT_STATE_DIR = Path("/tmp/campusflow-stack")


@dataclass(frozen=True)
class StackEndpoints:
    """How to reach the infrastructure of a running stack."""

    postgres_admin_dsn: str
    redis_url: str
    kafka_bootstrap: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> StackEndpoints:
        return cls(
            postgres_admin_dsn=str(d["postgres_admin_dsn"]),
            redis_url=str(d["redis_url"]),
            kafka_bootstrap=str(d["kafka_bootstrap"]),
        )


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    running: bool
    detail: str


def default_state_dir() -> Path:
    """`$CAMPUSFLOW_STATE_DIR`, else /tmp/campusflow-stack.

    Not under the home directory: PostgreSQL runs as an unprivileged user when we are root,
    and that user must be able to reach its data directory.
    """
    value = os.environ.get("CAMPUSFLOW_STATE_DIR", "").strip()
    return Path(value).expanduser().resolve() if value else DEFAULT_STATE_DIR


def state_path(state_dir: Path) -> Path:
    return Path(state_dir) / STATE_FILE


def read_stack_state(state_dir: Path) -> dict[str, Any] | None:
    """The recorded state of the stack in `state_dir`, or None when nothing was started.

    Service URLs are under `["services"][name]["url"]`; the infrastructure under
    `["endpoints"]` (use `StackEndpoints.from_json`). A record is not proof that the
    processes are still alive: `campusflow stack status` checks that.
    """
    path = state_path(state_dir)
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def write_stack_state(state_dir: Path, state: dict[str, Any]) -> None:
    """Replace stack.json atomically (a reader never sees half a file)."""
    path = state_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def update_stack_state(state_dir: Path, **changes: Any) -> dict[str, Any]:
    """Merge top-level keys into stack.json (dict values are merged one level deep)."""
    state = read_stack_state(state_dir) or {}
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(state.get(key), dict):
            state[key] = {**state[key], **value}
        else:
            state[key] = value
    write_stack_state(state_dir, state)
    return state


def remove_stack_state(state_dir: Path) -> None:
    state_path(state_dir).unlink(missing_ok=True)
    (Path(state_dir) / ENV_FILE).unlink(missing_ok=True)


def recorded_endpoints(state_dir: Path) -> StackEndpoints | None:
    state = read_stack_state(state_dir)
    if not state or not isinstance(state.get("endpoints"), dict):
        return None
    try:
        return StackEndpoints.from_json(state["endpoints"])
    except KeyError:
        return None


def state_dir_flag(state_dir: Path) -> str:
    """What a command shown to the user needs to reach this stack: nothing for the built-in
    /tmp/campusflow-stack, else ` --state-dir DIR` (even when $CAMPUSFLOW_STATE_DIR names
    it here: the command may be run from another shell)."""
    if Path(state_dir).resolve() == DEFAULT_STATE_DIR:
        return ""
    return f" --state-dir {shlex.quote(str(state_dir))}"


def shell_exports(
    endpoints: StackEndpoints, service_urls: dict[str, str], state_dir: Path | None = None
) -> str:
    """The contents of stack.env: `source` it to talk to the running stack (the campusflow
    commands too, through CAMPUSFLOW_STATE_DIR, when `state_dir` is given)."""
    lines = [
        f"export CAMPUSFLOW_DATABASE_URL={_quote(endpoints.postgres_admin_dsn)}",
        f"export CAMPUSFLOW_REDIS_URL={_quote(endpoints.redis_url)}",
        f"export CAMPUSFLOW_KAFKA_BOOTSTRAP={_quote(endpoints.kafka_bootstrap)}",
    ]
    for service, url in service_urls.items():
        lines.append(f"export CAMPUSFLOW_{service.upper()}_URL={_quote(url)}")
    if state_dir is not None:
        lines.append(f"export CAMPUSFLOW_STATE_DIR={_quote(str(state_dir))}")
    return "\n".join(lines) + "\n"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"
