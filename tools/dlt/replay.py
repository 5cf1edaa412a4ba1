"""Inspecting dead letters and replaying them to the topic they came from.

A dead letter (see dead_letters.py) is the original message, key and headers
intact, plus `dlt_*` headers that say who failed on it and why. Replaying one
publishes the original message again to its original topic, with the `dlt_*`
headers removed and `dlt_replayed_from=<dead-letter offset>` added. Every
consumer's inbox dedupes by `ce_id`, so the consumer groups that already applied
the event skip it and only the one that failed applies it.

What was replayed is recorded in a compacted topic `<topic>.dlt.replayed`, keyed
by the dead letter's offset, so the same dead letter is not replayed twice by
accident. The dead-letter topic itself is never written to. A replay is
published before it is recorded: a crash in between means the next replay
publishes it once more, which the inboxes absorb; the other order could record a
replay that never happened.

A dead letter that would only fail again (its `ce_type` unknown to the registry,
or its payload still rejected by `shared.events.decode`) is refused as "still
invalid". `force` overrides both that and the replay log.

Dead-letter topics have one partition (shared/messaging/topics.py), so a dead
letter is identified by its offset alone.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from datetime import UTC, datetime
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.messaging.broker import make_producer
from tools.dlt.plans import (
    DeadLetter,
    DeadLetterTopicError,
    Replayed,
    ReplayPlan,
    ReplayReport,
    dead_letter_topic,
    int_or_none,
    plan_replay,
    read_dead_letter,
    replay_headers,
    replay_log_entry,
    replay_log_topic,
)

_TOPIC_ALREADY_EXISTS = 36  # Kafka error code
_FETCH_TIMEOUT_MS = 1000
_STALL_TIMEOUT_S = 30.0


# --- the broker -----------------------------------------------------------------------


async def list_dead_letters(
    bootstrap: str, topic: str, *, consumer: str | None = None, limit: int = 100
) -> list[DeadLetter]:
    """The first `limit` dead letters of `<topic>.dlt` (oldest first), optionally one
    consumer's only. Raises DeadLetterTopicError when the dead-letter topic is missing."""
    if limit <= 0:
        return []
    return await _read_dead_letters(
        bootstrap,
        topic,
        keep=lambda letter: consumer is None or letter.consumer == consumer,
        limit=limit,
    )


async def replayed_offsets(bootstrap: str, topic: str) -> set[int]:
    """The dead-letter offsets recorded in `<topic>.dlt.replayed` (empty if it is missing)."""
    log_topic = replay_log_topic(topic)
    offsets: set[int] = set()
    async with _TopicReader(bootstrap) as reader:
        partitions = await reader.partition_count(log_topic)
        if not partitions:
            return offsets
        async for record in reader.records(log_topic, partitions):
            offset = int_or_none(record.key.decode(errors="replace") if record.key else None)
            if offset is None:
                continue
            if record.value is None:  # a tombstone: the replay was deliberately forgotten
                offsets.discard(offset)
            else:
                offsets.add(offset)
    return offsets


async def prepare_replay(
    bootstrap: str,
    topic: str,
    *,
    consumer: str,
    offsets: Sequence[int] | None = None,
    force: bool = False,
) -> ReplayPlan:
    """What `replay_dead_letters` would do now, without doing it."""
    wanted = None if offsets is None else set(offsets)
    letters = await _read_dead_letters(
        bootstrap,
        topic,
        keep=lambda letter: (
            letter.consumer == consumer and (wanted is None or letter.dlt_offset in wanted)
        ),
        limit=None,
    )
    done = await replayed_offsets(bootstrap, topic)
    return plan_replay(letters, consumer=consumer, offsets=offsets, replayed=done, force=force)


async def replay_dead_letters(
    bootstrap: str,
    topic: str,
    *,
    consumer: str,
    offsets: Sequence[int] | None = None,
    force: bool = False,
    producer: AIOKafkaProducer | None = None,
) -> ReplayReport:
    """Republish the consumer's dead letters (all, or those at `offsets`) to their original
    topic, and record each in the replay log. Already-replayed and still-invalid letters are
    skipped unless `force`."""
    plan = await prepare_replay(bootstrap, topic, consumer=consumer, offsets=offsets, force=force)
    replayed: list[Replayed] = []
    if plan.replay:
        await ensure_replay_log(bootstrap, topic)
        forced = {refusal.letter.dlt_offset for refusal in plan.forced}
        own_producer = producer is None
        active = producer or make_producer(bootstrap, client_id="campusflow-dlt-replay")
        if own_producer:
            await active.start()
        try:
            for letter in plan.replay:
                replayed.append(
                    await _republish(
                        active, letter, topic=topic, forced=letter.dlt_offset in forced
                    )
                )
        finally:
            if own_producer:
                await active.stop()
    return ReplayReport(
        replayed=tuple(replayed),
        already_replayed=tuple(letter.dlt_offset for letter in plan.already_replayed),
        still_invalid=plan.still_invalid,
        not_found=plan.not_found,
        forced=plan.forced,
    )


