"""Creates every registered topic (and its dead-letter topic) if missing."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.events.registry import TOPICS


async def create_topics(bootstrap: str, *, replication_factor: int = 1) -> list[str]:
    """Create what is missing; return the names created. Existing topics are left alone."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="campusflow-topics")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = []
        for topic in TOPICS:
            wanted.append(NewTopic(topic.name, topic.partitions, replication_factor))
            # Dead letters are identified by offset, so their topic has one partition.
            wanted.append(NewTopic(topic.dead_letter, 1, replication_factor))
            wanted.append(
                NewTopic(
                    topic.replay_log,
                    1,
                    replication_factor,
                    topic_configs={"cleanup.policy": "compact"},
                )
            )
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()
