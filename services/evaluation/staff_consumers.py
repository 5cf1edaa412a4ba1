"""Evaluation's consumers of other services' events: staff read models."""

from shared.messaging.consumer import EventConsumer

STAFF_CONSUMERS: tuple[EventConsumer, ...] = ()
