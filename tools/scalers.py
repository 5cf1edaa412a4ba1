"""KEDA consumer-lag triggers generated from each service's consumers.

Every (consumer group, topic) a service consumes gets one `kafka` trigger in the
ScaledObject of `deploy/k8s/base/<service>.yaml`, so replicas follow the lag of what
they read. The triggers between the `# lag triggers` markers are written here; the rest
of the file (the CPU trigger, comments) is left as it is. Run
`campusflow deploy scalers --write` after adding or changing a consumer; a stale file
fails the deploy tests.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from shared.messaging.consumer import EventConsumer
from shared.messaging.subscriptions import consumer_group

REPO_ROOT = Path(__file__).resolve().parents[1]
BASE = REPO_ROOT / "deploy" / "k8s" / "base"
SERVICES = ("recruitment", "scheduling", "evaluation", "notifications")
REGENERATE_COMMAND = "campusflow deploy scalers --write"
BEGIN = "    # lag triggers: GENERATED from the service's consumers ("
END = "    # end of lag triggers\n"
BOOTSTRAP = "campusflow-kafka-bootstrap:9092"
GROUP_PREFIX = "campusflow"
LAG_THRESHOLD = 100


def consumers_of(service: str) -> tuple[EventConsumer, ...]:
    return tuple(importlib.import_module(f"services.{service}.consumers").CONSUMERS)


def lag_pairs(service: str) -> list[tuple[str, str]]:
    """(consumer group, topic) for every topic every consumer of the service reads."""
    return sorted(
        {
            (consumer_group(GROUP_PREFIX, consumer.name), topic)
            for consumer in consumers_of(service)
            for topic in consumer.topics
        }
    )


def render_triggers(service: str) -> str:
    lines = [
        f"{BEGIN}{REGENERATE_COMMAND}).\n"
        "    # Past a topic's partition count extra consumers would sit idle, so KEDA is told\n"
        "    # not to count them (allowIdleConsumers: false).\n"
    ]
    for group, topic in lag_pairs(service):
        lines.append(
            "    - type: kafka\n"
            "      metadata:\n"
            f"        bootstrapServers: {BOOTSTRAP}\n"
            f"        consumerGroup: {group}\n"
            f"        topic: {topic}\n"
            f'        lagThreshold: "{LAG_THRESHOLD}"\n'
            "        # As the consumers start (auto_offset_reset=earliest).\n"
            "        offsetResetPolicy: earliest\n"
            '        allowIdleConsumers: "false"\n'
        )
    lines.append(END)
    return "".join(lines)


def manifest_path(service: str) -> Path:
    return BASE / f"{service}.yaml"


def rendered_manifest(service: str, text: str) -> str:
    """The manifest with its generated block replaced (or inserted after `triggers:`)."""
    block = render_triggers(service)
    start = text.find(BEGIN)
    if start >= 0:
        end = text.index(END, start) + len(END)
        return text[:start] + block + text[end:]
    anchor = "  triggers:\n"
    at = text.index(anchor, text.index("kind: ScaledObject")) + len(anchor)
    return text[:at] + block + text[at:]


def stale(service: str) -> bool:
    text = manifest_path(service).read_text("utf-8")
    return rendered_manifest(service, text) != text


def write(service: str) -> Path:
    path = manifest_path(service)
    path.write_text(rendered_manifest(service, path.read_text("utf-8")), "utf-8")
    return path
