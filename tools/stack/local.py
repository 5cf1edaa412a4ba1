"""The infrastructure as local processes: PostgreSQL, Redis and Kafka on 127.0.0.1."""

from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from shared.config import SERVICES
from tools.stack.errors import StackError
from tools.stack.install import missing_prerequisites
from tools.stack.kafka import KafkaBroker
from tools.stack.postgres import PostgresServer
from tools.stack.processes import (
    free_port,
    process_record,
    record_alive,
    stop_record,
    stop_services,
)
from tools.stack.redis import RedisServer
from tools.stack.state import (
    ComponentStatus,
    StackEndpoints,
    read_stack_state,
    remove_stack_state,
    state_dir_flag,
    update_stack_state,
    write_stack_state,
)

COMPONENTS = ("postgres", "redis", "kafka")
# PostgreSQL's SIGTERM waits for clients to disconnect; SIGINT is its "fast" shutdown.
STOP_SIGNALS = {"postgres": signal.SIGINT, "redis": signal.SIGTERM, "kafka": signal.SIGTERM}


class LocalProcesses:
    """PostgreSQL, Redis and Kafka as background processes, state and logs in `state_dir`.

    The processes outlive the Python process that started them; `stop()` and `status()`
    work from any process, through `state_dir/stack.json`.
    """

    kind = "local"

    def __init__(
        self,
        state_dir: Path,
        *,
        postgres_timeout_s: float = 60.0,
        redis_timeout_s: float = 15.0,
        kafka_timeout_s: float = 90.0,
    ) -> None:
        self.state_dir = Path(state_dir).resolve()
        self.timeouts = {
            "postgres": postgres_timeout_s,
            "redis": redis_timeout_s,
            "kafka": kafka_timeout_s,
        }
        self.startup_seconds: dict[str, float] = {}

    def start(self) -> StackEndpoints:
        self._prepare_state_dir()
        missing = missing_prerequisites()
        if missing:
            lines = "\n".join(f"  - {item.name}: {item.fix}" for item in missing)
            raise StackError(f"the local stack cannot start; missing:\n{lines}")

        pg, redis, kafka = (
            PostgresServer(self.state_dir),
            RedisServer(self.state_dir),
            KafkaBroker(self.state_dir),
        )
        pg_port, redis_port, kafka_port, controller_port = _distinct_free_ports(4)
        pg.prepare()
        kafka.prepare(kafka_port, controller_port)
        endpoints = StackEndpoints(
            postgres_admin_dsn=pg.dsn(pg_port),
            redis_url=redis.url(redis_port),
            kafka_bootstrap=f"127.0.0.1:{kafka_port}",
        )
        write_stack_state(
            self.state_dir,
            {"infrastructure": self.kind, "endpoints": endpoints.to_json(), "components": {}},
        )
        try:
            started: dict[str, Any] = {}
            spawned_at: dict[str, float] = {}
            for name, launch, extra in (
                ("postgres", lambda: pg.start(pg_port), {"port": pg_port}),
                ("redis", lambda: redis.start(redis_port), {"port": redis_port}),
                ("kafka", kafka.start, {"port": kafka_port, "controller_port": controller_port}),
            ):
                spawned_at[name] = time.monotonic()
                proc = launch()
                started[name] = proc
                record = process_record(proc, **extra, log=str(_log_path(self.state_dir, name)))
                update_stack_state(self.state_dir, components={name: record})
            servers: dict[str, Any] = {
                "postgres": (pg, pg_port),
                "redis": (redis, redis_port),
                "kafka": (kafka, kafka_port),
            }
            with ThreadPoolExecutor(max_workers=len(servers)) as pool:
                futures = {
                    name: pool.submit(server.wait_ready, started[name], port, self.timeouts[name])
                    for name, (server, port) in servers.items()
                }
                errors = []
                for name, future in futures.items():
                    try:
                        future.result()
                        self.startup_seconds[name] = time.monotonic() - spawned_at[name]
                    except StackError as exc:
                        errors.append(str(exc))
            if errors:
                raise StackError("\n\n".join(errors))
        except BaseException:
            self.stop()
            raise
        return endpoints

    def stop(self) -> None:
        state = read_stack_state(self.state_dir)
        if state is None:
            return
        stop_services(self.state_dir)
        components: dict[str, Any] = state.get("components") or {}
        with ThreadPoolExecutor(max_workers=len(COMPONENTS)) as pool:
            futures = [
                pool.submit(stop_record, components.get(name), sig=STOP_SIGNALS[name])
                for name in COMPONENTS
            ]
            errors = []
            for future in futures:
                try:
                    future.result()
                except StackError as exc:
                    errors.append(str(exc))
        if errors:
            raise StackError("\n".join(errors))
        remove_stack_state(self.state_dir)

    def status(self) -> list[ComponentStatus]:
        state = read_stack_state(self.state_dir) or {}
        components: dict[str, Any] = state.get("components") or {}
        result = []
        for name in COMPONENTS:
            record = components.get(name)
            if not record:
                result.append(ComponentStatus(name, False, "not started"))
                continue
            running = record_alive(record)
            detail = f"127.0.0.1:{record.get('port')} pid {record.get('pid')}"
            if not running:
                detail += " (killed)" if record.get("killed_at") else " (exited)"
            result.append(ComponentStatus(name, running, detail))
        return result

    def _prepare_state_dir(self) -> None:
        state = read_stack_state(self.state_dir)
        if state is not None:
            components = state.get("components") or {}
            services = state.get("services") or {}
            if any(record_alive(r) for r in [*components.values(), *services.values()]):
                raise StackError(already_running_message(self.state_dir))
            self.stop()  # a stale record: clear it (and any leftover children)
        for sub in ("", "logs"):
            directory = self.state_dir / sub
            directory.mkdir(parents=True, exist_ok=True)
            directory.chmod(0o755)


def already_running_message(state_dir: Path) -> str:
    where = state_dir_flag(state_dir)
    return (
        f"a stack is already running in {state_dir}; stop it first with "
        f"`campusflow stack down{where}`, or bring back a single component that stopped with "
        f"`campusflow stack restart <component>{where}` ({', '.join((*COMPONENTS, *SERVICES))})"
    )


def _log_path(state_dir: Path, component: str) -> Path:
    return state_dir / "logs" / f"{component}.log"


def _distinct_free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports
