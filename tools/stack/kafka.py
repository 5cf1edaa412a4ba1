"""Apache Kafka (KRaft, one node acting as broker and controller) as a local JVM process.

The jars are the real Kafka distribution's, assembled by Maven into
`deploy/local/.kafka/libs` (see deploy/local/pom.xml and `campusflow stack install`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

from tools.stack.errors import StackError
from tools.stack.processes import REPO_ROOT, run, run_async, spawn, wait_until

POM = REPO_ROOT / "deploy" / "local" / "pom.xml"
LIBS_DIR = REPO_ROOT / "deploy" / "local" / ".kafka" / "libs"
MVN_COMMAND = ["mvn", "-q", "-B", "-f", str(POM), "package"]
JAVA_HINT = "install Java 17: apt-get install openjdk-17-jre-headless"
LIBS_HINT = (
    f"assemble them with `campusflow stack install` "
    f"(or: mvn -q -B -f {POM} package; Maven: apt-get install maven)"
)
HEAP = "512m"
NODE_ID = 1


def java_binary() -> Path | None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return Path(java_home) / "bin" / "java"
    found = shutil.which("java")
    return Path(found) if found else None


def libs_present(libs_dir: Path = LIBS_DIR) -> bool:
    return libs_dir.is_dir() and any(libs_dir.glob("kafka_2.*.jar"))


def classpath(libs_dir: Path = LIBS_DIR) -> str:
    return str(libs_dir / "*")


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, base64url without padding (as StorageTool
    random-uuid makes them; Kafka rejects ids that start with '-')."""
    while True:
        value = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not value.startswith("-"):
            return value


def server_properties(port: int, controller_port: int, data_dir: Path) -> dict[str, str]:
    """The broker's configuration: one KRaft node with a static controller quorum.

    Only the PLAINTEXT listener is advertised: clients never see the controller's.
    """
    return {
        "process.roles": "broker,controller",
        "node.id": str(NODE_ID),
        "controller.quorum.voters": f"{NODE_ID}@127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "10",
        "group.initial.rebalance.delay.ms": "0",
        "log.cleaner.dedupe.buffer.size": str(2 * 1024 * 1024),  # the minimum is >1 MiB
        # After a kill -9 the controller keeps the dead broker's registration until its
        # session expires, refusing the restarted one (DUPLICATE_BROKER_REGISTRATION):
        # Kafka's 9 s default made a restart wait ~10 s for a broker that is never coming.
        "broker.heartbeat.interval.ms": "500",
        "broker.session.timeout.ms": "2500",
        "auto.create.topics.enable": "false",
        "delete.topic.enable": "true",
    }


def render_properties(properties: dict[str, str]) -> str:
    return "".join(f"{key}={value}\n" for key, value in properties.items())


LOG4J_PROPERTIES = """\
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
log4j.logger.kafka.log=WARN
log4j.logger.org.apache.zookeeper=WARN
"""


class KafkaBroker:
    """One KRaft node with its data in `state_dir/kafka`, logging to logs/kafka.log."""

    def __init__(self, state_dir: Path, libs_dir: Path = LIBS_DIR) -> None:
        self.home = state_dir / "kafka"
        self.data_dir = self.home / "data"
        self.properties_path = self.home / "server.properties"
        self.log4j_path = self.home / "log4j.properties"
        self.cluster_id_path = self.home / "cluster-id"
        self.log_path = state_dir / "logs" / "kafka.log"
        self.libs_dir = libs_dir

    def _java(self) -> Path:
        java = java_binary()
        if java is None:
            raise StackError(f"java not found (Kafka needs Java 11+); {JAVA_HINT}")
        if not libs_present(self.libs_dir):
            raise StackError(f"the Kafka jars are missing from {self.libs_dir}; {LIBS_HINT}")
        return java

    def _jvm_options(self) -> list[str]:
        return [f"-Dlog4j.configuration=file:{self.log4j_path}", "-cp", classpath(self.libs_dir)]

    def prepare(self, port: int, controller_port: int) -> None:
        """Write the configuration for these ports; format the storage on first use."""
        java = self._java()
        self.home.mkdir(parents=True, exist_ok=True)
        self.log4j_path.write_text(LOG4J_PROPERTIES)
        properties = server_properties(port, controller_port, self.data_dir)
        self.properties_path.write_text(render_properties(properties))
        if (self.data_dir / "meta.properties").is_file():
            return
        shutil.rmtree(self.data_dir, ignore_errors=True)
        cluster_id = new_cluster_id()
        self.cluster_id_path.write_text(cluster_id + "\n")
        argv = [str(java), *self._jvm_options(), "kafka.tools.StorageTool", "format"]
        argv += ["-t", cluster_id, "-c", str(self.properties_path)]
        run(argv, what="formatting the Kafka storage (kafka.tools.StorageTool format)", timeout=120)

    def start(self) -> subprocess.Popen[bytes]:
        java = self._java()
        argv = [str(java), f"-Xms{HEAP}", f"-Xmx{HEAP}", "-XX:+UseG1GC"]
        argv += ["-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true"]
        argv += [*self._jvm_options(), "kafka.Kafka", str(self.properties_path)]
        return spawn(argv, self.log_path, cwd=self.home)

    def wait_ready(self, proc: subprocess.Popen[bytes], port: int, timeout_s: float) -> None:
        """Wait until the broker accepts a connection and reports itself in the cluster."""
        bootstrap = f"127.0.0.1:{port}"

        def answers() -> bool:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            return run_async(broker_registered(bootstrap))

        wait_until(
            answers,
            what="Kafka",
            timeout_s=timeout_s,
            proc=proc,
            log_path=self.log_path,
            interval_s=0.3,
        )


async def broker_registered(bootstrap: str, timeout_s: float = 5.0) -> bool:
    """True if the cluster at `bootstrap` lists at least one broker."""
    from aiokafka.admin import AIOKafkaAdminClient

    with _quiet_aiokafka():
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=4000)
        try:
            await asyncio.wait_for(admin.start(), timeout_s)
            cluster = await asyncio.wait_for(admin.describe_cluster(), timeout_s)
        finally:
            await admin.close()
    return bool(cluster.get("brokers"))


@contextlib.contextmanager
def _quiet_aiokafka() -> Iterator[None]:
    """aiokafka logs every refused connection at ERROR; while we poll, that is expected."""
    logger = logging.getLogger("aiokafka")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def assemble_libs(libs_dir: Path = LIBS_DIR) -> None:
    """Run Maven to download the Kafka jars into `libs_dir` (deploy/local/pom.xml)."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError(
            "the Kafka jars are missing and Maven is not installed; "
            "apt-get install maven, then run `campusflow stack install`"
        )
    run([mvn, *MVN_COMMAND[1:]], what="assembling the Kafka jars with Maven", timeout=1800)
    if not libs_present(libs_dir):
        raise StackError(f"Maven finished but {libs_dir} holds no Kafka jars; check {POM}")
