"""Kafka clients, configured once: idempotent producer, acks=all.

The FastStream broker carries the subscribers. The outbox relay and the
dead-letter publisher use aiokafka's producer directly because they publish
pre-encoded records (key, headers, bytes) and pipeline many sends per batch.
"""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

# Every producer of the platform: idempotent, acknowledged by all in-sync replicas.
ENABLE_IDEMPOTENCE = True
ACKS = "all"
LINGER_MS = 5


def make_broker(bootstrap: str, *, client_id: str) -> KafkaBroker:
    return KafkaBroker(
        bootstrap,
        client_id=client_id,
        enable_idempotence=ENABLE_IDEMPOTENCE,
        acks=ACKS,
        linger_ms=LINGER_MS,
    )


def make_producer(bootstrap: str, *, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=ENABLE_IDEMPOTENCE,
        acks=ACKS,
        linger_ms=LINGER_MS,
        max_batch_size=256 * 1024,
        request_timeout_ms=30_000,
    )
