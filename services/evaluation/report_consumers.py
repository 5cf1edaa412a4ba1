"""Evaluation's consumers of other services' events: report read models."""

from shared.messaging.consumer import EventConsumer

REPORT_CONSUMERS: tuple[EventConsumer, ...] = ()
