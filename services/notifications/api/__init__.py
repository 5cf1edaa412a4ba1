"""Notifications HTTP API: one router per aggregate under /api/notifications."""

from fastapi import APIRouter

from services.notifications.api import notices

ROUTERS: tuple[APIRouter, ...] = (notices.router,)
