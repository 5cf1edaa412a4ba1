"""Dead letters can be inspected and replayed, on the real Kafka broker and PostgreSQL.

Each test gets a topic of its own (and its `.dlt`), so the poison it leaves behind
is never read by another test's consumer of the shared topics.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from typer.testing import CliRunner

from shared.events import ApplicationSubmitted
from shared.events.base import Envelope
from shared.messaging.consumer import EventConsumer, EventHandler, Handler
from shared.messaging.dead_letters import DeadLetterPublisher
from shared.messaging.failures import PermanentFailure
from shared.messaging.subscriptions import consumer_group
from tests.support.kafka import GROUP_PREFIX, header, running_consumer, wait_until
from tests.support.kernel import (
    BROKEN_RULE_APPLICANT,
    application,
    effect_counts,
    encoded,
    record_effect,
)
from tools.cli import dlt
from tools.dlt.plans import (
    REPLAYED_FROM_HEADER,
    replay_log_topic,
)
from tools.dlt.replay import (
    list_dead_letters,
    replay_dead_letters,
    replayed_offsets,
)
from tools.stack import StackEndpoints

pytestmark = pytest.mark.integration
PARTITIONS = 3
EVENT_TYPE = ApplicationSubmitted.event_type


@pytest.fixture
async def topic(stack: StackEndpoints) -> AsyncIterator[str]:
    """A fresh topic and its dead-letter topic; all three topics are deleted afterwards."""
    name = f"campusflow.tests.replay-{uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, PARTITIONS, 1), NewTopic(name + ".dlt", 1, 1)])
        yield name
        existing = set(await admin.list_topics())
        await admin.delete_topics(
            [t for t in (name, name + ".dlt", replay_log_topic(name)) if t in existing]
        )
    finally:
        await admin.close()


async def read_all(
    bootstrap: str, topic: str, partitions: int = PARTITIONS
) -> list[ConsumerRecord]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid4().hex}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        assigned = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        records: list[ConsumerRecord] = []
        while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def caught_up(bootstrap: str, consumer_name: str, topic: str) -> bool:
    group = consumer_group(GROUP_PREFIX, consumer_name)
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


async def consume_until_caught_up(
    stack: StackEndpoints,
    pool: asyncpg.Pool,
    dead_letters: DeadLetterPublisher,
    topic: str,
    consumers: Sequence[EventConsumer],
) -> None:
    """Run the consumers side by side until each group has committed the whole topic."""

    async def run(consumer: EventConsumer) -> None:
        async with running_consumer(
            bootstrap=stack.kafka_bootstrap, consumer=consumer, pool=pool, dead_letters=dead_letters
        ):
            await wait_until(
                lambda: caught_up(stack.kafka_bootstrap, consumer.name, topic),
                timeout_s=60,
                what=f"{consumer.name} to consume all of {topic}",
                every_s=0.5,
            )

    await asyncio.gather(*(run(consumer) for consumer in consumers))


def on(topic: str, name: str, handler: EventHandler[ApplicationSubmitted]) -> EventConsumer:
    """A consumer of ApplicationSubmitted, reading this test's own topic."""
    return EventConsumer(name, handlers=[Handler(ApplicationSubmitted, handler)]).reading(topic)


def counting(
    applied: Counter[tuple[str, UUID]], name: str, *, effect: bool
) -> EventHandler[ApplicationSubmitted]:
    """A handler that accepts every application (the rule it broke has been fixed)."""

    async def apply(
        conn: asyncpg.Connection, event: ApplicationSubmitted, envelope: Envelope
    ) -> None:
        if effect:
            await conn.execute(
                "INSERT INTO effects (event_id, application_id, consumer_pid) VALUES ($1, $2, $3)",
                envelope.id,
                event.application_id,
                os.getpid(),
            )
        applied[(name, envelope.id)] += 1

    return apply


