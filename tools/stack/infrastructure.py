"""The Infrastructure protocol and the choice between local processes and Docker."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, runtime_checkable

from tools.stack.docker import DockerContainers, docker_available
from tools.stack.errors import StackError
from tools.stack.local import LocalProcesses
from tools.stack.state import ComponentStatus, StackEndpoints, read_stack_state

INFRA_ENV = "CAMPUSFLOW_INFRA"


@runtime_checkable
class Infrastructure(Protocol):
    """PostgreSQL + Redis + Kafka."""

    def start(self) -> StackEndpoints:
        """Start all three and block until each accepts connections."""
        ...

    def stop(self) -> None:
        """Stop everything that start() started; leave no process behind."""
        ...

    def status(self) -> list[ComponentStatus]: ...


def choose_infrastructure(state_dir: Path) -> Infrastructure:
    """$CAMPUSFLOW_INFRA=local|docker forces a kind; otherwise the kind of the stack already
    recorded in `state_dir`; otherwise Docker if an engine answers, else local processes."""
    forced = os.environ.get(INFRA_ENV, "").strip().lower()
    if forced in ("local", "docker"):
        return _make(forced, state_dir)
    if forced not in ("", "auto"):
        raise StackError(f"{INFRA_ENV} must be 'local' or 'docker', not {forced!r}")
    recorded = (read_stack_state(state_dir) or {}).get("infrastructure")
    if recorded in ("local", "docker"):
        return _make(recorded, state_dir)
    return DockerContainers(state_dir) if docker_available() else LocalProcesses(state_dir)


def recorded_infrastructure(state_dir: Path) -> Infrastructure:
    """The infrastructure that started the stack recorded in `state_dir` (for stop/status),
    falling back to choose_infrastructure when nothing is recorded."""
    recorded = (read_stack_state(state_dir) or {}).get("infrastructure")
    if recorded in ("local", "docker"):
        return _make(recorded, state_dir)
    return choose_infrastructure(state_dir)


def _make(kind: str, state_dir: Path) -> Infrastructure:
    return DockerContainers(state_dir) if kind == "docker" else LocalProcesses(state_dir)
