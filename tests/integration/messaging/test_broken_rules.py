"""A handler that refuses an event with a `shared.rules.RuleBroken` (as every use case
refuses) dead-letters that event with its rule, and the partition moves on: on the real
Kafka broker and PostgreSQL.

Each test reads a topic of its own, so what is in a batch is what the test published:
a batch of nothing but broken rules is the case that used to hold a partition.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.events import ApplicationSubmitted
from shared.events.base import Envelope
from shared.messaging.dead_letters import DeadLetterPublisher
from shared.messaging.subscriptions import consumer_group
from shared.rules import RuleBroken
from tests.support.kafka import GROUP_PREFIX, header, running_consumer, wait_until
from tests.support.kernel import (
    BROKEN_RULE_APPLICANT,
    application,
    effect_counts,
    encoded,
    kernel_consumer,
    record_effect,
)
from tools.stack import StackEndpoints

pytestmark = pytest.mark.integration
PARTITIONS = 2
RULE = "one_application_per_campaign"
REFUSAL = "this applicant has already applied to the campaign"


class ApplicationRuleBroken(RuleBroken):
    """A service's own rule error, as recruitment's MembershipRuleBroken is."""


async def refuse_rule_breakers(
    conn: asyncpg.Connection, event: ApplicationSubmitted, envelope: Envelope
) -> None:
    """What a use case does: refuse with a rule, knowing nothing of Kafka."""
    if event.applicant_id == BROKEN_RULE_APPLICANT:
        raise ApplicationRuleBroken(RULE, field="applicant_id", message=REFUSAL)
    await record_effect(conn, event, envelope)


@pytest.fixture
async def topic(stack: StackEndpoints) -> AsyncIterator[str]:
    """A fresh topic and its dead-letter topic, deleted afterwards."""
    name = f"campusflow.tests.rules-{uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, PARTITIONS, 1), NewTopic(name + ".dlt", 1, 1)])
        yield name
        await admin.delete_topics([name, name + ".dlt"])
    finally:
        await admin.close()


async def read_all(bootstrap: str, topic: str, partitions: int) -> list[ConsumerRecord]:
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=f"reader-{uuid4().hex}", enable_auto_commit=False
    )
    await reader.start()
    try:
        assigned = [TopicPartition(topic, p) for p in range(partitions)]
        reader.assign(assigned)
        await reader.seek_to_beginning(*assigned)
        ends = await reader.end_offsets(assigned)
        records: list[ConsumerRecord] = []
        while [tp for tp in assigned if await reader.position(tp) < ends[tp]]:
            for batch in (await reader.getmany(timeout_ms=1000)).values():
                records.extend(batch)
        return records
    finally:
        await reader.stop()


async def wait_committed_to_end(bootstrap: str, consumer_name: str, topic: str) -> None:
    group = consumer_group(GROUP_PREFIX, consumer_name)

    async def committed_to_end() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        probe = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=f"probe-{uuid4().hex}", enable_auto_commit=False
        )
        await admin.start()
        await probe.start()
        try:
            ends = await probe.end_offsets([TopicPartition(topic, p) for p in range(PARTITIONS)])
            committed = await admin.list_consumer_group_offsets(group)
            return all(
                end == 0 or (tp in committed and committed[tp].offset >= end)
                for tp, end in ends.items()
            )
        finally:
            await probe.stop()
            await admin.close()

    await wait_until(
        committed_to_end, timeout_s=60, what=f"{group} to commit all of {topic}", every_s=0.5
    )


async def publish(
    producer: AIOKafkaProducer, topic: str, events: list[ApplicationSubmitted], partition: int
) -> list[int]:
    offsets = []
    for event in events:
        message = encoded(event)
        sent = await producer.send_and_wait(
            topic, message.value, key=message.key, headers=message.headers, partition=partition
        )
        offsets.append(sent.offset)
    return offsets


async def test_a_batch_of_nothing_but_broken_rules_is_dead_lettered_and_the_partition_moves_on(
    stack: StackEndpoints,
    kernel_pool: asyncpg.Pool,
    producer: AIOKafkaProducer,
    dead_letters: DeadLetterPublisher,
    topic: str,
) -> None:
    bootstrap = stack.kafka_bootstrap
    broken = [application(applicant=BROKEN_RULE_APPLICANT) for _ in range(3)]
    broken_offsets = await publish(producer, topic, broken, partition=0)
    name = f"rules-{uuid4().hex[:6]}"
    consumer = kernel_consumer(name, refuse_rule_breakers).reading(topic)
    async with running_consumer(
        bootstrap=bootstrap,
        consumer=consumer,
        pool=kernel_pool,
        dead_letters=dead_letters,
        max_records=500,
    ):
        # Every event of the first batch breaks a rule; that is the events' fault, not
        # the system's, so the batch is not held: each is dead-lettered, offsets commit.
        await wait_committed_to_end(bootstrap, name, topic)
        behind = application()
        await publish(producer, topic, [behind], partition=0)
        await wait_committed_to_end(bootstrap, name, topic)

    assert await effect_counts(kernel_pool, [behind.application_id]) == {behind.application_id: 1}
    assert await effect_counts(kernel_pool, [e.application_id for e in broken]) == {}
    letters = await read_all(bootstrap, topic + ".dlt", partitions=1)
    assert [int(header(r, "dlt_original_offset") or -1) for r in letters] == broken_offsets
    for letter, event in zip(letters, broken, strict=True):
        assert letter.key == str(event.application_id).encode()
        assert header(letter, "dlt_consumer") == name
        assert header(letter, "dlt_original_topic") == topic
        assert header(letter, "dlt_error_class") == "ApplicationRuleBroken"
        assert header(letter, "dlt_error_message") == f"{RULE} (applicant_id): {REFUSAL}"


async def test_a_broken_rule_among_good_events_dead_letters_that_event_only(
    stack: StackEndpoints,
    kernel_pool: asyncpg.Pool,
    producer: AIOKafkaProducer,
    dead_letters: DeadLetterPublisher,
    topic: str,
) -> None:
    bootstrap = stack.kafka_bootstrap
    before, after = application(), application()
    refused = application(applicant=BROKEN_RULE_APPLICANT)
    offsets = await publish(producer, topic, [before, refused, after], partition=1)
    name = f"rules-{uuid4().hex[:6]}"
    async with running_consumer(
        bootstrap=bootstrap,
        consumer=kernel_consumer(name, refuse_rule_breakers).reading(topic),
        pool=kernel_pool,
        dead_letters=dead_letters,
    ):
        await wait_committed_to_end(bootstrap, name, topic)

    applied = [before.application_id, after.application_id]
    assert await effect_counts(kernel_pool, applied) == dict.fromkeys(applied, 1)
    assert await effect_counts(kernel_pool, [refused.application_id]) == {}
    [letter] = await read_all(bootstrap, topic + ".dlt", partitions=1)
    assert letter.key == str(refused.application_id).encode()
    assert header(letter, "dlt_original_partition") == "1"
    assert header(letter, "dlt_original_offset") == str(offsets[1])
    assert header(letter, "dlt_error_class") == "ApplicationRuleBroken"
    assert header(letter, "dlt_error_message") == f"{RULE} (applicant_id): {REFUSAL}"
