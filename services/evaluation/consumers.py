"""Evaluation's event consumers (none yet)."""

from shared.messaging.consumer import EventConsumer

CONSUMERS: tuple[EventConsumer, ...] = ()
