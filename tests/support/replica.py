"""A second replica of a service on the same schema as the session's, started with some of
its settings changed (`SCHEDULING_...`, `EVALUATION_...` environment variables), for the
end-to-end tests that need a short code rotation, a small plan limit, a quick takeover of
stale claims, or files kept in a directory."""

from __future__ import annotations

import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from shared.config import service_environment
from tools.stack import StackEndpoints, free_port, start_service_process, wait_http_ready
from tools.stack.processes import process_record, stop_record, tail


def start_replica(
    service: str,
    stack: StackEndpoints,
    dsn: str,
    *,
    name: str,
    settings: Mapping[str, str],
    ready_s: float = 60,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the replica and wait until it is ready; its process and base URL. Not ready
    in `ready_s`: it is stopped and the error names the tail of its log."""
    port = free_port()
    env = service_environment(
        service,
        database_url=dsn,
        kafka_bootstrap=stack.kafka_bootstrap,
        redis_url=stack.redis_url,
        http_port=port,
        environment="test",
    )
    env.update(settings)
    log = Path(tempfile.mkdtemp(prefix="campusflow-replica-")) / f"{service}-{name}.log"
    process = start_service_process(service, env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http_ready(f"{url}/readyz", ready_s)
    except Exception as error:
        stop_record(process_record(process))
        raise RuntimeError(f"replica {name} not ready: {error}\n{tail(log)}") from error
    return process, url


@contextmanager
def replica(
    service: str, stack: StackEndpoints, dsn: str, *, name: str, settings: Mapping[str, str]
) -> Iterator[tuple[str, Callable[[], None]]]:
    """The replica for the block: (url, kill) where kill() SIGKILLs it; stopped after."""
    process, url = start_replica(service, stack, dsn, name=name, settings=settings)
    record = process_record(process)
    try:
        yield url, lambda: stop_record(record, sig=signal.SIGKILL)
    finally:
        stop_record(record)