async def test_a_dead_letter_is_listed_replayed_once_and_then_applied_exactly_once(
    stack: StackEndpoints,
    kernel_pool: asyncpg.Pool,
    producer: AIOKafkaProducer,
    dead_letters: DeadLetterPublisher,
    topic: str,
) -> None:
    bootstrap = stack.kafka_bootstrap
    good = encoded(application())
    broken = encoded(application(applicant=BROKEN_RULE_APPLICANT))
    broken_id = UUID(str(broken.envelope.id))
    malformed_value = b"{not json"
    malformed_headers = encoded(application()).headers
    malformed_key = f"malformed-{uuid4().hex[:6]}".encode()
    sent = {}
    for label, key, value, headers in [
        ("good", good.key, good.value, good.headers),
        ("malformed", malformed_key, malformed_value, malformed_headers),
        ("broken", broken.key, broken.value, broken.headers),
    ]:
        sent[label] = await producer.send_and_wait(topic, value, key=key, headers=headers)

    # X enforces the rule the application breaks; Y (another group) accepts everything.
    strict, bystander = f"strict-{uuid4().hex[:6]}", f"bystander-{uuid4().hex[:6]}"
    applied: Counter[tuple[str, UUID]] = Counter()
    await consume_until_caught_up(
        stack,
        kernel_pool,
        dead_letters,
        topic,
        [
            on(topic, strict, record_effect),
            on(topic, bystander, counting(applied, bystander, effect=False)),
        ],
    )
    broken_application = ApplicationSubmitted.model_validate_json(broken.value).application_id
    good_application = ApplicationSubmitted.model_validate_json(good.value).application_id
    assert await effect_counts(kernel_pool, [good_application]) == {good_application: 1}
    assert await effect_counts(kernel_pool, [broken_application]) == {}
    assert applied[(bystander, broken_id)] == 1

    # Listing: the strict consumer's two letters, with what and why.
    letters = await list_dead_letters(bootstrap, topic, consumer=strict)
    assert [letter.error_class for letter in letters] == ["MalformedEvent", "PermanentFailure"]
    bad, rule = letters
    for letter, label in ((bad, "malformed"), (rule, "broken")):
        assert letter.consumer == strict
        assert letter.original_topic == topic
        assert letter.original_partition == sent[label].partition
        assert letter.original_offset == sent[label].offset
        assert letter.failed_at is not None and letter.failed_at.tzinfo is not None
        assert letter.college == "cs"
        assert letter.ce_type == EVENT_TYPE
    assert "payload invalid" in bad.error_message
    assert (bad.key, bad.value_size) == (malformed_key, len(malformed_value))
    assert rule.error_message == "this applicant breaks a recruitment rule"
    assert rule.ce_id == str(broken.envelope.id)
    assert (rule.key, rule.value_size) == (broken.key, len(broken.value))
    everyone = await list_dead_letters(bootstrap, topic)
    assert {letter.consumer for letter in everyone} == {strict, bystander}
    assert len(everyone) == 3  # the bystander dead-lettered the malformed message too
    assert await list_dead_letters(bootstrap, topic, limit=1) == everyone[:1]

    # Replaying: the malformed one would fail again and is refused; the other goes back.
    report = await replay_dead_letters(bootstrap, topic, consumer=strict, producer=producer)
    assert [r.letter.dlt_offset for r in report.still_invalid] == [bad.dlt_offset]
    assert "MalformedEvent" in report.still_invalid[0].reason
    assert [r.dlt_offset for r in report.replayed] == [rule.dlt_offset]
    assert report.already_replayed == () and report.not_found == ()

    def replays(records: list[ConsumerRecord]) -> list[ConsumerRecord]:
        return [r for r in records if header(r, REPLAYED_FROM_HEADER) is not None]

    [republished] = replays(await read_all(bootstrap, topic))
    assert republished.key == broken.key
    assert republished.value == broken.value
    assert republished.partition == sent["broken"].partition  # same key, same partition
    assert republished.offset == report.replayed[0].offset
    assert [(k, bytes(v)) for k, v in republished.headers] == [
        *broken.headers,
        (REPLAYED_FROM_HEADER, str(rule.dlt_offset).encode()),
    ]
    assert not [
        k for k, _ in republished.headers if k.startswith("dlt_") and k != "dlt_replayed_from"
    ]

    # Replaying again skips it: the replay log remembers, the DLT itself is untouched.
    again = await replay_dead_letters(bootstrap, topic, consumer=strict)
    assert again.replayed == ()
    assert again.already_replayed == (rule.dlt_offset,)
    assert len(replays(await read_all(bootstrap, topic))) == 1
    assert await replayed_offsets(bootstrap, topic) == {rule.dlt_offset}
    assert len(await read_all(bootstrap, topic + ".dlt", partitions=1)) == 3

    # The rule is fixed: the strict consumer applies the replay once; the bystander's
    # inbox already holds the event, so it skips it.
    await consume_until_caught_up(
        stack,
        kernel_pool,
        dead_letters,
        topic,
        [
            on(topic, strict, counting(applied, strict, effect=True)),
            on(topic, bystander, counting(applied, bystander, effect=False)),
        ],
    )
    assert await effect_counts(kernel_pool, [broken_application]) == {broken_application: 1}
    assert applied[(strict, broken_id)] == 1
    assert applied[(bystander, broken_id)] == 1

    # Even a forced second replay changes nothing: the inbox dedupes by event id.
    forced = await replay_dead_letters(
        bootstrap, topic, consumer=strict, offsets=[rule.dlt_offset], force=True
    )
    assert [r.dlt_offset for r in forced.replayed] == [rule.dlt_offset]
    assert [r.reason for r in forced.forced] == ["already replayed"]
    assert len(replays(await read_all(bootstrap, topic))) == 2
    await consume_until_caught_up(
        stack,
        kernel_pool,
        dead_letters,
        topic,
        [on(topic, strict, counting(applied, strict, effect=True))],
    )
    assert await effect_counts(kernel_pool, [broken_application]) == {broken_application: 1}
    assert applied[(strict, broken_id)] == 1