async def ensure_replay_log(bootstrap: str, topic: str) -> str:
    """Create `<topic>.dlt.replayed` (compacted, replicated like the DLT) if it is missing."""
    log_topic = replay_log_topic(topic)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="campusflow-dlt-replay")
    await admin.start()
    try:
        described = {t["topic"]: t for t in await admin.describe_topics()}
        if log_topic in described:
            return log_topic
        dlt = described.get(dead_letter_topic(topic))
        replicas = len(dlt["partitions"][0]["replicas"]) if dlt and dlt["partitions"] else 1
        response = await admin.create_topics(
            [
                NewTopic(
                    log_topic,
                    num_partitions=1,
                    replication_factor=replicas,
                    topic_configs={"cleanup.policy": "compact"},
                )
            ]
        )
        for error in response.topic_errors:
            code = error[1]
            if code not in (0, _TOPIC_ALREADY_EXISTS):  # a concurrent replay may have won
                message = error[2] if len(error) > 2 else ""
                raise DeadLetterTopicError(
                    f"could not create {log_topic}: Kafka error {code} {message}"
                )
        return log_topic
    finally:
        await admin.close()


async def _republish(
    producer: AIOKafkaProducer, letter: DeadLetter, *, topic: str, forced: bool
) -> Replayed:
    # The key picks the partition, as it did for the original: one aggregate stays in order.
    sent = await producer.send_and_wait(
        letter.original_topic,
        value=letter.value,
        key=letter.key,
        headers=replay_headers(letter.headers, dlt_offset=letter.dlt_offset),
    )
    republished = Replayed(
        dlt_offset=letter.dlt_offset,
        topic=letter.original_topic,
        partition=sent.partition,
        offset=sent.offset,
        ce_id=letter.ce_id,
    )
    await producer.send_and_wait(
        replay_log_topic(topic),
        key=str(letter.dlt_offset).encode(),
        value=replay_log_entry(
            letter, republished=republished, forced=forced, now=datetime.now(UTC)
        ),
    )
    return republished


async def _read_dead_letters(
    bootstrap: str, topic: str, *, keep: Callable[[DeadLetter], bool], limit: int | None
) -> list[DeadLetter]:
    dlt = dead_letter_topic(topic)
    letters: list[DeadLetter] = []
    async with _TopicReader(bootstrap) as reader:
        partitions = await reader.partition_count(dlt)
        if partitions is None:
            raise DeadLetterTopicError(f"topic {dlt} does not exist")
        if partitions != 1:
            raise DeadLetterTopicError(
                f"{dlt} has {partitions} partitions; dead letters are identified by offset, "
                "so a dead-letter topic must have exactly one"
            )
        async with aclosing(reader.records(dlt, partitions)) as records:
            async for record in records:
                letter = read_dead_letter(
                    topic=dlt,
                    offset=record.offset,
                    key=record.key,
                    value=record.value,
                    headers=record.headers,
                )
                if keep(letter):
                    letters.append(letter)
                    if limit is not None and len(letters) >= limit:
                        break
    return letters


class _TopicReader:
    """Reads whole topics from the beginning.

    A consumer with a throwaway group id and manual assignment (aiokafka's group-less mode
    can raise CancelledError from stop()); nothing is ever committed for the group. The
    partition count comes from the admin client: the consumer's `partitions_for_topic` is
    empty until it happens to have fetched metadata for the topic.
    """

    def __init__(self, bootstrap: str) -> None:
        self._admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap, client_id="campusflow-dlt-reader"
        )
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=f"campusflow-dlt-reader-{uuid4().hex}",
            client_id="campusflow-dlt-reader",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )

    async def __aenter__(self) -> _TopicReader:
        await self._admin.start()
        try:
            await self._consumer.start()
        except BaseException:
            await self._admin.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self._consumer.stop()
        finally:
            await self._admin.close()

    async def partition_count(self, topic: str) -> int | None:
        """None when the topic does not exist. Describing every topic never creates one."""
        for described in await self._admin.describe_topics():
            if described["topic"] == topic:
                return len(described["partitions"])
        return None

    async def records(self, topic: str, partitions: int) -> AsyncGenerator[ConsumerRecord, None]:
        """Every record the topic holds now, oldest first within each partition."""
        assigned = [TopicPartition(topic, p) for p in range(partitions)]
        self._consumer.assign(assigned)
        await self._consumer.seek_to_beginning(*assigned)
        ends = await self._consumer.end_offsets(assigned)
        pending = [tp for tp in assigned if ends[tp] > 0]
        deadline = time.monotonic() + _STALL_TIMEOUT_S
        while pending:
            batches = await self._consumer.getmany(*pending, timeout_ms=_FETCH_TIMEOUT_MS)
            for tp in pending:
                for record in batches.get(tp, []):
                    if record.offset < ends[tp]:
                        yield record
            if batches:
                deadline = time.monotonic() + _STALL_TIMEOUT_S
            elif time.monotonic() > deadline:
                raise TimeoutError(f"no progress reading {topic} for {_STALL_TIMEOUT_S}s")
            pending = [tp for tp in pending if await self._consumer.position(tp) < ends[tp]]
