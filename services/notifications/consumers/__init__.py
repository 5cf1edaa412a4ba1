"""Notifications' event consumers: routing (service/routing.py) and the reminders and
escalation chains (consumers/reminders.py). Inbox and dead letters are the kernel's."""

from __future__ import annotations

from services.notifications.consumers.reminders import REMINDER_CONSUMERS
from services.notifications.consumers.routing import APPLICANT_NOTICES, ROUTING_CONSUMERS
from shared.messaging.consumer import EventConsumer

CONSUMERS: tuple[EventConsumer, ...] = (*ROUTING_CONSUMERS, *REMINDER_CONSUMERS)

__all__ = ["APPLICANT_NOTICES", "CONSUMERS"]
