"""Applying a batch of consumed events exactly once, and routing the unappliable aside.

Per batch: every message is decoded; a malformed one or one of an unknown type
goes to the dead-letter topic. The rest are applied in ONE transaction with
their inbox rows (the fast path). If that transaction fails for a reason that
is not retryable, the batch is applied again one event at a time, so only the
offending event is dead-lettered and its neighbours still take effect.
Retryable failures are retried within the policy's deadline; when retries run
out the batch is handed back to the broker (nack) and nothing is lost.

A handler says an event is its own fault by raising `shared.rules.RuleBroken` (what
the service layer raises anyway) or `PermanentFailure`: that event is dead-lettered
with the rule in its reason, and the partition moves on.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from itertools import groupby
from typing import Generic, TypeAlias, TypeVar
from uuid import UUID

import asyncpg
import structlog
from prometheus_client import Counter

from shared.events.base import DomainEvent, Envelope, MalformedEvent
from shared.events.codec import decode
from shared.events.registry import UnknownEventType, spec_for_model
from shared.messaging.dead_letters import ConsumedRecord, DeadLetterPublisher
from shared.messaging.failures import PermanentFailure, RetriesExhausted, RetryPolicy
from shared.messaging.inbox import claim_new_events
from shared.rules import RuleBroken

log = structlog.get_logger(__name__)

ACQUIRE_TIMEOUT_S = 10.0
HEALTH_PROBE_TIMEOUT_S = 2.0

E = TypeVar("E", bound=DomainEvent)

# What a consumer's code is: a use case handed the transaction and one event of its class...
EventHandler: TypeAlias = Callable[[asyncpg.Connection, E, Envelope], Awaitable[None]]
# ...or a run of consecutive events of its class in one go (e.g. one executemany):
# a database round trip per run instead of per event.
BatchEventHandler: TypeAlias = Callable[
    [asyncpg.Connection, Sequence[tuple[E, Envelope]]], Awaitable[None]
]

EVENTS_APPLIED = Counter(
    "campusflow_events_applied_total", "Events whose effect was applied", ["consumer"]
)
EVENTS_DUPLICATE = Counter(
    "campusflow_events_duplicate_total", "Redelivered events skipped by the inbox", ["consumer"]
)


class EventRoute(ABC):
    """Where the kernel sends a run of consecutive events of one class."""

    event: type[DomainEvent]

    @abstractmethod
    async def apply_run(
        self, conn: asyncpg.Connection, run: Sequence[tuple[DomainEvent, Envelope]]
    ) -> None:
        """Apply consecutive events of `event`'s class, in order, in the caller's transaction."""


class AnyHandler(EventRoute):
    """A `Handler[E]` with its E forgotten: what `EventConsumer(handlers=...)` takes.

    The parameter is typed with this non-generic base, not `Handler[Any]`, on purpose:
    mypy infers a generic call's type variables from the expected type first, and an
    expected `Handler[Any]` would make E Any, so `Handler(A, handles_b)` would pass.
    Expecting the base leaves mypy nothing to infer E from but the pair itself.
    """


class AnyBatchHandler(EventRoute):
    """A `BatchHandler[E]` with its E forgotten: what `EventConsumer(batch_handlers=...)` takes."""


def _of_class(event_class: type[E], event: DomainEvent) -> E:
    # The consumer only routes events whose registered class is `event_class` (checked when
    # it is built), so this never fails; it is what lets the handler be typed by its class.
    if not isinstance(event, event_class):
        raise TypeError(f"a {event_class.__name__} handler was handed {type(event).__name__}")
    return event


@dataclass(frozen=True)
class Handler(AnyHandler, Generic[E]):
    """Applies each event of class `event`, handed to `apply` as that class.

    `Handler(AttendanceSanctionImposed, on_sanction)` is checked by mypy: `on_sanction`
    must accept an AttendanceSanctionImposed (or a supertype) as its event.
    """

    event: type[E]
    apply: EventHandler[E]

    async def apply_run(
        self, conn: asyncpg.Connection, run: Sequence[tuple[DomainEvent, Envelope]]
    ) -> None:
        for event, envelope in run:
            await self.apply(conn, _of_class(self.event, event), envelope)


@dataclass(frozen=True)
class BatchHandler(AnyBatchHandler, Generic[E]):
    """Applies each run of consecutive events of class `event` in one call to `apply`."""

    event: type[E]
    apply: BatchEventHandler[E]

    async def apply_run(
        self, conn: asyncpg.Connection, run: Sequence[tuple[DomainEvent, Envelope]]
    ) -> None:
        await self.apply(
            conn, [(_of_class(self.event, event), envelope) for event, envelope in run]
        )


@dataclass(frozen=True)
class EventConsumer:
    """A named consumer: its group, its inbox key, and the handler for each event class.

    Declared as

        EventConsumer(
            "recruitment.attendance-sanctions",
            handlers=[Handler(AttendanceSanctionImposed, on_attendance_sanction_imposed)],
            description="...",
        )

    Handlers are keyed by event class, and the kernel derives the rest: each class's type
    string (its `event_type`) and the topics to read (where the registry says the class
    travels), so a handled type can never sit on a topic the consumer does not read. A
    class the registry does not know fails here, when the service's consumers are built.

    Why `[Handler(A, fa)]` and not `{A: fa}`: a dict's type is one key type and one value
    type for all its entries, so mypy cannot tie each class to its handler's parameter.
    The pair `Handler(A, fa)` is a generic call, and mypy checks that `fa` takes an A;
    see tests/typing/consumer_handlers.py for the pairings it refuses.

    A run of consecutive events of one class goes to its `BatchHandler` in one call, or to
    its `Handler` one event at a time; either way in the order consumed. Each class is
    handled once, by one or the other.
    """

    name: str
    _: KW_ONLY
    handlers: Sequence[AnyHandler] = ()
    batch_handlers: Sequence[AnyBatchHandler] = ()
    description: str = ""
    # Derived from the handlers and the registry, never declared.
    topics: tuple[str, ...] = field(init=False)
    _routes: Mapping[str, EventRoute] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        routes: dict[str, EventRoute] = {}
        topics: dict[str, None] = {}  # a dict keeps the order of first mention
        misdeclared = [r for r in self.handlers if not isinstance(r, AnyHandler)] + [
            r for r in self.batch_handlers if not isinstance(r, AnyBatchHandler)
        ]
        if misdeclared:
            raise TypeError(
                f"consumer {self.name!r}: handlers takes Handler(EventClass, handler) pairs and"
                f" batch_handlers BatchHandler(EventClass, handler) pairs; got {misdeclared[0]!r}"
            )
        for route in (*self.handlers, *self.batch_handlers):
            try:
                spec = spec_for_model(route.event)
            except UnknownEventType:
                raise UnknownEventType(
                    f"consumer {self.name!r} handles {route.event.__name__}, which is not in"
                    " the event registry (shared/events/registry.py)"
                ) from None
            if spec.type in routes:
                raise ValueError(f"consumer {self.name!r} handles {route.event.__name__} twice")
            routes[spec.type] = route
            topics[spec.topic.name] = None
        if not routes:
            raise ValueError(f"consumer {self.name!r} handles no event class")
        object.__setattr__(self, "handlers", tuple(self.handlers))
        object.__setattr__(self, "batch_handlers", tuple(self.batch_handlers))
        object.__setattr__(self, "topics", tuple(topics))
        object.__setattr__(self, "_routes", routes)

    def handles(self, event_type: str) -> bool:
        return event_type in self._routes

    def handler_for(self, event_type: str) -> EventRoute:
        return self._routes[event_type]

    def reading(self, *topics: str) -> EventConsumer:
        """The same consumer subscribed to `topics` instead of the registry's: for a test
        that gives its run a private topic carrying the same event types. Declared
        consumers never call this; they read where the registry says their events travel."""
        if not topics:
            raise ValueError(f"consumer {self.name!r} must read at least one topic")
        rerouted = replace(self)
        object.__setattr__(rerouted, "topics", tuple(topics))
        return rerouted


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
        handler = self.consumer.handler_for(event_type)
        await handler.apply_run(conn, [(d.event, d.envelope) for d in run])

    async def _dead_letter(self, record: ConsumedRecord, error: BaseException) -> None:
        log.warning(
            "dead-lettering message",
            consumer=self.consumer.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error_class=type(error).__name__,
            error=str(error)[:500],
            rule=getattr(error, "rule", None),
        )
        await self.dead_letters.send(
            record, consumer=self.consumer.name, error=_dead_letter_reason(error)
        )


def _dead_letter_reason(error: BaseException) -> BaseException:
    """What the dead letter says went wrong. The DLT's reason headers are the error's class
    and message; a broken rule's name (and field) lead the message, so a reader of the DLT
    sees which rule refused the event. The class stays the rule's own (MembershipRuleBroken)."""
    if not isinstance(error, RuleBroken):
        return error
    # Not RuleBroken(...): the class may be any subclass, with its own __init__.
    reason = type(error).__new__(type(error), f"{error.rule} ({error.field}): {error.message}")
    reason.__dict__.update(vars(error))
    return reason