@dataclass
class _Record:
    """A consumed record, as the dead-letter publisher is handed one."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] | list[tuple[str, bytes]]


async def invoke(*args: str) -> Any:
    """The CLI in a thread of its own (it runs its own event loop), on a wide terminal."""
    return await asyncio.to_thread(CliRunner().invoke, dlt.app, list(args), env={"COLUMNS": "200"})


async def test_the_cli_lists_and_replays_only_with_consent(
    stack: StackEndpoints, dead_letters: DeadLetterPublisher, topic: str
) -> None:
    bootstrap = stack.kafka_bootstrap
    event = encoded(application())
    await dead_letters.send(
        _Record(topic, 1, 17, event.key, event.value, event.headers),
        consumer="cli-consumer",
        error=PermanentFailure("no room left in the campaign"),
    )
    await dead_letters.send(
        _Record(topic, 2, 18, b"junk", b"{not json", event.headers),
        consumer="cli-consumer",
        error=ValueError("not json"),
    )
    where = ("--topic", topic, "--bootstrap", bootstrap)

    listed = await invoke("list", *where, "--consumer", "cli-consumer")
    assert listed.exit_code == 0, listed.output
    assert "PermanentFailure" in listed.stdout and "cli-consumer" in listed.stdout

    refused = await invoke("replay", *where, "--consumer", "cli-consumer")
    assert refused.exit_code == 1
    assert "--yes" in refused.stderr
    assert "still invalid" in refused.stdout
    assert await read_all(bootstrap, topic) == []

    replayed = await invoke("replay", *where, "--consumer", "cli-consumer", "--yes")
    assert replayed.exit_code == 0, replayed.output
    assert "1 replayed" in replayed.stdout
    [record] = await read_all(bootstrap, topic)
    assert (record.key, record.value) == (event.key, event.value)
    assert header(record, REPLAYED_FROM_HEADER) == "0"

    invalid = await invoke("replay", *where, "--consumer", "cli-consumer", "--offset", "1", "--yes")
    assert invalid.exit_code == 1
    assert "still invalid" in invalid.stdout

    relisted = await invoke("list", *where)
    assert relisted.exit_code == 0
    assert "yes" in relisted.stdout  # the Replayed column
