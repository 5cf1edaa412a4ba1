"""Applying a batch of consumed events exactly once, and routing the unappliable aside.

Per batch: every message is decoded; a malformed one or one of an unknown type
goes to the dead-letter topic. The rest are applied in ONE transaction with
their inbox rows (the fast path). If that transaction fails for a reason that
is not retryable, the batch is applied again one event at a time, so only the
offending event is dead-lettered and its neighbours still take effect.
Retryable failures are retried within the policy's deadline; when retries run
out the batch is handed back to the broker (nack) and nothing is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from uuid import UUID

import asyncpg
import structlog
from prometheus_client import Counter

from shared.events.base import DomainEvent, Envelope, MalformedEvent
from shared.events.codec import decode
from shared.events.registry import UnknownEventType
from shared.messaging.dead_letters import ConsumedRecord, DeadLetterPublisher
from shared.messaging.failures import PermanentFailure, RetriesExhausted, RetryPolicy
from shared.messaging.inbox import claim_new_events
from shared.rules import RuleBroken

log = structlog.get_logger(__name__)

ACQUIRE_TIMEOUT_S = 10.0
HEALTH_PROBE_TIMEOUT_S = 2.0

EventHandler = Callable[[asyncpg.Connection, DomainEvent, Envelope], Awaitable[None]]
# Applies a run of consecutive events of one type in one go (e.g. one executemany):
# a database round trip per run instead of per event.
BatchEventHandler = Callable[
    [asyncpg.Connection, Sequence[tuple[DomainEvent, Envelope]]], Awaitable[None]
]

EVENTS_APPLIED = Counter(
    "campusflow_events_applied_total", "Events whose effect was applied", ["consumer"]
)
EVENTS_DUPLICATE = Counter(
    "campusflow_events_duplicate_total", "Redelivered events skipped by the inbox", ["consumer"]
)


@dataclass(frozen=True)
class EventConsumer:
    """A named consumer: its group, its inbox key, and the handler for each event type.

    A type may have a batch handler instead of (or as well as) a per-event one; the
    batch handler is preferred. Either way events are applied in the order consumed.
    """

    name: str
    topics: tuple[str, ...]
    handlers: Mapping[str, EventHandler]
    description: str = ""
    batch_handlers: Mapping[str, BatchEventHandler] = field(default_factory=dict)

    def handles(self, event_type: str) -> bool:
        return event_type in self.handlers or event_type in self.batch_handlers


def _permanent(failure: BaseException) -> bool:
    """The event's own fault, said so by its handler: dead-letter it, move on."""
    return isinstance(failure, (PermanentFailure, RuleBroken))


@dataclass(frozen=True)
class _Delivery:
    record: ConsumedRecord
    envelope: Envelope
    event: DomainEvent


@dataclass
class EventProcessor:
    consumer: EventConsumer
    pool: asyncpg.Pool
    dead_letters: DeadLetterPublisher
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    async def process(self, records: Sequence[ConsumedRecord]) -> None:
        """Apply a batch. Raises RetriesExhausted when the batch must be redelivered.

        Dead letters are sent only once the batch is known to be done with, so a
        batch handed back during an outage does not dead-letter the same message
        again on every redelivery.
        """
        deliveries: list[_Delivery] = []
        letters: list[tuple[ConsumedRecord, BaseException]] = []
        for record in records:
            try:
                envelope, event = decode(list(record.headers), record.value)
            except (MalformedEvent, UnknownEventType) as error:
                letters.append((record, error))
                continue
            if self.consumer.handles(envelope.type):  # others are other consumers' business
                deliveries.append(_Delivery(record, envelope, event))
        if deliveries:
            letters.extend(await self._apply_batch(deliveries))
        for letter, reason in letters:
            await self._dead_letter(letter, reason)

    async def _apply_batch(
        self, deliveries: list[_Delivery]
    ) -> list[tuple[ConsumedRecord, BaseException]]:
        """Apply in one transaction, else one by one; return what must be dead-lettered."""
        try:
            await self._retrying(deliveries)
            return []
        except RetriesExhausted:
            raise  # the database is down: the whole batch goes back to the broker
        except Exception as batch_error:
            if len(deliveries) == 1:
                return [(deliveries[0].record, batch_error)]
        log.info("batch failed; applying one by one", consumer=self.consumer.name)
        failures: list[tuple[ConsumedRecord, BaseException]] = []
        for delivery in deliveries:
            try:
                await self._retrying([delivery])
            except RetriesExhausted:
                raise
            except Exception as error:
                failures.append((delivery.record, error))
        kinds = {type(failure) for _, failure in failures}
        permanent = any(_permanent(failure) for _, failure in failures)
        if len(failures) == len(deliveries) and len(kinds) == 1 and not permanent:
            # Every event fails the same unexpected way (a missing table, a bug):
            # the fault is the system's, not the events'. Hold them; don't bury them.
            raise RetriesExhausted(f"every event of the batch failed: {failures[0][1]!r}")
        return failures

    async def _retrying(self, deliveries: Sequence[_Delivery]) -> None:
        """Apply with retries. A retryable failure holds the partition only while the
        database is really unhealthy; if it answers, the failure is the event's own."""
        try:
            await self.retry.run(lambda: self._apply(deliveries))
        except RetriesExhausted:
            if not await self._database_healthy():
                raise
            # The database answers. One more try tells an outage that has just ended
            # (the event applies now) from an event that fails on its own.
            try:
                await self._apply(deliveries)
            except Exception as error:
                raise PermanentFailure(f"failed with a healthy database: {error!r}") from error

    async def _database_healthy(self) -> bool:
        try:
            async with asyncio.timeout(HEALTH_PROBE_TIMEOUT_S):
                await self.pool.fetchval("SELECT 1")
        except Exception:
            return False
        return True

    async def _apply(self, deliveries: Sequence[_Delivery]) -> None:
        async with (
            self.pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn,
            conn.transaction(),
        ):
            fresh = await claim_new_events(
                conn,
                consumer=self.consumer.name,
                events=[(d.envelope.id, d.envelope.type) for d in deliveries],
            )
            applied: set[UUID] = set()
            due = []
            for delivery in deliveries:
                event_id = delivery.envelope.id
                if event_id in fresh and event_id not in applied:
                    due.append(delivery)
                    applied.add(event_id)
            for event_type, run in groupby(due, key=lambda d: d.envelope.type):
                await self._apply_run(conn, event_type, list(run))
        EVENTS_APPLIED.labels(self.consumer.name).inc(len(applied))
        if len(applied) < len(deliveries):
            EVENTS_DUPLICATE.labels(self.consumer.name).inc(len(deliveries) - len(applied))

    async def _apply_run(
        self, conn: asyncpg.Connection, event_type: str, run: list[_Delivery]
    ) -> None:
        batch_handler = self.consumer.batch_handlers.get(event_type)
        if batch_handler is not None:
            await batch_handler(conn, [(d.event, d.envelope) for d in run])
            return
        handler = self.consumer.handlers[event_type]
        for delivery in run:
            await handler(conn, delivery.event, delivery.envelope)

    async def _dead_letter(self, record: ConsumedRecord, error: BaseException) -> None:
        log.warning(
            "dead-lettering message",
            consumer=self.consumer.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error_class=type(error).__name__,
            error=str(error)[:500],
        )
        await self.dead_letters.send(record, consumer=self.consumer.name, error=error)
