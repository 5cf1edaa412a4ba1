"""Notifications HTTP API: one router per aggregate under /api/notifications."""

from fastapi import APIRouter

from services.notifications.api import (
    deliveries,
    directory,
    escalations,
    notices,
    preferences,
    receipts,
    reminders,
    templates,
    webhooks,
)

ROUTERS: tuple[APIRouter, ...] = (
    notices.router,
    preferences.router,
    templates.router,
    deliveries.router,
    webhooks.router,
    directory.router,
    escalations.router,
    reminders.router,
    receipts.router,
)
