"""Notifications' reminder and escalation consumers (filled in by REM-ESC)."""

from __future__ import annotations

from shared.messaging.consumer import EventConsumer

REMINDER_CONSUMERS: tuple[EventConsumer, ...] = ()
