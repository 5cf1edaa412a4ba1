"""The services as real processes on the session stack."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.config import service_environment
from tools.stack import StackEndpoints, free_port, start_service_process, wait_http_ready
from tools.stack.processes import process_record, stop_record, tail


@pytest.fixture(scope="session")
def services(stack: StackEndpoints, service_dsns: dict[str, str]) -> Iterator[dict[str, str]]:
    """recruitment, scheduling, evaluation and notifications running; yields name -> base URL."""
    logs = Path(tempfile.mkdtemp(prefix="campusflow-e2e-"))
    started: dict[str, tuple[object, str, Path]] = {}
    try:
        for name in ("recruitment", "scheduling", "evaluation", "notifications"):
            port = free_port()
            env = service_environment(
                name,
                database_url=service_dsns[name],
                kafka_bootstrap=stack.kafka_bootstrap,
                redis_url=stack.redis_url,
                http_port=port,
                environment="test",
            )
            log = logs / f"{name}.log"
            started[name] = (start_service_process(name, env, log), f"http://127.0.0.1:{port}", log)
        for name, (_, url, log) in started.items():
            try:
                wait_http_ready(f"{url}/readyz", 60)
            except Exception as error:
                raise RuntimeError(f"{name} not ready: {error}\n{tail(log)}") from error
        yield {name: url for name, (_, url, _) in started.items()}
    finally:
        for process, _, _ in started.values():
            stop_record(process_record(process))  # type: ignore[arg-type]
