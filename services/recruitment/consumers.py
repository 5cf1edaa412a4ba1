"""Recruitment's event consumers (none yet: it reacts to sanctions once scheduling emits them)."""

from shared.messaging.consumer import EventConsumer

CONSUMERS: tuple[EventConsumer, ...] = ()
