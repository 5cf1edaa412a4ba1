"""The infrastructure as Docker containers, through testcontainers.

Used when a Docker engine answers. Ryuk (testcontainers' reaper) is disabled: the
containers must outlive `campusflow stack up`; `stop()` removes them by the ids recorded
in stack.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.stack.errors import StackError
from tools.stack.state import (
    ComponentStatus,
    StackEndpoints,
    read_stack_state,
    remove_stack_state,
    state_dir_flag,
    update_stack_state,
    write_stack_state,
)

POSTGRES_IMAGE = "postgres:16-alpine"
REDIS_IMAGE = "redis:7-alpine"
KAFKA_IMAGE = "confluentinc/cp-kafka:7.7.1"  # Apache Kafka 3.7, KRaft
COMPONENTS = ("postgres", "redis", "kafka")
CREDENTIAL = "campusflow"


def docker_available(timeout_s: float = 2.0) -> bool:
    """True only if a Docker engine answers a ping."""
    try:
        import docker

        client = docker.from_env(timeout=int(max(1, timeout_s)))
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


class DockerContainers:
    kind = "docker"

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir).resolve()

    def start(self) -> StackEndpoints:
        from testcontainers.core.config import testcontainers_config

        testcontainers_config.ryuk_disabled = True
        from testcontainers.community.kafka import KafkaContainer
        from testcontainers.community.postgres import PostgresContainer
        from testcontainers.community.redis import RedisContainer

        self.state_dir.mkdir(parents=True, exist_ok=True)
        if any(item.running for item in self.status()):
            raise StackError(
                f"a stack is already running in {self.state_dir}; "
                f"stop it first with `campusflow stack down{state_dir_flag(self.state_dir)}`"
            )
        write_stack_state(self.state_dir, {"infrastructure": self.kind, "containers": {}})
        try:
            pg = PostgresContainer(
                POSTGRES_IMAGE, username=CREDENTIAL, password=CREDENTIAL, dbname=CREDENTIAL
            ).with_command("postgres -c max_connections=200 -c shared_buffers=128MB")
            self._launch("postgres", pg)
            redis = RedisContainer(REDIS_IMAGE)
            self._launch("redis", redis)
            kafka = (
                KafkaContainer(KAFKA_IMAGE)
                .with_kraft()
                .with_env("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .with_env("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
            )
            self._launch("kafka", kafka, timeout=120)
            pg_host, pg_port = pg.get_container_host_ip(), pg.get_exposed_port(5432)
            redis_host, redis_port = redis.get_container_host_ip(), redis.get_exposed_port(6379)
            endpoints = StackEndpoints(
                postgres_admin_dsn=(
                    f"postgresql://{CREDENTIAL}:{CREDENTIAL}@{pg_host}:{pg_port}/{CREDENTIAL}"
                ),
                redis_url=f"redis://{redis_host}:{redis_port}/0",
                kafka_bootstrap=kafka.get_bootstrap_server(),
            )
        except BaseException as exc:
            self.stop()
            if isinstance(exc, StackError | KeyboardInterrupt):
                raise
            raise StackError(f"starting the Docker containers failed: {exc}") from exc
        update_stack_state(self.state_dir, endpoints=endpoints.to_json())
        return endpoints

    def _launch(self, name: str, container: Any, **start_kwargs: Any) -> None:
        container.start(**start_kwargs)
        container_id = container.get_wrapped_container().id
        update_stack_state(self.state_dir, containers={name: container_id})

    def stop(self) -> None:
        from tools.stack.processes import stop_services

        state = read_stack_state(self.state_dir)
        if state is None:
            return
        stop_services(self.state_dir)
        for name, container in self._containers(state).items():
            if container is None:
                continue
            try:
                container.remove(force=True, v=True)
            except Exception as exc:
                if "No such container" not in str(exc):
                    raise StackError(f"could not remove the {name} container: {exc}") from exc
        remove_stack_state(self.state_dir)

    def status(self) -> list[ComponentStatus]:
        state = read_stack_state(self.state_dir) or {}
        containers = self._containers(state) if state.get("containers") else {}
        result = []
        for name in COMPONENTS:
            container = containers.get(name)
            if container is None:
                result.append(ComponentStatus(name, False, "no container"))
                continue
            running = container.status == "running"
            result.append(
                ComponentStatus(name, running, f"container {container.short_id} {container.status}")
            )
        return result

    def _containers(self, state: dict[str, Any]) -> dict[str, Any]:
        ids: dict[str, str] = state.get("containers") or {}
        if not ids:
            return {}
        import docker
        from docker.errors import NotFound

        try:
            client = docker.from_env()
        except Exception as exc:
            raise StackError(
                f"the stack in {self.state_dir} runs in Docker, which does not answer: {exc}"
            ) from exc
        found: dict[str, Any] = {}
        for name, container_id in ids.items():
            try:
                found[name] = client.containers.get(container_id)
            except NotFound:
                found[name] = None
        return found
