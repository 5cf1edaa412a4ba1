"""Strimzi KafkaTopic manifests generated from the event registry.

`shared/events/registry.py` is the single source for topics. The local stack creates
them with an admin client (`shared/messaging/topics.py`); in Kubernetes the Strimzi
topic operator creates them from the KafkaTopic resources written here into
`deploy/k8s/base/kafka-topics.yaml`. Run `campusflow deploy topics --write` after
changing the registry; a stale file fails the deploy tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from shared.events.registry import TOPICS, Topic

REPO_ROOT = Path(__file__).resolve().parents[1]
KAFKA_TOPICS_PATH = REPO_ROOT / "deploy" / "k8s" / "base" / "kafka-topics.yaml"
REGENERATE_COMMAND = "campusflow deploy topics --write"

# The Strimzi `Kafka` resource the topics belong to (deploy/k8s/base/kafka-cluster.yaml).
KAFKA_CLUSTER = "campusflow"
# Production brokers: three replicas, two in sync, so acks=all survives one broker down.
# The local overlay patches both to 1 for its single broker.
REPLICAS = 3
MIN_IN_SYNC_REPLICAS = 2
# Dead letters are identified by offset, so their topic has one partition; so has the
# replay log (what `campusflow dlt replay` republished, keyed by dead-letter offset).
# As shared/messaging/topics.py creates them for the local stack.
DEAD_LETTER_PARTITIONS = 1
REPLAY_LOG_PARTITIONS = 1
RETENTION_MS = 7 * 24 * 3600 * 1000
# Long enough for someone to notice, inspect and replay a dead letter.
DEAD_LETTER_RETENTION_MS = 28 * 24 * 3600 * 1000

_NOT_IN_K8S_NAME = re.compile(r"[^a-z0-9.-]+")


def resource_name(topic_name: str) -> str:
    """A Kubernetes object name for a Kafka topic name.

    Kafka allows `_` and capitals, Kubernetes names do not; `spec.topicName` keeps the
    real topic name, so the resource name only has to be valid and unique.
    """
    name = _NOT_IN_K8S_NAME.sub("-", topic_name.lower()).strip(".-")
    if not name or len(name) > 253:
        raise ValueError(f"cannot make a Kubernetes name from topic {topic_name!r}")
    return name


def _kafka_topic(
    *, name: str, partitions: int, config: dict[str, Any], role: str, producer: str
) -> dict[str, Any]:
    return {
        "apiVersion": "kafka.strimzi.io/v1beta2",
        "kind": "KafkaTopic",
        "metadata": {
            "name": resource_name(name),
            "labels": {
                "strimzi.io/cluster": KAFKA_CLUSTER,
                "app.kubernetes.io/part-of": "campusflow",
                "app.kubernetes.io/managed-by": "campusflow-deploy-topics",
                "campusflow.io/topic-role": role,
                "campusflow.io/producer": producer,
            },
        },
        "spec": {
            "topicName": name,
            "partitions": partitions,
            "replicas": REPLICAS,
            "config": {**config, "min.insync.replicas": MIN_IN_SYNC_REPLICAS},
        },
    }


def topic_resources(topics: Iterable[Topic] = TOPICS) -> list[dict[str, Any]]:
    """Per registry topic: its KafkaTopic, its dead-letter topic's and its replay log's."""
    resources: list[dict[str, Any]] = []
    for topic in topics:
        resources.append(
            _kafka_topic(
                name=topic.name,
                partitions=topic.partitions,
                config={"cleanup.policy": "delete", "retention.ms": RETENTION_MS},
                role="events",
                producer=topic.producer,
            )
        )
        resources.append(
            _kafka_topic(
                name=topic.dead_letter,
                partitions=DEAD_LETTER_PARTITIONS,
                config={"cleanup.policy": "delete", "retention.ms": DEAD_LETTER_RETENTION_MS},
                role="dead-letters",
                producer=topic.producer,
            )
        )
        # Compacted: the latest record per dead letter is the one that says it was
        # replayed, and it must outlive the dead letter itself.
        resources.append(
            _kafka_topic(
                name=topic.replay_log,
                partitions=REPLAY_LOG_PARTITIONS,
                config={"cleanup.policy": "compact"},
                role="replay-log",
                producer=topic.producer,
            )
        )
    names = [r["metadata"]["name"] for r in resources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"topics map to the same Kubernetes name: {duplicates}")
    return resources


def render_kafka_topics(topics: Iterable[Topic] = TOPICS) -> str:
    """The text of deploy/k8s/base/kafka-topics.yaml."""
    topics = tuple(topics)
    descriptions = {t.name: t.description for t in topics}
    descriptions.update({t.dead_letter: f"Dead letters of {t.name}." for t in topics})
    descriptions.update({t.replay_log: f"Replays of {t.dead_letter}." for t in topics})
    parts = [
        "# GENERATED from shared/events/registry.py: do not edit.\n"
        f"# Regenerate with `{REGENERATE_COMMAND}`; a stale copy fails the deploy tests.\n"
    ]
    for index, resource in enumerate(topic_resources(topics)):
        description = descriptions[resource["spec"]["topicName"]]
        body = yaml.safe_dump(resource, sort_keys=False, default_flow_style=False)
        parts.append(("---\n" if index else "") + f"# {description}\n" + body)
    return "".join(parts)


def write_kafka_topics(path: Path = KAFKA_TOPICS_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_kafka_topics(), "utf-8")
    return path


def kafka_topics_current(path: Path = KAFKA_TOPICS_PATH) -> bool:
    """True when the file on disk is exactly what the registry generates now."""
    try:
        return path.read_text("utf-8") == render_kafka_topics()
    except FileNotFoundError:
        return False
