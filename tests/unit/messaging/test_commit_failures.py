"""A commit that fails after a rebalance is a warning, not an error with a traceback
(issue "Survive restarts", finding 4); an outage that holds a batch logs no traceback."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import structlog
from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError

from shared.messaging import subscriptions
from shared.messaging.consumer import EventConsumer
from shared.messaging.failures import RetriesExhausted, RetryPolicy
from shared.messaging.subscriptions import COMMITS_FAILED, subscribe
from tests.support.kernel import kernel_consumer

pytestmark = pytest.mark.unit


@dataclass
class Record:
    topic: str = "t"
    partition: int = 0
    offset: int = 7
    key: bytes | None = b"k"
    value: bytes | None = b"{}"
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class FakeBroker:
    handler: Any = None

    def subscriber(self, *topics: str, **options: Any) -> Any:
        def register(handler: Any) -> None:
            self.handler = handler

        return register


@dataclass
class FakeConsumer:
    seeks: list[tuple[TopicPartition, int]] = field(default_factory=list)
    refuse_seek: bool = False

    def seek(self, partition: TopicPartition, offset: int) -> None:
        if self.refuse_seek:
            raise IllegalStateError("No current assignment for partition")
        self.seeks.append((partition, offset))


@dataclass
class FakeMessage:
    raw_message: tuple[Record, ...]
    consumer: FakeConsumer = field(default_factory=FakeConsumer)
    ack_error: Exception | None = None
    acked: bool = False

    async def ack(self) -> None:
        if self.ack_error is not None:
            raise self.ack_error
        self.acked = True


@dataclass
class FakeProcessor:
    failure: Exception | None = None
    consumer: EventConsumer = field(default_factory=lambda: kernel_consumer("unit"))
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    async def process(self, records: Any) -> None:
        if self.failure is not None:
            raise self.failure


def handler_for(processor: FakeProcessor) -> Any:
    broker = FakeBroker()
    subscribe(broker, processor, group_prefix="p", max_records=10)  # type: ignore[arg-type]
    return broker.handler


async def test_a_commit_refused_after_a_rebalance_is_one_warning() -> None:
    handle = handler_for(FakeProcessor())
    message = FakeMessage((Record(),), ack_error=CommitFailedError("group rebalanced"))
    before = COMMITS_FAILED.labels("unit")._value.get()
    with structlog.testing.capture_logs() as logs:
        await handle(message)  # does not raise: FastStream would log a traceback
    assert [(e["log_level"], e["error_class"]) for e in logs] == [("warning", "CommitFailedError")]
    assert COMMITS_FAILED.labels("unit")._value.get() == before + 1


async def test_a_batch_held_by_an_outage_is_rewound_with_one_line_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(subscriptions, "NACK_PAUSE_S", 0)
    handle = handler_for(FakeProcessor(RetriesExhausted("database away")))
    message = FakeMessage((Record(offset=9), Record(offset=8)))
    with structlog.testing.capture_logs() as logs:
        await handle(message)
    assert [(e["log_level"], "exc_info" in e) for e in logs] == [("warning", False)]
    assert message.consumer.seeks == [(TopicPartition("t", 0), 8)]
    assert not message.acked


async def test_a_partition_lost_to_a_rebalance_is_not_rewound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(subscriptions, "NACK_PAUSE_S", 0)
    handle = handler_for(FakeProcessor(RetriesExhausted("database away")))
    message = FakeMessage((Record(),), consumer=FakeConsumer(refuse_seek=True))
    await handle(message)  # IllegalStateError is not raised into FastStream
