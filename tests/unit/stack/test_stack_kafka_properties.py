from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tools.stack.kafka import new_cluster_id, render_properties, server_properties

pytestmark = pytest.mark.unit


@pytest.fixture
def props() -> dict[str, str]:
    return server_properties(19092, 19093, Path("/tmp/state/kafka/data"))


def test_single_node_runs_both_roles_with_a_static_quorum(props: dict[str, str]) -> None:
    assert props["process.roles"] == "broker,controller"
    assert props["node.id"] == "1"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert "controller.quorum.bootstrap.servers" not in props


def test_listeners_and_only_the_broker_listener_is_advertised(props: dict[str, str]) -> None:
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert "CONTROLLER" not in props["advertised.listeners"]
    assert props["controller.listener.names"] == "CONTROLLER"
    assert props["inter.broker.listener.name"] == "PLAINTEXT"
    assert props["listener.security.protocol.map"] == "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"


def test_settings_for_one_fast_local_node(props: dict[str, str]) -> None:
    assert props["log.dirs"] == "/tmp/state/kafka/data"
    assert props["num.partitions"] == "1"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.replication.factor"] == "1"
    assert props["transaction.state.log.min.isr"] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["auto.create.topics.enable"] == "false"
    assert int(props["offsets.topic.num.partitions"]) <= 10
    # Kafka requires strictly more than 1 MiB per cleaner thread; keep it small.
    assert 1024 * 1024 < int(props["log.cleaner.dedupe.buffer.size"]) <= 4 * 1024 * 1024


def test_rendered_as_a_properties_file(props: dict[str, str]) -> None:
    text = render_properties(props)
    lines = text.splitlines()
    assert "controller.quorum.voters=1@127.0.0.1:19093" in lines
    assert len(lines) == len(props)
    assert text.endswith("\n")


def test_cluster_ids_look_like_kafka_uuids() -> None:
    ids = {new_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    for value in ids:
        assert len(value) == 22
        assert not value.startswith("-")
        assert len(base64.urlsafe_b64decode(value + "==")) == 16


def test_a_killed_broker_is_forgotten_quickly_so_its_restart_registers(
    props: dict[str, str],
) -> None:
    """After kill -9, the controller refuses the restarted broker until the dead one's
    session expires (DUPLICATE_BROKER_REGISTRATION): keep that session short."""
    session = int(props["broker.session.timeout.ms"])
    heartbeat = int(props["broker.heartbeat.interval.ms"])
    assert session <= 3000
    assert heartbeat * 3 <= session  # a live broker still heartbeats well within it
