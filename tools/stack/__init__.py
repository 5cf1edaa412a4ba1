"""The platform's infrastructure (PostgreSQL, Redis, Kafka) for development and tests:
local processes, or Docker containers when a Docker engine is available."""

from tools.stack.control import COMPONENTS, kill_component, restart_component
from tools.stack.docker import DockerContainers, docker_available
from tools.stack.errors import StackError
from tools.stack.infrastructure import (
    Infrastructure,
    choose_infrastructure,
    recorded_infrastructure,
)
from tools.stack.install import check_prerequisites, install, missing_prerequisites
from tools.stack.local import LocalProcesses
from tools.stack.processes import (
    free_port,
    start_service_process,
    stop_services,
    wait_http_ready,
)
from tools.stack.state import (
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
