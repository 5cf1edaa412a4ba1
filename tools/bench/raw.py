"""Raw Kafka: what aiokafka alone moves, the baseline the kernel's path is compared with.

N copies of a real ApplicationSubmitted message (same headers and value; only
the key differs, so they spread over the partitions like aggregates do) are
produced with the platform's producer settings to a throwaway topic with the
partition count of the real one, and read back by one AIOKafkaConsumer in the
same event loop, as the kernel's path also runs in one process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.events.codec import EncodedEvent
from shared.messaging.broker import make_producer

READY_TIMEOUT_S = 60.0


class BenchError(RuntimeError):
    """The benchmark could not finish (a timeout, a broken stack): not a missed goal."""


@dataclass(frozen=True)
class RawFigures:
    events: int
    seconds: float
    produce_seconds: float
    message_bytes: int

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


@asynccontextmanager
async def throwaway_topic(bootstrap: str, name: str, partitions: int) -> AsyncIterator[str]:
    """A topic that exists for the block only (deleted even when the block fails)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="campusflow-bench")
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
        try:
            yield name
        finally:
            await asyncio.wait_for(admin.delete_topics([name]), timeout=30)
    finally:
        await admin.close()


async def measure_raw(
    bootstrap: str,
    *,
    topic: str,
    partitions: int,
    template: EncodedEvent,
    events: int,
    timeout_s: float,
    progress: Callable[[int], None] = lambda _: None,
) -> RawFigures:
    """Produce `events` messages and consume them; time from first send to last message read."""
    keys = [str(uuid4()).encode() for _ in range(events)]
    message_bytes = (
        len(template.value) + len(template.key) + sum(len(k) + len(v) for k, v in template.headers)
    )
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=f"bench-raw-{uuid4().hex[:8]}",  # never committed: offsets are assigned
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = make_producer(bootstrap, client_id="campusflow-bench-raw")
    await consumer.start()
    try:
        await producer.start()
        try:
            assigned = [TopicPartition(topic, p) for p in range(partitions)]
            consumer.assign(assigned)
            await _wait_positions(consumer, assigned)
            reading = asyncio.create_task(_read(consumer, events, progress))
            started = time.perf_counter()
            try:
                sends = [
                    await producer.send(
                        topic, value=template.value, key=key, headers=template.headers
                    )
                    for key in keys
                ]
                await asyncio.wait_for(asyncio.gather(*sends), timeout=timeout_s)
                produced = time.perf_counter()
                last_read = await asyncio.wait_for(
                    reading, timeout=max(1.0, timeout_s - (produced - started))
                )
            except TimeoutError:
                raise BenchError(
                    f"raw Kafka: {events} messages not through in {timeout_s:.0f} s"
                ) from None
            finally:
                reading.cancel()
        finally:
            await producer.stop()
    finally:
        await consumer.stop()
    return RawFigures(
        events=events,
        seconds=last_read - started,
        produce_seconds=produced - started,
        message_bytes=message_bytes,
    )


async def _wait_positions(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> None:
    """Until every partition has a leader and a start offset, a fresh topic is not readable."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        try:
            for tp in partitions:
                await asyncio.wait_for(consumer.position(tp), timeout=5)
            return
        except Exception as error:
            if time.monotonic() > deadline:
                raise BenchError(f"the bench topic never became readable: {error!r}") from error
            await asyncio.sleep(0.2)


async def _read(consumer: AIOKafkaConsumer, events: int, progress: Callable[[int], None]) -> float:
    seen = 0
    last = time.perf_counter()
    while seen < events:
        batches = await consumer.getmany(timeout_ms=500)
        got = sum(len(records) for records in batches.values())
        if got:
            seen += got
            last = time.perf_counter()
            progress(seen)
    return last
