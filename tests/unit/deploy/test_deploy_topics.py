"""The KafkaTopic manifests are the registry's topics, and the committed file is current."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

import pytest
import typer
import yaml
from typer.testing import CliRunner

from shared.events.registry import TOPICS, Topic, all_topic_names
from shared.messaging import topics as messaging_topics
from tools import manifests
from tools.cli import deploy

pytestmark = pytest.mark.unit


def test_committed_topics_manifest_is_what_the_registry_generates() -> None:
    committed = manifests.KAFKA_TOPICS_PATH.read_text("utf-8")
    assert committed == manifests.render_kafka_topics(), (
        f"{manifests.KAFKA_TOPICS_PATH} is stale: run `{manifests.REGENERATE_COMMAND}`"
    )


def test_every_topic_its_dead_letters_and_replay_log_have_a_kafka_topic() -> None:
    resources = list(yaml.safe_load_all(manifests.KAFKA_TOPICS_PATH.read_text("utf-8")))
    assert [r["spec"]["topicName"] for r in resources] == all_topic_names()
    partitions = {r["spec"]["topicName"]: r["spec"]["partitions"] for r in resources}
    for topic in TOPICS:
        assert partitions[topic.name] == topic.partitions
        assert partitions[topic.dead_letter] == manifests.DEAD_LETTER_PARTITIONS
        assert partitions[topic.replay_log] == manifests.REPLAY_LOG_PARTITIONS
    for resource in resources:
        assert resource["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert resource["kind"] == "KafkaTopic"
        assert resource["metadata"]["labels"]["strimzi.io/cluster"] == manifests.KAFKA_CLUSTER
        spec = resource["spec"]
        assert spec["config"]["min.insync.replicas"] <= spec["replicas"]


class _RecordingAdmin:
    """Stands in for aiokafka's admin client: records what create_topics asks for."""

    created: ClassVar[list[Any]] = []

    def __init__(self, **_: Any) -> None:
        pass

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def list_topics(self) -> list[str]:
        return []

    async def create_topics(self, new_topics: list[Any]) -> None:
        _RecordingAdmin.created.extend(new_topics)


def test_kubernetes_topics_match_what_the_local_stack_creates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The local stack and compose create topics with an admin client; Kubernetes with
    # Strimzi. The same names and partition counts either way.
    _RecordingAdmin.created = []
    monkeypatch.setattr(messaging_topics, "AIOKafkaAdminClient", _RecordingAdmin)
    asyncio.run(messaging_topics.create_topics("kafka:9092"))
    created = {t.name: t.num_partitions for t in _RecordingAdmin.created}
    generated = {
        r["spec"]["topicName"]: r["spec"]["partitions"] for r in manifests.topic_resources()
    }
    assert generated == created


def test_a_new_registry_topic_gets_its_pair_of_resources() -> None:
    topic = Topic(
        name="campusflow.scheduling.Duty_Sanctions",
        partitions=3,
        producer="scheduling",
        description="Sanctions for missed duty.",
    )
    documents = list(yaml.safe_load_all(manifests.render_kafka_topics([topic])))
    assert [
        (d["metadata"]["name"], d["spec"]["topicName"], d["spec"]["partitions"]) for d in documents
    ] == [
        ("campusflow.scheduling.duty-sanctions", "campusflow.scheduling.Duty_Sanctions", 3),
        ("campusflow.scheduling.duty-sanctions.dlt", "campusflow.scheduling.Duty_Sanctions.dlt", 1),
        (
            "campusflow.scheduling.duty-sanctions.dlt.replayed",
            "campusflow.scheduling.Duty_Sanctions.dlt.replayed",
            1,
        ),
    ]
    assert "# Sanctions for missed duty." in manifests.render_kafka_topics([topic])


def test_topics_whose_kubernetes_names_collide_are_refused() -> None:
    pair = [
        Topic(name="campusflow.a_b", partitions=1, producer="x", description=""),
        Topic(name="campusflow.a-b", partitions=1, producer="x", description=""),
    ]
    with pytest.raises(ValueError, match="same Kubernetes name"):
        manifests.topic_resources(pair)


def _cli() -> typer.Typer:
    # Mounted as in tools/cli/main.py: `campusflow deploy topics`.
    root = typer.Typer()
    root.add_typer(deploy.app, name="deploy")

    @root.command("version")
    def version() -> None:  # a second command keeps `deploy` a sub-command
        pass

    return root


def test_cli_prints_the_manifests() -> None:
    result = CliRunner().invoke(_cli(), ["deploy", "topics"])
    assert result.exit_code == 0, result.output
    assert result.output == manifests.render_kafka_topics()


def test_cli_writes_and_checks_the_manifest_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kafka-topics.yaml"
    monkeypatch.setattr(manifests, "KAFKA_TOPICS_PATH", path)
    runner = CliRunner()

    stale = runner.invoke(_cli(), ["deploy", "topics", "--check"])
    assert stale.exit_code == 1
    assert manifests.REGENERATE_COMMAND in stale.output

    written = runner.invoke(_cli(), ["deploy", "topics", "--write"])
    assert written.exit_code == 0, written.output
    assert path.read_text("utf-8") == manifests.render_kafka_topics()

    current = runner.invoke(_cli(), ["deploy", "topics", "--check"])
    assert current.exit_code == 0, current.output
