"""The platform's infrastructure (PostgreSQL, Redis, Kafka) for development and tests:
local processes, or Docker containers when a Docker engine is available."""

from shared.stack.control import COMPONENTS, kill_component, restart_component
from shared.stack.docker import DockerContainers, docker_available
from shared.stack.errors import StackError
from shared.stack.infrastructure import (
    Infrastructure,
    choose_infrastructure,
    recorded_infrastructure,
)
from shared.stack.install import check_prerequisites, install, missing_prerequisites
from shared.stack.local import LocalProcesses
from shared.stack.processes import (
    free_port,
    start_service_process,
    stop_services,
    wait_http_ready,
)
from shared.stack.state import (
    ComponentStatus,
    StackEndpoints,
    default_state_dir,
    read_stack_state,
)

__all__ = [
    "COMPONENTS",
    "ComponentStatus",
    "DockerContainers",
    "Infrastructure",
    "LocalProcesses",
    "StackEndpoints",
    "StackError",
    "check_prerequisites",
    "choose_infrastructure",
    "default_state_dir",
    "docker_available",
    "free_port",
    "install",
    "kill_component",
    "missing_prerequisites",
    "read_stack_state",
    "recorded_infrastructure",
    "restart_component",
    "start_service_process",
    "stop_services",
    "wait_http_ready",
]
