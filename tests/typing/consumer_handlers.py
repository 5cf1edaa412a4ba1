"""Consumer declarations for mypy: each line marked `# refused:` must be a mypy error
that says so, each marked `# revealed:` a note of that type, and every other line must pass.

Not collected by pytest: tests/unit/messaging/test_consumer_typing.py runs mypy on it.
The refusals inside a `handlers=[...]` list matter most: there mypy could infer the
pair's event type from the list's expected type instead of from the pair itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import reveal_type

from asyncpg import Connection

from shared.events.base import DomainEvent, Envelope
from shared.events.recruitment import ApplicantAdmitted, ApplicationSubmitted
from shared.events.scheduling import AttendanceSanctionImposed as Sanction
from shared.messaging.consumer import BatchHandler, EventConsumer, Handler

Submitted = ApplicationSubmitted


async def on_sanction(conn: Connection, event: Sanction, envelope: Envelope) -> None: ...


async def on_submitted(conn: Connection, event: Submitted, envelope: Envelope) -> None: ...


async def on_any(conn: Connection, event: DomainEvent, envelope: Envelope) -> None: ...


async def on_results(
    conn: Connection, events: Sequence[tuple[Submitted | ApplicantAdmitted, Envelope]]
) -> None: ...


# Accepted: each class with a handler of that class, of a union holding it, or of any event.
EventConsumer(
    "accepted",
    handlers=[Handler(Sanction, on_sanction), Handler(ApplicantAdmitted, on_any)],
    batch_handlers=[BatchHandler(Submitted, on_results)],
    description="every pairing right",
)
paired = Handler(Sanction, on_sanction)
reveal_type(paired)  # revealed: Handler[shared.events.scheduling.AttendanceSanctionImposed]

# Refused: a handler of another class, alone or in the consumer's list.
Handler(Submitted, on_sanction)  # refused: Argument 2 to "Handler" has incompatible type
EventConsumer("c", handlers=[Handler(Submitted, on_sanction)])  # refused: Argument 2 to "Handler"
EventConsumer("c", handlers=[Handler(Sanction, on_submitted)])  # refused: Argument 2 to "Handler"
EventConsumer("c", batch_handlers=[BatchHandler(Sanction, on_results)])  # refused: Argument 2 to

# Refused: a per-event handler declared as a batch one, and the other way round.
EventConsumer("c", batch_handlers=[Handler(Submitted, on_submitted)])  # refused: List item 0
EventConsumer("c", handlers=[BatchHandler(Submitted, on_results)])  # refused: List item 0
EventConsumer("c", handlers=[Handler(Submitted, on_results)])  # refused: Argument 2 to "Handler"

# Refused: the old form, a dict keyed by type string or class, and a separate topics list.
EventConsumer("c", handlers={Submitted.event_type: on_submitted})  # refused: Argument "handlers"
EventConsumer("c", handlers={Submitted: on_submitted})  # refused: Argument "handlers"
EventConsumer("c", topics=("t",), handlers=[])  # refused: Unexpected keyword argument "topics"
