"""Durable timers: actions due at a time, kept in the service's `due_actions` table.

A use case calls `schedule` (or `cancel`) in its own transaction; the service's
`run_due_actions` loop claims what is due with FOR UPDATE SKIP LOCKED and runs the
kind's handler in the same transaction that marks the row fired, so the handler's
state change and its outbox events commit together with "fired": once, across
restarts and replicas.
"""

from shared.timers.loop import DueActionHandler, run_due_actions
from shared.timers.store import (
    DueAction,
    cancel,
    cancel_many,
    retry_delay,
    schedule,
    schedule_many,
)

__all__ = [
    "DueAction",
    "DueActionHandler",
    "cancel",
    "cancel_many",
    "retry_delay",
    "run_due_actions",
    "schedule",
    "schedule_many",
]
